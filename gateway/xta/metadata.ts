import type { GatewayConfig } from '../config/schema.js';
import type { MailboxItem } from '../store/types.js';
import { normalizeKennung } from '../validation/kennung.js';
import type { XtaAccount, XtaAccounts } from './accounts.js';
import { XtaFault } from './faults.js';
import { textOf } from './soap.js';

/** XTAMessageIDs are URNs `urn:de:xta:messageid:<Sender-Kennung>:<UUID>` (XTA-Webservice-Datentypen.xsd, XTAMessageIDType), compared ignoring case. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Service URIs of the gateway's services in Qualifier/Service and lookupService (`urn:zsa-gateway:service:<id>`). */
export const SERVICE_URI_PREFIX = 'urn:zsa-gateway:service:';
/** MessageType/@messageSchema of messages listed from a mailbox: the mailbox index does not keep the XÖV namespace (docs/xta.md). */
export const MESSAGE_SCHEMA = 'urn:zsa-gateway:xoev-message';

export function xtaMessageId(instance: string, uuid: string): string {
  return `urn:de:xta:messageid:${instance}:${uuid}`;
}

/** The gateway id inside an XTAMessageID the gateway created for a mailbox message, or undefined for any other id. */
export function gatewayIdOf(instance: string, xtaId: string): string | undefined {
  const prefix = `urn:de:xta:messageid:${instance}:`.toLowerCase();
  const id = xtaId.trim().toLowerCase();
  if (!id.startsWith(prefix)) return undefined;
  const uuid = id.slice(prefix.length);
  return UUID.test(uuid) ? uuid : undefined;
}

/** The XTAMessageID of a MessageFetch (getMessage, close); Extensions instead → UnsupportedExtensionException. */
export function fetchedId(body: unknown): string {
  const fetch = (body ?? {}) as Record<string, unknown>;
  if (fetch['Extensions'] !== undefined) throw new XtaFault('UnsupportedExtensionException', 'MessageFetch by Extensions is not supported: name the XTAMessageID');
  const id = textOf(fetch['XTAMessageID'])?.trim();
  if (!id) throw new XtaFault('ParameterIsNotValidException', 'MessageFetch carries no XTAMessageID');
  return id;
}

/** The Identifier of a PartyType object (`Party`, `Reader`, `Author`). */
export function partyIdentifier(party: unknown): string | undefined {
  if (party === null || typeof party !== 'object') return undefined;
  return textOf((party as Record<string, unknown>)['Identifier'])?.trim();
}

/**
 * The participant kennung a transport order's reader or author identifier names: an XTA account's
 * participant, else a participant's kennung itself (compared as kennungen are: praefix case-insensitive).
 */
export function kennungOf(cfg: GatewayConfig, accounts: XtaAccounts, identifier: string): string | undefined {
  const account = accounts.find(identifier);
  if (account) return account.participant.kennung;
  const k = normalizeKennung(identifier);
  return cfg.participants.find((p) => p.kennung === k)?.kennung;
}

/** Whether a Service URI names one of the gateway's services. */
export function knownService(cfg: GatewayConfig, uri: string): boolean {
  return uri.startsWith(SERVICE_URI_PREFIX) && cfg.services.some((s) => s.id === uri.slice(SERVICE_URI_PREFIX.length));
}

/** The identifier under which the reader sees the author: the author's XTA account, else its kennung. */
function authorIdentifier(cfg: GatewayConfig, author: string): string {
  const k = normalizeKennung(author);
  return cfg.xta.accounts.find((a) => cfg.participants.find((p) => p.id === a.participant)?.kennung === k)?.identifier ?? author;
}

/**
 * The transport order (MessageMetaData) of a message in the account's message box, as
 * getStatusList lists it and getMessage returns it. `n` makes the xs:ID attributes unique within
 * one answer. `fetchedAt` sets InitialFetch (getMessage).
 */
export function metaDataOf(cfg: GatewayConfig, account: XtaAccount, item: MailboxItem, n: number, fetchedAt?: string): Record<string, unknown> {
  const id = (what: string) => ({ id: `m${n}-${what}` });
  return {
    XTAMessageID: { attributes: id('id'), $value: xtaMessageId(cfg.xta.instance, item.messageId) },
    Reader: { attributes: id('reader'), Identifier: account.identifier },
    Originators: { Author: { attributes: id('author'), Identifier: authorIdentifier(cfg, item.author) } },
    Qualifier: {
      attributes: id('qualifier'),
      BusinessScenario: { Undefined: item.messageType.split('.')[0] || item.messageType },
      MessageType: { attributes: { messageSchema: MESSAGE_SCHEMA }, $value: item.messageType },
    },
    MessageSize: Math.max(1, item.size),
    DeliveryAttributes: {
      Delivery: { attributes: id('delivery'), $value: item.enqueuedAt },
      ...(fetchedAt ? { InitialFetch: { attributes: id('fetch'), $value: fetchedAt } } : {}),
    },
    ServiceQuality: { attributes: id('quality'), Undefined: 'no XTA service profile: the gateway transports by its routes' },
    MessageProperty: [
      { attributes: id('uuid'), Key: 'nachrichtenUUID', Value: item.messageUuid },
      { attributes: id('vorgang'), Key: 'vorgangsID', Value: item.vorgangId },
    ],
  };
}
