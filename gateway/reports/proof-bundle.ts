import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import { signReceipt, signStateChange } from '../api/receipts.js';
import { canonicalJson } from '../audit/chain.js';
import type { AuditEntry, AuditLog } from '../audit/types.js';
import { publicJwks, signSet, vorgangRef } from '../crypto/set.js';
import type { MessageForm } from '../model/index.js';
import type { ProofSnapshot, StoredMessage, Transition } from '../store/types.js';

/**
 * The proof-of-delivery bundle (ADR 0031, docs/reports.md "Proof bundle"): for one message
 * or one Vorgang, the messages' metadata and history, each message's signed receipt and one
 * signed state-change event per transition, the audit entries that concern them, the signed
 * audit head, the gateway's public keys, and a signed manifest over the digest of all of it.
 * Ids, types, times, states, hashes and the gateway's own reasons only: never a payload.
 */
export const PROOF_FORMAT = 'zsa-gateway/proof/v1';

/** A transition as the store records it, without the message id (the message holds it). */
export type ProofTransition = Omit<Transition, 'messageId'>;

/** The facts of a message a proof carries: keys, types, times, state, hash; never payload or header content. */
export type ProofMessageFacts = Pick<StoredMessage, 'id' | 'messageUuid' | 'messageType' | 'vorgangId' | 'author' | 'reader' | 'ags' | 'leika' | 'endpointId' | 'state' | 'size' | 'sha512' | 'receivedAt'>;

/** A stored form's facts (ADR 0020): which form, its size and hash; never its bytes. */
export type ProofForm = Pick<MessageForm, 'name' | 'role' | 'mediaType' | 'size' | 'sha512'>;

export interface ProofMessage extends ProofMessageFacts {
  transitions: ProofTransition[];
  /** The forms stored with the message (the submitted original, the delivered form), read with the state and history. */
  forms: ProofForm[];
  /** The signed receipt (SET, event `receipt`). */
  receipt: string;
  /** One signed SET (event `state-change`) per transition, same order. */
  events: string[];
}

export interface ProofVorgangEvent {
  kind: string;
  deadline: string;
  afterMessageId: string;
  noticeMessageId: string | null;
  at: string;
}

export interface ProofBundle {
  format: typeof PROOF_FORMAT;
  /** `message:<id>` or `vorgang:<id>`. */
  subject: string;
  /** The gateway's id URL, `iss` of every token. */
  issuer: string;
  createdAt: string;
  messages: ProofMessage[];
  /** Case events the gateway raised (deadlines, ADR 0023); empty for a message's proof. */
  vorgangEvents: ProofVorgangEvent[];
  audit: {
    /** Entries whose target is the subject or one of its messages, oldest first, as hashed. */
    entries: AuditEntry[];
    /** The audit log's head when the bundle was made. */
    head: { seq: number; hash: string };
    /** The head as a signed `audit-checkpoint` SET (an anchor for `zsa-gateway audit verify --anchor`). */
    headToken: string;
  };
  /** The public key set that verifies every token (the gateway's JWKS). */
  keys: { keys: JWK[] };
  /** Signed `proof-bundle` SET: sha-256 over the canonical JSON of every other member. */
  manifest: string;
}

/** The bundle without its manifest: what the manifest's digest covers. */
export type ProofBody = Omit<ProofBundle, 'manifest'>;

/** sha-256 (hex) of the canonical JSON (sorted keys, no whitespace) of the body. */
export function bundleDigest(body: ProofBody): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

const MAX_AUDIT_ENTRIES = 5000;

/** Every audit entry whose target is one of `targets`, oldest first (paged; at most 5000). */
async function auditEntriesOf(audit: AuditLog | undefined, targets: readonly string[]): Promise<AuditEntry[]> {
  if (!audit) return [];
  const out: AuditEntry[] = [];
  for (const target of targets) {
    let afterSeq = 0;
    for (;;) {
      const page = await audit.list({ target, afterSeq, limit: 1000, order: 'asc' });
      out.push(...page);
      if (page.length < 1000 || out.length >= MAX_AUDIT_ENTRIES) break;
      afterSeq = page[page.length - 1]!.seq;
    }
  }
  return out.sort((a, b) => a.seq - b.seq).slice(0, MAX_AUDIT_ENTRIES);
}

export interface ProofSource {
  audit?: AuditLog;
  issuer: string;
  /** The gateway's private signing JWK. */
  signingKey: JWK;
}

/**
 * Builds and signs the bundle from `snapshot` — the store's `proofSnapshot` of the subject, one
 * read transaction (ADR 0049), its messages already narrowed to the caller's remit. Called by
 * the proof routes; signs the receipt, one event per transition, the audit head and the
 * manifest with the gateway's signing key. Message, history, forms and case events are taken
 * from the snapshot only, never read again, so each message's state is its history's last `to`.
 */
export async function buildProofBundle(src: ProofSource, subject: { kind: 'message' | 'vorgang'; id: string }, snapshot: ProofSnapshot, now = new Date()): Promise<ProofBundle> {
  const key = src.signingKey;
  const messages = snapshot.messages.map((e) => e.message);
  const proofMessages: ProofMessage[] = [];
  for (const { message: m, history, forms } of snapshot.messages) {
    proofMessages.push({
      id: m.id,
      messageUuid: m.messageUuid,
      messageType: m.messageType,
      vorgangId: m.vorgangId,
      author: m.author,
      reader: m.reader,
      ags: m.ags,
      leika: m.leika,
      endpointId: m.endpointId,
      state: m.state,
      size: m.size,
      sha512: m.sha512,
      receivedAt: m.receivedAt,
      transitions: history.map((t) => ({ seq: t.seq, from: t.from, to: t.to, at: t.at, reason: t.reason, attempt: t.attempt })),
      forms: forms.map((f) => ({ name: f.name, role: f.role, mediaType: f.mediaType, size: f.size, sha512: f.sha512 })),
      receipt: await signReceipt(m, src.issuer, key),
      events: await Promise.all(history.map((t) => signStateChange(m, t, src.issuer, key))),
    });
  }
  const vorgangId = subject.kind === 'vorgang' ? subject.id : messages[0]!.vorgangId;
  const subjectRef = `${subject.kind}:${subject.id}`;
  const vorgangEvents = subject.kind === 'vorgang' ? snapshot.vorgangEvents.map((e) => ({ kind: e.kind, deadline: e.deadline, afterMessageId: e.afterMessageId, noticeMessageId: e.noticeMessageId, at: e.at })) : [];
  const targets = [...(subject.kind === 'vorgang' ? [`vorgang:${subject.id}`] : []), ...messages.map((m) => `message:${m.id}`)];
  const entries = await auditEntriesOf(src.audit, targets);
  const head = src.audit ? await src.audit.head() : { seq: 0, hash: '0'.repeat(64) };
  const headToken = await signSet({ kind: 'auditCheckpoint', issuer: src.issuer, subject: subjectRef, txn: vorgangRef(vorgangId), details: { seq: head.seq, hash: head.hash } }, key, { now });
  const body: ProofBody = {
    format: PROOF_FORMAT,
    subject: subjectRef,
    issuer: src.issuer,
    createdAt: now.toISOString(),
    messages: proofMessages,
    vorgangEvents,
    audit: { entries, head, headToken },
    keys: publicJwks([key]) as { keys: JWK[] },
  };
  const manifest = await signSet(
    {
      kind: 'proofBundle',
      issuer: src.issuer,
      subject: subjectRef,
      txn: vorgangRef(vorgangId),
      details: { format: PROOF_FORMAT, subject: subjectRef, digestAlg: 'sha-256', digest: bundleDigest(body), messages: proofMessages.length, auditEntries: entries.length },
    },
    key,
    { now },
  );
  return { ...body, manifest };
}
