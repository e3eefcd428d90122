import { createHash } from 'node:crypto';
import { compactDecrypt, importJWK, type JWK } from 'jose';

/**
 * The sender's half of the reply channel (Rückkanal, ADR 0033, docs/fit-connect.md "Reply
 * channel"): list the replies on a case, fetch one and decrypt it with the private reply key,
 * check every hash its metadata names, and acknowledge it. Imports no gateway code (jose and
 * fetch only), like the rest of gateway/fitconnect/client/: an EfA provider uses it as it is,
 * and `zsa-gateway efa replies` is built on it.
 */

/** Where and as whom: the Submission API base (`https://<gateway>/fit-connect`) and a sender's access token. */
export interface ReplyClient {
  base: string;
  token: string;
  /** fetch to use (tests, proxies); default the global fetch. */
  fetch?: typeof fetch;
}

export interface ReplyEntry {
  replyId: string;
  caseId: string;
  submissionId: string;
  messageType: string;
  createdAt: string;
}

export interface ReplyAttachment {
  attachmentId: string;
  filename?: string;
  mimeType: string;
  sha512: string;
  bytes: Buffer;
}

/** A reply decrypted and checked: the data (the message as the mailbox would deliver it) and its attachments. */
export interface OpenedReply {
  replyId: string;
  caseId: string;
  submissionId: string;
  destinationId: string;
  /** `urn:zsa-gateway:fit-connect:reply:<XÖV message type>` */
  schemaUri: string;
  mimeType: string;
  data: Buffer;
  attachments: ReplyAttachment[];
}

/** A refusal of the gateway (problem+json) or a reply that does not check out; `type` names which. */
export class ReplyError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ReplyError';
  }
}

interface ReplyMetadata {
  contentStructure: {
    data: { hash: { type: string; content: string }; submissionSchema: { schemaUri: string; mimeType: string } };
    attachments: Array<{ attachmentId: string; hash: { type: string; content: string }; mimeType: string; filename?: string }>;
  };
}

const sha512 = (b: Uint8Array) => createHash('sha512').update(b).digest('hex');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function call(c: ReplyClient, method: string, path: string): Promise<Response> {
  const res = await (c.fetch ?? fetch)(`${c.base.replace(/\/$/, '')}${path}`, { method, headers: { authorization: `Bearer ${c.token}` } });
  if (res.ok) return res;
  const text = await res.text();
  let type = `http-${res.status}`;
  let detail = text.slice(0, 300);
  try {
    const p = JSON.parse(text) as { type?: string; title?: string; detail?: string };
    type = p.type ?? type;
    detail = p.detail ?? p.title ?? detail;
  } catch {
    /* not problem+json: keep the status */
  }
  throw new ReplyError(type, `${method} ${path}: ${res.status} ${detail}`, res.status);
}

const id = (v: string, what: string) => {
  if (!UUID.test(v)) throw new ReplyError('invalid-argument', `${what} must be a UUID`);
  return v;
};

/** `GET /v1/cases/{caseId}/replies`: the replies waiting on the sender's case (acknowledged ones are not listed). */
export async function listReplies(c: ReplyClient, caseId: string): Promise<ReplyEntry[]> {
  const res = await call(c, 'GET', `/v1/cases/${id(caseId, 'caseId')}/replies`);
  return ((await res.json()) as { replies: ReplyEntry[] }).replies;
}

/** Imports the private reply key for RSA-OAEP-256 (the key material only, as FIT-Connect SDKs do). */
async function decryptorOf(privateJwk: JWK) {
  const { kty, n, e, d, p, q, dp, dq, qi } = privateJwk;
  if (kty !== 'RSA' || d === undefined) throw new ReplyError('invalid-argument', 'the reply key must be a private RSA JWK');
  return importJWK({ kty, n, e, d, p, q, dp, dq, qi }, 'RSA-OAEP-256');
}

async function open(jwe: string, key: Awaited<ReturnType<typeof decryptorOf>>, part: string): Promise<Buffer> {
  try {
    const { plaintext, protectedHeader } = await compactDecrypt(jwe, key, { keyManagementAlgorithms: ['RSA-OAEP-256'], contentEncryptionAlgorithms: ['A256GCM'] });
    if (protectedHeader.zip !== undefined) throw new Error('compressed');
    return Buffer.from(plaintext);
  } catch (err) {
    throw new ReplyError('decryption-failed', `${part} does not decrypt with this reply key (${err instanceof Error ? err.message : String(err)})`);
  }
}

/**
 * `GET /v1/replies/{replyId}` and each of its attachments, decrypted with the private reply
 * key and checked: the data's and every attachment's SHA-512 against the reply's metadata,
 * every listed attachment present and none extra. Throws ReplyError `decryption-failed`
 * (another key, altered JWE), `hash-mismatch` or `attachment-mismatch`; does not acknowledge.
 */
export async function fetchReply(c: ReplyClient, replyId: string, privateReplyKey: JWK): Promise<OpenedReply> {
  const key = await decryptorOf(privateReplyKey);
  const got = (await (await call(c, 'GET', `/v1/replies/${id(replyId, 'replyId')}`)).json()) as {
    replyId: string; caseId: string; submissionId: string; destinationId: string; attachments: string[]; encryptedMetadata: string; encryptedData: string;
  };
  const meta = JSON.parse((await open(got.encryptedMetadata, key, 'encryptedMetadata')).toString('utf8')) as ReplyMetadata;
  const data = await open(got.encryptedData, key, 'encryptedData');
  const dm = meta.contentStructure.data;
  if (dm.hash.type !== 'sha512' || sha512(data) !== dm.hash.content) throw new ReplyError('hash-mismatch', 'the SHA-512 of the data differs from the metadata');
  const listed = meta.contentStructure.attachments;
  const announced = [...got.attachments].sort();
  if (JSON.stringify(listed.map((a) => a.attachmentId).sort()) !== JSON.stringify(announced)) throw new ReplyError('attachment-mismatch', 'the attachments listed in the metadata differ from those of the reply');
  const attachments: ReplyAttachment[] = [];
  for (const a of listed) {
    const jwe = await (await call(c, 'GET', `/v1/replies/${got.replyId}/attachments/${id(a.attachmentId, 'attachmentId')}`)).text();
    const bytes = await open(jwe, key, `attachment ${a.attachmentId}`);
    if (a.hash.type !== 'sha512' || sha512(bytes) !== a.hash.content) throw new ReplyError('hash-mismatch', `the SHA-512 of attachment ${a.attachmentId} differs from the metadata`);
    attachments.push({ attachmentId: a.attachmentId, ...(a.filename !== undefined && { filename: a.filename }), mimeType: a.mimeType, sha512: a.hash.content, bytes });
  }
  return { replyId: got.replyId, caseId: got.caseId, submissionId: got.submissionId, destinationId: got.destinationId, schemaUri: dm.submissionSchema.schemaUri, mimeType: dm.submissionSchema.mimeType, data, attachments };
}

/** `POST /v1/replies/{replyId}/accept`: acknowledges the reply (accept-reply); afterwards it is neither listed nor fetched. */
export async function acknowledgeReply(c: ReplyClient, replyId: string): Promise<void> {
  await call(c, 'POST', `/v1/replies/${id(replyId, 'replyId')}/accept`);
}
