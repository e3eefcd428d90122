import type { Request, Response } from 'express';
import busboy from 'busboy';
import { basename } from 'node:path';
import { GatewayError } from '../errors.js';
import { principalOf } from '../auth/principal.js';
import type { ParticipantConfig } from '../config/schema.js';
import { LOCAL_UPLOADER, type AttachmentStore } from '../store/attachments.js';
import type { AttachmentRef } from '../model/index.js';
import type { Receipt } from '../store/types.js';
import { passThroughHeader, wantsPassThrough } from './pass-through.js';
import type { IngressPipeline, SubmitMeta } from './pipeline.js';
import { reply, type Schemas } from '../api/contract-types.js';
import type { IngressMediaType } from '../config/schema.js';
import { isCsvType, isJoseType, isJsonType, isXmlType } from './media-type.js';

export interface IngressLimits {
  maxMessageBytes: number;
  maxAttachmentBytes: number;
  maxAttachments: number;
}

/** The bare media type of a Content-Type header for error texts: parameters (which may carry anything) are never echoed. */
function mediaTypeOf(contentType: string | undefined): string {
  const t = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}$/.test(t) ? `"${t}"` : t === '' ? '(none)' : '(not a media type)';
}

/**
 * The ingress media type of a document (request body or multipart `message` part): JSON and
 * CSV by their types; anything XML-typed, untyped (`text/plain`, the multipart default) or
 * `application/octet-stream` is read as XML (or a JWE). Undefined: not accepted.
 */
function ingressTypeOf(contentType: string | undefined, part: boolean): IngressMediaType | undefined {
  if (isJsonType(contentType)) return 'application/json';
  if (isCsvType(contentType)) return 'text/csv';
  if (isXmlType(contentType) || isJoseType(contentType)) return 'application/xml';
  const t = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return part && (t === '' || t === 'text/plain' || t === 'application/octet-stream') ? 'application/xml' : undefined;
}


/** Reads a request body up to `max` bytes; over it → GW_PAYLOAD_TOO_LARGE without reading the rest into memory. */
export async function readBody(req: Request, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) throw tooLarge('message', max);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw tooLarge('message', max);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(what: string, max: number): GatewayError {
  return new GatewayError('GW_PAYLOAD_TOO_LARGE', `${what} is larger than the limit of ${max} bytes`, { extra: { limit: max } });
}

/**
 * Characters a file name must not hold: C0 and C1 controls, DEL, and the Unicode
 * direction marks and overrides (U+061C, U+200E/F, U+202A–202E, U+2066–2069) that make
 * `invoice\u202Efdp.exe` display as `invoiceexe.pdf` to a clerk.
 */
const UNSAFE_NAME_CHARS = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * A safe attachment file name: no path parts, no control or bidi characters, bounded
 * length. Throws GW_ATTACHMENT_INVALID naming the part (`part`, e.g. `attachment[2]`) and
 * the rule; the problem never quotes the name itself (it may carry a citizen's name).
 */
export function safeFileName(raw: string | undefined, part = 'attachment'): string {
  const name = raw ?? '';
  const folded = name.normalize('NFKC'); // fullwidth ．．／ must not become ../ for anyone normalising later
  const refuse = (rule: string, message: string): never => {
    throw new GatewayError('GW_ATTACHMENT_INVALID', `the file name of ${part} is refused: ${message}`, {
      issues: [{ message, path: `${part}.filename`, layer: 'attachment', rule }],
    });
  };
  if (!name) refuse('attachment.filename-empty', 'the file name is empty');
  if (name.length > 255) refuse('attachment.filename-length', 'the file name is longer than 255 characters');
  if (UNSAFE_NAME_CHARS.test(name) || UNSAFE_NAME_CHARS.test(folded)) refuse('attachment.filename-characters', 'the file name holds control characters or Unicode direction overrides');
  if (name !== basename(name) || /[\\/]/.test(folded) || folded === '.' || folded === '..') refuse('attachment.filename-path', 'file names must not contain path separators or be . or ..');
  return name;
}

const SHA512 = /^[0-9a-f]{128}$/;

/**
 * Reads a multipart/form-data submission: one part `message` (the XML), `attachment` file
 * parts (streamed into the attachment store, never held in memory) and `attachmentRef`
 * fields (`{"name","mediaType","sha512"}`) naming attachments uploaded before via
 * POST /api/v1/attachments — together at most `maxAttachments` (else GW_PAYLOAD_TOO_LARGE).
 * The refs come back in the order of their parts.
 */
async function readMultipart(req: Request, limits: IngressLimits, attachments: AttachmentStore, caller: ParticipantConfig | null): Promise<{ xml: Buffer; refs: AttachmentRef[]; mediaType: IngressMediaType }> {
  const uploader = caller?.kennung ?? LOCAL_UPLOADER;
  let bb: busboy.Busboy;
  try {
    bb = busboy({ headers: req.headers, preservePath: true, defParamCharset: 'utf8', limits: { files: limits.maxAttachments + 1, fields: limits.maxAttachments + 10, fieldSize: limits.maxMessageBytes, parts: limits.maxAttachments * 2 + 10 } });
  } catch (cause) {
    throw new GatewayError('GW_BAD_REQUEST', 'multipart body cannot be read (missing boundary?)', { cause });
  }
  const pending: Array<Promise<void>> = [];
  let xml: Buffer | null = null;
  let mediaType: IngressMediaType | undefined = 'application/xml';
  let failure: unknown = null;
  const fail = (e: unknown): void => {
    failure ??= e;
  };
  // One slot per attachment part, filled when its upload or lookup is done: uploads finish
  // out of order, the message lists them in the order they were sent.
  const refs: Array<AttachmentRef | undefined> = [];
  /** Reserves the next slot, or fails the submission when it would exceed maxAttachments. */
  const slot = (): number | null => {
    if (refs.length >= limits.maxAttachments) {
      fail(new GatewayError('GW_PAYLOAD_TOO_LARGE', `more than ${limits.maxAttachments} attachments`, { extra: { limit: limits.maxAttachments } }));
      return null;
    }
    refs.push(undefined);
    return refs.length - 1;
  };

  let messageParts = 0;
  /** Counts a `message` part; a second one fails the submission (which one would be the message?). */
  const firstMessagePart = (): boolean => {
    messageParts += 1;
    if (messageParts === 1) return true;
    fail(new GatewayError('GW_BAD_REQUEST', 'multipart submission has more than one "message" part', { issues: [{ message: 'exactly one message part', path: 'message' }] }));
    return false;
  };

  bb.on('file', (field, stream, info) => {
    if (field === 'message') {
      if (!firstMessagePart()) {
        stream.resume();
        return;
      }
      mediaType = ingressTypeOf(info.mimeType, true);
      pending.push(
        (async () => {
          // Read to the end even past the limit (keeping nothing more): leaving the part
          // unread would stall busboy, and the request would never be answered.
          const chunks: Buffer[] = [];
          let size = 0;
          stream.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= limits.maxMessageBytes) chunks.push(c);
            else chunks.length = 0;
          });
          await new Promise<void>((ok, bad) => {
            stream.once('end', ok);
            stream.once('error', bad);
          });
          if (size > limits.maxMessageBytes) throw tooLarge('message', limits.maxMessageBytes);
          xml = Buffer.concat(chunks, size);
        })().catch(fail),
      );
      return;
    }
    if (field !== 'attachment') {
      stream.resume();
      fail(new GatewayError('GW_BAD_REQUEST', `unexpected multipart file part "${field}"`, { issues: [{ message: 'expected "message" or "attachment"', path: field }] }));
      return;
    }
    const index = slot();
    if (index === null) {
      stream.resume();
      return;
    }
    pending.push(
      (async () => {
        const name = safeFileName(info.filename, `attachment[${index}]`);
        const stored = await attachments.putStream(stream, { maxBytes: limits.maxAttachmentBytes, uploader });
        refs[index] = { name, mediaType: info.mimeType || 'application/octet-stream', sha512: stored.sha512, size: stored.size };
      })().catch((e: unknown) => {
        stream.resume();
        fail(e);
      }),
    );
  });
  bb.on('field', (field, value, info) => {
    if (field === 'attachment') {
      // busboy hands a file part without a file name over as a field
      fail(new GatewayError('GW_ATTACHMENT_INVALID', 'an attachment part has no file name', { issues: [{ message: 'attachment parts need filename="…"', path: 'attachment.filename', layer: 'attachment' }] }));
      return;
    }
    if (field === 'message') {
      if (!firstMessagePart()) return;
      mediaType = ingressTypeOf(info.mimeType, true);
      // busboy cuts a field at limits.fieldSize and only says so in valueTruncated: refuse, never accept the cut.
      if (info.valueTruncated) fail(tooLarge('message', limits.maxMessageBytes));
      else xml = Buffer.from(value, 'utf8');
    } else if (field === 'attachmentRef') {
      const index = slot();
      if (index === null) return;
      pending.push(
        (async () => {
          let ref: { name?: unknown; mediaType?: unknown; sha512?: unknown };
          try {
            ref = JSON.parse(value) as typeof ref;
          } catch (cause) {
            throw new GatewayError('GW_ATTACHMENT_INVALID', 'attachmentRef is not JSON', { cause });
          }
          const sha = typeof ref.sha512 === 'string' ? ref.sha512.toLowerCase() : '';
          const name = safeFileName(typeof ref.name === 'string' ? ref.name : undefined, `attachmentRef[${index}]`);
          const mediaType = typeof ref.mediaType === 'string' ? ref.mediaType : 'application/octet-stream';
          if (!SHA512.test(sha) || !(await attachments.has(sha))) {
            // An authenticated participant learns nothing about other participants' hashes: an
            // unknown hash is refused by the remit check at the very point someone else's is
            // (remit.ts), with the same answer. Refusing it here, before the message was validated
            // and routed, told the two apart whenever the message got another answer first.
            if (caller !== null && SHA512.test(sha)) {
              refs[index] = { name, mediaType, sha512: sha, size: 0, unknown: true };
              return;
            }
            throw new GatewayError('GW_ATTACHMENT_INVALID', `attachmentRef names no stored attachment (${sha.slice(0, 16) || 'no sha512'}…)`, { issues: [{ message: 'unknown sha512', path: 'attachmentRef.sha512' }] });
          }
          refs[index] = { name, mediaType, sha512: sha, size: await attachments.size(sha) };
        })().catch(fail),
      );
    }
  });
  bb.on('filesLimit', () => fail(new GatewayError('GW_PAYLOAD_TOO_LARGE', `more than ${limits.maxAttachments} attachments`)));
  bb.on('partsLimit', () => fail(new GatewayError('GW_PAYLOAD_TOO_LARGE', 'too many multipart parts')));

  await new Promise<void>((resolve) => {
    bb.on('close', resolve);
    bb.on('error', (e: unknown) => {
      fail(new GatewayError('GW_BAD_REQUEST', `multipart body is malformed: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
      resolve();
    });
    req.pipe(bb);
  });
  await Promise.all(pending);
  if (failure) throw failure;
  if (!xml) throw new GatewayError('GW_BAD_REQUEST', 'multipart submission has no "message" part', { issues: [{ message: 'missing part', path: 'message' }] });
  if (mediaType === undefined) throw new GatewayError('GW_UNSUPPORTED_MEDIA_TYPE', 'the "message" part\'s content type is not accepted; send it as application/xml, application/json or text/csv', { issues: [{ message: 'unsupported content type', path: 'message' }] });
  return { xml, refs: refs.filter((r): r is AttachmentRef => r !== undefined), mediaType };
}

/** Who uploads in this request: the authenticated participant's kennung, else the local admin. */
function uploaderOf(res: Response): string {
  return principalOf(res)?.participant?.kennung ?? LOCAL_UPLOADER;
}

export function receiptBody(r: Receipt, duplicate: boolean): Schemas['SubmitReceipt'] {
  return {
    ...r,
    duplicate,
    links: { self: `/api/v1/messages/${r.gatewayId}` },
  };
}

/**
 * POST /api/v1/messages: XML body, a compact JWE (`application/jose`, decrypted by the
 * pipeline; or, with the X-Message-* routing headers, taken as pass-through), JSON form data
 * or a Fachverfahren's dialect (`application/json`, `text/csv`, XML with a dialect root:
 * mapped to XÖV; ADR 0020, ADR 0025), or multipart with attachments and any of these as the
 * `message` part; 202 + receipt once durably stored.
 */
export function messageIngressHandler(
  pipeline: IngressPipeline,
  attachments: AttachmentStore,
  limits: IngressLimits,
  headerCheck?: (req: Request, res: Response) => SubmitMeta['checkHeader'],
) {
  return async (req: Request, res: Response): Promise<void> => {
    const type = req.headers['content-type'];
    let xml: Buffer;
    let refs: AttachmentRef[] = [];
    const meta: SubmitMeta = { remote: req.ip ?? null };
    const check = headerCheck?.(req, res);
    if (check) meta.checkHeader = check;
    if (wantsPassThrough(req.headers)) meta.passThrough = passThroughHeader(req.headers);
    const caller = principalOf(res)?.participant ?? null;
    const submitter = caller === null ? null : { id: caller.id, services: caller.services };
    const direct = ingressTypeOf(type, false);
    if (isJoseType(type) || (direct !== undefined && meta.passThrough !== undefined && isXmlType(type))) {
      xml = await readBody(req, limits.maxMessageBytes);
    } else if (direct !== undefined && meta.passThrough === undefined) {
      // XÖV XML, or a document that an ingress mapping turns into XÖV: EfA form JSON, a
      // Fachverfahren's dialect (JSON, CSV, XML by its root element; ADR 0020, ADR 0025)
      xml = await readBody(req, limits.maxMessageBytes);
      meta.ingress = { mediaType: direct, submitter };
    } else if ((type ?? '').toLowerCase().startsWith('multipart/form-data')) {
      let mediaType: IngressMediaType;
      ({ xml, refs, mediaType } = await readMultipart(req, limits, attachments, caller));
      if (meta.passThrough === undefined) meta.ingress = { mediaType, submitter };
    } else {
      throw new GatewayError('GW_UNSUPPORTED_MEDIA_TYPE', `content type ${mediaTypeOf(type)} is not accepted; send application/xml, application/jose, application/json or text/csv (where an ingress mapping takes them) or multipart/form-data`);
    }
    const result = await pipeline.submit(xml, refs, meta);
    res.location(`/api/v1/messages/${result.receipt.gatewayId}`);
    reply(res, 'submitMessage', result.outcome === 'created' ? 202 : 200, receiptBody(result.receipt, result.outcome === 'duplicate'));
  };
}

/** POST /api/v1/attachments: streams one attachment into the store; answers its sha512 for an attachmentRef. */
export function attachmentUploadHandler(attachments: AttachmentStore, limits: IngressLimits) {
  return async (req: Request, res: Response): Promise<void> => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limits.maxAttachmentBytes) throw tooLarge('attachment', limits.maxAttachmentBytes);
    const stored = await attachments.putStream(req, { maxBytes: limits.maxAttachmentBytes, uploader: uploaderOf(res) });
    reply(res, 'uploadAttachment', 201, { ...stored, links: { self: `/api/v1/attachments/${stored.sha512}` } });
  };
}
