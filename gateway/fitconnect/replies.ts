import { createHash, randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import { mailboxesOf } from '../auth/ownership.js';
import type { ParticipantConfig } from '../config/schema.js';
import { signFitConnectSet } from '../crypto/set.js';
import { GatewayError } from '../errors.js';
import type { AttachmentRef } from '../model/attachment.js';
import { RecipientEncryption, storedPayloadType } from '../outbox/recipient-encryption.js';
import type { FitEventRecord, FitReply, FitSubmission } from '../store/fit-connect.js';
import type { StoredMessage } from '../store/types.js';
import { isSender } from './remit.js';
import type { FitConnectDeps } from './types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Message states after which the mailbox item is closed: the reply was acknowledged one way or the other. */
const DONE = new Set(['delivered', 'acknowledged']);
/** The metadata schema the reply's metadata name (the layout of FIT-Connect's submission metadata). */
const METADATA_SCHEMA = 'https://schema.fitko.de/fit-connect/metadata/1.0.0/metadata.schema.json';
/** The schema URI the reply's data name: the XÖV message type of the message the reply is. */
export const REPLY_SCHEMA_PREFIX = 'urn:zsa-gateway:fit-connect:reply:';

const notFound = (id: string) => new GatewayError('GW_FC_REPLY_NOT_FOUND', `no reply ${id.slice(0, 64)} available`);
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

/** A stable attachment id (UUID layout, version 8 "custom") for an attachment of a reply, from its content address. */
export function replyAttachmentId(a: Pick<AttachmentRef, 'sha512'>): string {
  const h = a.sha512.slice(0, 32).split('');
  h[12] = '8';
  h[16] = ['8', '9', 'a', 'b'][parseInt(h[16]!, 16) % 4]!;
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

/** One entry of a case's reply list. */
export interface ReplySummary {
  replyId: string;
  caseId: string;
  submissionId: string;
  messageType: string;
  createdAt: string;
}

/**
 * The reply channel (Rückkanal) of the FIT-Connect API (ADR 0033). A reply is a message of the
 * case that the router put into the sender's own mailbox (a Bescheid, a Nachforderung, a status
 * notice): the same item, under a stable reply id, encrypted to the reply key the sender named
 * in its metadata (else its registered key). Acknowledging the reply acknowledges the mailbox
 * item, and a mailbox acknowledgement closes the reply: one delivery state, two doors, so
 * nothing is lost and nothing is handed out twice unnoticed.
 */
export class FitReplies {
  private readonly encryption: RecipientEncryption;

  constructor(private readonly d: FitConnectDeps) {
    this.encryption = new RecipientEncryption(d.recipientKeys);
  }

  /** The participant the replies of `sub` go to: the caller (its sender), or with auth off the submission's author. */
  private recipient(p: ParticipantConfig | null, sub: FitSubmission): ParticipantConfig | null {
    if (p !== null) return isSender(p, sub) ? p : null;
    return this.d.cfg.participants.find((x) => x.id === sub.author) ?? null;
  }

  /** The case's submission when the caller is its sender, else GW_FC_CASE_NOT_FOUND (an unknown case answers the same). */
  private async ownCase(p: ParticipantConfig | null, caseId: string): Promise<{ sub: FitSubmission; to: ParticipantConfig }> {
    const sub = (UUID.test(caseId) ? await this.d.store.fitConnect.caseSubmissions(caseId) : [])[0];
    const to = sub === undefined ? null : this.recipient(p, sub);
    if (sub === undefined || to === null) throw new GatewayError('GW_FC_CASE_NOT_FOUND', `no case ${caseId.slice(0, 64)}`);
    return { sub, to };
  }

  /** The reply when it is available to the caller, else GW_FC_REPLY_NOT_FOUND (unknown, foreign and acknowledged alike). */
  async own(p: ParticipantConfig | null, replyId: string): Promise<{ reply: FitReply; sub: FitSubmission; to: ParticipantConfig; message: StoredMessage }> {
    const id = replyId.toLowerCase();
    const reply = UUID.test(id) ? await this.d.store.fitConnect.getReply(id) : null;
    const sub = reply === null ? null : await this.d.store.fitConnect.get(reply.submissionId);
    const to = sub === null ? null : this.recipient(p, sub);
    if (reply === null || sub === null || to === null || reply.status !== 'available') throw notFound(replyId);
    const message = await this.d.store.getMessage(reply.messageId);
    // acknowledged through the mailbox API meanwhile: the reply is closed too (one delivery state)
    if (message === null || DONE.has(message.state)) throw notFound(replyId);
    return { reply, sub, to, message };
  }

  /**
   * `GET /v1/cases/{caseId}/replies`: the replies waiting for the sender on its case. Each
   * message of the case in the sender's mailbox becomes a reply once (stable id, a submit-reply
   * event in the case's log); acknowledged ones and those leased through the mailbox API are not listed.
   */
  async list(p: ParticipantConfig | null, caseId: string): Promise<ReplySummary[]> {
    const { sub, to } = await this.ownCase(p, caseId);
    const out: ReplySummary[] = [];
    for (const item of await this.d.store.fitConnect.caseMailboxItems(caseId, mailboxesOf(this.d.cfg, to))) {
      let reply = await this.d.store.fitConnect.replyOfMessage(item.messageId);
      if (reply === null) {
        // signed only for a message seen the first time; a concurrent first listing keeps the one stored first
        const replyId = randomUUID();
        const event = await this.event('submit-reply', sub, replyId, { messageType: item.messageType });
        reply = await this.d.store.fitConnect.ensureReply({ replyId, caseId, submissionId: sub.submissionId, messageId: item.messageId, mailboxItem: item.id }, event);
      }
      if (reply.status === 'available') out.push({ replyId: reply.replyId, caseId, submissionId: sub.submissionId, messageType: item.messageType, createdAt: reply.createdAt });
    }
    return out;
  }

  /** The key a reply is encrypted to: the sender's reply key from its metadata, else its registered key; GW_KEY_UNSUITABLE without either. */
  private replyKey(sub: FitSubmission, to: ParticipantConfig): JWK {
    if (sub.replyKey !== null) return JSON.parse(sub.replyKey) as JWK;
    return this.encryption.requireKey(to.endpoint, 'no reply key: the submission named no replyChannel.fitConnect.encryptionPublicKey and the sender has no participants[].encryptionKey');
  }

  /** The bytes the mailbox would deliver: the delivery form when the message has one (ADR 0020), else the payload. */
  private async content(m: StoredMessage): Promise<{ body: Buffer; mediaType: string }> {
    if (m.mapping !== null) {
      const form = (await this.d.store.listForms(m.id)).find((f) => f.role === 'delivery');
      const got = form === undefined ? null : await this.d.store.getForm(m.id, form.name);
      if (got !== null) return { body: got.body, mediaType: got.form.mediaType };
    }
    const body = await this.d.store.getPayload(m.id);
    if (body === null) throw notFound(m.id);
    return { body, mediaType: storedPayloadType(body) };
  }

  /**
   * `GET /v1/replies/{replyId}`: the reply's metadata and data, each a compact JWE to the reply
   * key. The metadata list the data's and every attachment's SHA-512 (FIT-Connect's
   * contentStructure), so the sender checks what it decrypts as a subscriber checks a submission.
   */
  async fetch(p: ParticipantConfig | null, replyId: string): Promise<Record<string, unknown>> {
    const { reply, sub, to, message } = await this.own(p, replyId);
    const key = this.replyKey(sub, to);
    const { body, mediaType } = await this.content(message);
    const metadata = {
      $schema: METADATA_SCHEMA,
      contentStructure: {
        data: { hash: { type: 'sha512', content: sha512(body) }, submissionSchema: { schemaUri: `${REPLY_SCHEMA_PREFIX}${message.messageType}`, mimeType: mediaType } },
        attachments: message.attachments.map((a) => ({ attachmentId: replyAttachmentId(a), hash: { type: 'sha512', content: a.sha512 }, purpose: 'attachment', mimeType: a.mediaType, filename: a.name })),
      },
    };
    return {
      replyId: reply.replyId,
      caseId: reply.caseId,
      submissionId: reply.submissionId,
      destinationId: sub.destinationId,
      attachments: message.attachments.map(replyAttachmentId),
      encryptedMetadata: await this.seal(key, Buffer.from(JSON.stringify(metadata), 'utf8'), 'application/json'),
      encryptedData: await this.seal(key, body, mediaType),
    };
  }

  /** `GET /v1/replies/{replyId}/attachments/{attachmentId}`: one attachment as a compact JWE to the reply key. */
  async fetchAttachment(p: ParticipantConfig | null, replyId: string, attachmentId: string): Promise<string> {
    const { sub, to, message } = await this.own(p, replyId);
    const a = message.attachments.find((x) => replyAttachmentId(x) === attachmentId.toLowerCase());
    if (a === undefined) throw notFound(replyId);
    const key = this.replyKey(sub, to);
    const chunks: Buffer[] = [];
    for await (const c of this.d.attachments.open(a.sha512)) chunks.push(Buffer.from(c as Uint8Array));
    return this.seal(key, Buffer.concat(chunks), a.mediaType);
  }

  /**
   * `POST /v1/replies/{replyId}/accept`: the sender took the reply. The mailbox item is
   * acknowledged (its message becomes `delivered`) and the reply `accepted` with an
   * accept-reply event; afterwards the reply is neither listed nor fetched (404), here or in
   * the mailbox. GW_FC_SUBMISSION_STATE (409) while the item is leased through the mailbox API.
   */
  async accept(p: ParticipantConfig | null, replyId: string): Promise<void> {
    const { reply, sub, to } = await this.own(p, replyId);
    let acked = false;
    for (const mailbox of mailboxesOf(this.d.cfg, to)) {
      // the item is in exactly one of the sender's mailboxes; elsewhere the fetch finds nothing
      const lease = await this.d.store.mailboxFetch(mailbox, this.d.cfg.mailbox.leaseMs, reply.mailboxItem);
      if (lease === null || lease.item.messageId !== reply.messageId) continue;
      await this.d.store.mailboxAck(mailbox, reply.mailboxItem, lease.leaseToken, to.kennung);
      acked = true;
      break;
    }
    if (!acked) throw new GatewayError('GW_FC_SUBMISSION_STATE', `reply ${reply.replyId} is being fetched through the mailbox; try again when its lease ends`);
    if (!(await this.d.store.fitConnect.acceptReply(reply.replyId, [await this.event('accept-reply', sub, reply.replyId)]))) throw notFound(replyId);
  }

  private seal(key: JWK, body: Buffer, mediaType: string): Promise<string> {
    return this.encryption.sealTo(key, body, mediaType);
  }

  private async event(name: 'submit-reply' | 'accept-reply', s: Pick<FitSubmission, 'submissionId' | 'caseId'>, replyId: string, details: Record<string, unknown> = {}): Promise<FitEventRecord> {
    const token = await signFitConnectSet({ name, issuer: this.d.signing.issuer(), submissionId: s.submissionId, caseId: s.caseId, replyId, details }, await this.d.signing.key.get());
    return { event: name, token };
  }
}
