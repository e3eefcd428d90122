import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { MailboxStore } from '../../connectors/types.js';
import { currentDelegations, endpointOfMailbox, withdrawnAgs } from '../auth/ownership.js';
import type { Principal } from '../auth/principal.js';
import type { AdmissionControl } from '../ingress/admission.js';
import { ingressHeaderCheck } from '../auth/ingress-guard.js';
import type { GatewayConfig } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import type { AttachmentRef } from '../model/index.js';
import { RecipientEncryption, type RecipientKeys } from '../outbox/recipient-encryption.js';
import type { AttachmentStore } from '../store/attachments.js';
import type { DelegationStore, MessageReads, XtaFetchStore } from '../store/contracts.js';
import type { AckedMessage, MailboxItem } from '../store/types.js';
import type { XtaAccount, XtaAccounts } from './accounts.js';
import { XtaFault, type XtaExceptionName } from './faults.js';
import type { XtaIngress } from './ingress.js';
import { fetchedId, gatewayIdOf, kennungOf, knownService, metaDataOf, partyIdentifier, xtaMessageId } from './metadata.js';
import { textOf } from './soap.js';

export type XtaPort = 'transport-base' | 'sender' | 'recipient';

/** The WSDL port type behind each port the gateway offers. */
const PORT_TYPE: Readonly<Record<XtaPort, string>> = { 'transport-base': 'core.transport.base', sender: 'core.sender', recipient: 'core.recipient' };

/** What the XTA operations need from the gateway: the narrow mailbox, the attachment store and the ingress function. */
export interface XtaDeps {
  cfg: GatewayConfig;
  accounts: XtaAccounts;
  mailboxes: MailboxStore;
  /** The stored message of a box item (its attachments, getMessage) and the runtime delegations (the ZSA's boxes). */
  messages: Pick<MessageReads, 'getMessage'> & Pick<DelegationStore, 'delegationOverrides'>;
  attachments: Pick<AttachmentStore, 'putStream' | 'open'>;
  ingress: XtaIngress;
  /**
   * Admission control (ADR 0036): sendMessage enters it once the transport order is checked and
   * before any attachment is stored; a refusal (GW_OVERLOADED, GW_CLIENT_OVER_SHARE) is answered as
   * TechnicalProblemException (busy, retry later) and nothing is written.
   */
  admission?: Pick<AdmissionControl, 'enter'> | undefined;
  /** getMessage leases and records its fetch in one transaction; close finds the lease there, also after a restart. */
  fetches: XtaFetchStore;
  recipientKeys?: RecipientKeys | undefined;
  /** Told of every message a close made delivered (metrics). */
  onDelivered?: ((m: AckedMessage) => void) | undefined;
  log: Logger;
}

export interface XtaCall {
  principal: Principal | undefined;
  header: Record<string, unknown>;
  body: unknown;
}

/** An operation's answer: XTA header elements and the body element (none: the WSDL's EmptyBody). */
export interface XtaAnswer {
  headers: Array<[name: string, value: unknown]>;
  body?: [name: string, value: unknown];
}

export interface XtaOperation {
  port: XtaPort;
  /** The WSDL port type (`core.sender` …): actions are `https://xoev.de/transport/xta/core/<portType>/<name>`. */
  portType: string;
  name: string;
  run(call: XtaCall): Promise<XtaAnswer>;
}

const ACTION_BASE = 'https://xoev.de/transport/xta/core/';
export const actionOf = (op: Pick<XtaOperation, 'portType' | 'name'>, suffix = ''): string => `${ACTION_BASE}${op.portType}/${op.name}${suffix}`;
/** The fault action the WSDL gives an exception of the port type. */
export const faultActionOf = (portType: string, exception: string): string => `${ACTION_BASE}${portType}/${exception}`;

/** Largest getStatusList answer (MaxMessages is capped to it). */
const MAX_LIST = 100;
/** How far the message box is scanned for getStatusList counts and getMessage by id. */
const SCAN = 500;
const EMPTY: XtaAnswer = { headers: [] };
const NO_MATCH = 'http://www.osci.eu/ws/2008/05/transport/MessageBox/reasons/NoMatch';

function boxStatus(pending: number): [string, unknown] {
  return ['MessageBoxStatus', { MessagesRemaining: pending > 0 ? { MessagesPending: pending } : { NoMessageAvailable: NO_MATCH } }];
}

function needMailbox(account: XtaAccount): string {
  if (account.mailbox === null) throw new XtaFault('PermissionDeniedException', 'the account has no message box');
  return account.mailbox;
}

function decodeBase64(v: unknown, what: string): Buffer {
  const text = textOf(v)?.replace(/\s+/g, '');
  if (!text || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new XtaFault('ParameterIsNotValidException', `${what} is not base64 content`);
  return Buffer.from(text, 'base64');
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** ContentType@size is a positiveInteger: left out for empty content. */
const sizeOf = (b: Buffer) => (b.length > 0 ? { size: b.length } : {});

const attr = (v: unknown, name: string): string | undefined => {
  const a = v !== null && typeof v === 'object' ? (v as { attributes?: Record<string, unknown> }).attributes : undefined;
  return typeof a?.[name] === 'string' ? (a[name] as string) : undefined;
};
/** OtherCriteria/NewEntry as xs:boolean; absent means true (only new messages). */
function newEntryOnly(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  const text = textOf(v)?.trim();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new XtaFault('ParameterIsNotValidException', 'NewEntry must be an xs:boolean (true, false, 1, 0)');
}
const asArray = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

/**
 * The XTA 2 core operations the gateway offers (docs/xta.md): transport.base (checkAccountActive,
 * getTransportReport), sender (createMessageID, lookupService, sendMessage, sendMessageSync) and
 * recipient (getStatusList, getMessage, close). Every operation first resolves the Party header to
 * the caller's own account (XtaAccounts.resolve); every refusal is an XtaFault.
 */
export function xtaOperations(d: XtaDeps): XtaOperation[] {
  const encryption = new RecipientEncryption(d.recipientKeys);
  const account = (c: XtaCall) => d.accounts.resolve(c.principal, partyIdentifier(c.header['Party']));

  /**
   * For the ZSA: the AGS whose items its work queue no longer hands out, because the municipality
   * took the service back — the same exclusion as the mailbox API (docs/security.md).
   */
  const exceptAgs = async (acc: XtaAccount, mailbox: string): Promise<string[] | undefined> =>
    acc.participant.kind === 'zsa' ? withdrawnAgs(d.cfg, endpointOfMailbox(d.cfg, mailbox), await currentDelegations(d.cfg, d.messages)) : undefined;

  /** Available items of the account's box (lease free or ended, not closed, within the caller's remit), oldest first. */
  const available = async (acc: XtaAccount, mailbox: string): Promise<MailboxItem[]> => d.mailboxes.mailboxList(mailbox, SCAN, await exceptAgs(acc, mailbox));

  const sendMessage = async (c: XtaCall): Promise<XtaAnswer> => {
    const acc = account(c);
    const meta = c.header['MessageMetaData'] as Record<string, unknown> | undefined;
    if (meta === undefined || meta === null || typeof meta !== 'object') throw new XtaFault('ParameterIsNotValidException', 'the SOAP header carries no MessageMetaData (the transport order)');
    const originators = (meta['Originators'] ?? {}) as Record<string, unknown>;
    const author = partyIdentifier(originators['Author']);
    if (author !== acc.identifier) throw new XtaFault('PermissionDeniedException', 'MessageMetaData/Originators/Author must be the account of the Party header');
    const readerId = partyIdentifier(meta['Reader']);
    const reader = readerId === undefined ? undefined : kennungOf(d.cfg, d.accounts, readerId);
    if (reader === undefined) throw new XtaFault('ParameterIsNotValidException', 'MessageMetaData/Reader names no participant of the gateway');
    const qualifier = (meta['Qualifier'] ?? {}) as Record<string, unknown>;
    const service = textOf(qualifier['Service'])?.trim();
    if (service !== undefined && !knownService(d.cfg, service)) throw new XtaFault('ParameterIsNotValidException', 'Qualifier/Service names no service of the gateway', 'GW_XTA_UNKNOWN_SERVICE');
    if (meta['Extensions'] !== undefined) throw new XtaFault('UnsupportedExtensionException', 'MessageMetaData/Extensions are not supported');

    const container = (c.body ?? {}) as Record<string, unknown>;
    if (container['Extensions'] !== undefined) throw new XtaFault('UnsupportedExtensionException', 'ContentContainer/Extensions are not supported');
    if (container['Message'] === undefined) throw new XtaFault('ParameterIsNotValidException', 'ContentContainer carries no Message (the XÖV message)');
    const payload = decodeBase64(container['Message'], 'ContentContainer/Message');
    if (payload.length > d.cfg.server.maxMessageBytes) throw new GatewayError('GW_PAYLOAD_TOO_LARGE', 'the message exceeds the size limit');
    // before the first write (attachment files, their uploader rows): an overloaded gateway stores nothing
    const release = d.admission?.enter(`xta:${acc.identifier}`);
    try {
      return await storeSubmission(c, acc, reader, payload, container);
    } finally {
      release?.();
    }
  };

  /** sendMessage after admission: stores the attachments, then hands the message to the pipeline; resolves once it is durably stored. */
  const storeSubmission = async (c: XtaCall, acc: XtaAccount, reader: string, payload: Buffer, container: Record<string, unknown>): Promise<XtaAnswer> => {
    const attachments: AttachmentRef[] = [];
    for (const [i, a] of asArray(container['Attachment']).entries()) {
      const bytes = decodeBase64(a, `ContentContainer/Attachment[${i + 1}]`);
      const stored = await d.attachments.putStream(Readable.from([bytes]), { maxBytes: d.cfg.server.maxAttachmentBytes, uploader: acc.participant.kennung });
      const name = (attr(a, 'filename') ?? attr(a, 'id') ?? `attachment-${i + 1}`).replace(/^.*[\\/]/, '');
      attachments.push({ name, mediaType: attr(a, 'contentType') ?? 'application/octet-stream', sha512: stored.sha512, size: stored.size });
    }

    const authorCheck = c.principal ? ingressHeaderCheck(d.cfg, c.principal) : undefined;
    const stored = await d.ingress({
      payload,
      attachments,
      remote: `xta:${acc.identifier}`,
      checkHeader: (h) => {
        authorCheck?.(h);
        if (h.reader !== reader) throw new GatewayError('GW_HEADER_INVALID', `the message's reader ${h.reader} is not the transport order's reader ${reader}`);
      },
    });
    d.log.info({ account: acc.identifier, gatewayId: stored.gatewayId, duplicate: stored.duplicate }, 'xta: sendMessage stored');
    return EMPTY;
  };

  const op = (port: XtaPort, name: string, run: XtaOperation['run']): XtaOperation => ({ port, portType: PORT_TYPE[port], name, run });
  /** An operation the gateway answers, for the caller's own account only, with this exception (docs/xta.md, deviations). */
  const refused = (port: XtaPort, name: string, exception: XtaExceptionName, text: string): XtaOperation =>
    op(port, name, async (c) => {
      account(c);
      throw new XtaFault(exception, text);
    });

  return [
    op('transport-base', 'checkAccountActive', async (c) => (account(c), EMPTY)),
    refused('transport-base', 'getTransportReport', 'NotImplementedException', 'transport reports are not offered: the gateway keeps the message history (GET /api/v1/messages/{id}/history)'),
    op('sender', 'createMessageID', async (c) => {
      account(c);
      return { headers: [], body: ['XTAMessageID', { attributes: { id: 'xta-message-id' }, $value: xtaMessageId(d.cfg.xta.instance, randomUUID()) }] };
    }),
    op('sender', 'lookupService', async (c) => {
      account(c);
      const query = asArray(((c.body ?? {}) as Record<string, unknown>)['LookupService']);
      if (query.length === 0) throw new XtaFault('ParameterIsNotValidException', 'LookupQuery carries no LookupService');
      const results = query.map((q) => {
        const ls = (q ?? {}) as Record<string, unknown>;
        const readerId = partyIdentifier(ls['Reader']);
        const service = textOf(ls['Service'])?.trim();
        const available = readerId !== undefined && kennungOf(d.cfg, d.accounts, readerId) !== undefined && (service === undefined || knownService(d.cfg, service));
        return { Reader: { Identifier: readerId ?? '' }, ...(service !== undefined ? { Service: service } : {}), IsServiceAvailableValue: { ServiceIsAvailable: available } };
      });
      return { headers: [], body: ['LookupStatus', { LookupServiceResult: results }] };
    }),
    op('sender', 'sendMessage', sendMessage),
    refused('sender', 'sendMessageSync', 'SyncAsyncException', 'the gateway transports asynchronously only: send with sendMessage and fetch the answer from the message box'),
    op('recipient', 'getStatusList', async (c) => {
      const acc = account(c);
      const mailbox = needMailbox(acc);
      const selector = (c.body ?? {}) as Record<string, unknown>;
      if (selector['Extensions'] !== undefined) throw new XtaFault('UnsupportedExtensionException', 'MessageSelector/Extensions are not supported');
      let items = await available(acc, mailbox);
      const ids = selector['XTAMessageIDs'] as Record<string, unknown> | undefined;
      let max = MAX_LIST;
      if (ids !== undefined) {
        const wanted = new Set(asArray(ids['XTAMessageID']).map((x) => gatewayIdOf(d.cfg.xta.instance, textOf(x) ?? '')));
        items = items.filter((i) => wanted.has(i.messageId.toLowerCase()));
      } else {
        const crit = (selector['OtherCriteria'] ?? {}) as Record<string, unknown>;
        if (crit['Extensions'] !== undefined) throw new XtaFault('UnsupportedExtensionException', 'OtherCriteria/Extensions are not supported');
        const n = Number(textOf(crit['MaxMessages']) ?? MAX_LIST);
        if (!Number.isInteger(n) || n < 1) throw new XtaFault('ParameterNotSupportedException', 'MaxMessages must be a positive integer');
        max = Math.min(n, MAX_LIST);
        const from = textOf(crit['MessageBoxEntryTimeFrom']);
        const to = textOf(crit['MessageBoxEntryTimeTo']);
        const t = (s: string) => Date.parse(s);
        if ((from !== undefined && Number.isNaN(t(from))) || (to !== undefined && Number.isNaN(t(to)))) throw new XtaFault('ParameterNotSupportedException', 'MessageBoxEntryTimeFrom/To must be xs:dateTime values');
        if (from !== undefined) items = items.filter((i) => t(i.enqueuedAt) > t(from));
        if (to !== undefined) items = items.filter((i) => t(i.enqueuedAt) < t(to));
        // NewEntry (absent: true) selects only messages never fetched, i.e. without InitialFetch (XTA-Webservice-Datentypen.xsd,
        // MessageSelectorType); a message fetched but not closed is listed again with NewEntry false (docs/xta.md).
        if (newEntryOnly(crit['NewEntry'])) items = items.filter((i) => i.deliveries === 0);
      }
      const listed = items.slice(0, max);
      return { headers: [boxStatus(items.length - listed.length)], body: ['MessageStatusList', { MessageMetaData: listed.map((i, n) => metaDataOf(d.cfg, acc, i, n)) }] };
    }),
    op('recipient', 'getMessage', async (c) => {
      const acc = account(c);
      const mailbox = needMailbox(acc);
      const xtaId = fetchedId(c.body);
      const gatewayId = gatewayIdOf(d.cfg.xta.instance, xtaId);
      const unknown = new XtaFault('InvalidMessageIDException', 'no message with this XTAMessageID is available in the account\'s message box (unknown, being fetched, or closed)');
      const items = gatewayId === undefined ? [] : await available(acc, mailbox);
      const item = items.find((i) => i.messageId.toLowerCase() === gatewayId);
      if (!item) throw unknown;
      const lease = await d.fetches.xtaFetch(mailbox, item.id, d.cfg.mailbox.leaseMs, await exceptAgs(acc, mailbox));
      if (!lease) throw unknown;
      const endpointId = endpointOfMailbox(d.cfg, mailbox);
      const sealed = await encryption.lease(endpointId, lease);
      const now = new Date().toISOString();
      const message = {
        attributes: { id: 'message', contentType: sealed.contentType, filename: `${lease.item.messageType}.${sealed.contentType.includes('xml') ? 'xml' : 'dat'}`, ...sizeOf(sealed.body) },
        $value: sealed.body.toString('base64'),
      };
      // the message's attachments, each sealed to the same key when there is one (as GET /api/v1/attachments/{sha512} does)
      const refs = (await d.messages.getMessage(lease.item.messageId))?.attachments ?? [];
      const attachments = [];
      for (const [i, ref] of refs.entries()) {
        const a = await encryption.attachment(endpointId, await readAll(d.attachments.open(ref.sha512)));
        attachments.push({ attributes: { id: `attachment-${i + 1}`, contentType: a.contentType === 'application/jose' ? a.contentType : ref.mediaType, filename: ref.name, ...sizeOf(a.body) }, $value: a.body.toString('base64') });
      }
      return {
        headers: [boxStatus(items.length - 1), ['MessageMetaData', metaDataOf(d.cfg, acc, lease.item, 0, now)]],
        body: ['ContentContainer', { Message: message, ...(attachments.length > 0 ? { Attachment: attachments } : {}) }],
      };
    }),
    op('recipient', 'close', async (c) => {
      const acc = account(c);
      const mailbox = needMailbox(acc);
      const gatewayId = gatewayIdOf(d.cfg.xta.instance, fetchedId(c.body));
      const lease = gatewayId === undefined ? null : await d.fetches.xtaFetchLease(mailbox, gatewayId);
      if (!lease) throw new XtaFault('InvalidMessageIDException', 'no running fetch of this XTAMessageID in the account\'s message box: get the message first');
      try {
        const acked = await d.mailboxes.mailboxAck(mailbox, lease.itemId, lease.leaseToken, `xta:${acc.identifier}`);
        if (acked !== null) d.onDelivered?.(acked);
      } catch (err) {
        if (err instanceof GatewayError && err.code === 'GW_LEASE_INVALID') throw new XtaFault('InvalidMessageIDException', 'the fetch of this message has ended (lease expired): get the message again', 'GW_LEASE_INVALID');
        throw err;
      }
      return EMPTY;
    }),
  ];
}
