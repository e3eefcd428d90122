import type { ErrorCode } from '../../../gateway/errors.js';
import { DEMO_CLIENTS } from '../../auth/oauth-fixture.js';
import { hundAnmeldung } from '../../support/xzsa-fixtures.js';
import { expectCodes, MESSAGES, type Expectation, type HostileEntry } from './types.js';

/**
 * Abuse limits (ADR 0016): file names that display differently from what they are, a
 * `message` part over the size limit, and guessing a client secret at `POST /token`.
 */
const B = 'hostileAbuseBoundary51d0';
const MiB = 1024 * 1024;
const part = (headers: string, body: string | Buffer): Buffer =>
  Buffer.concat([Buffer.from(`--${B}\r\n${headers}\r\n\r\n`, 'utf8'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), Buffer.from('\r\n')]);
const end = () => Buffer.from(`--${B}--\r\n`);
const messageFile = () => part('Content-Disposition: form-data; name="message"; filename="m.xml"\r\nContent-Type: application/xml', hundAnmeldung());

const entries: HostileEntry[] = [];
const multipart = (family: string, name: string, body: () => Buffer, codes: ErrorCode[]) =>
  entries.push({ family, name, send: { kind: 'http', request: () => ({ method: 'POST', path: MESSAGES, headers: [['Content-Type', `multipart/form-data; boundary=${B}`]], body: body() }) }, expect: expectCodes(...codes) });

/** Names that a clerk's screen would show as something else (bidi) or that carry terminal controls (C1). */
const DECEPTIVE: Record<string, string> = {
  'RLO makes exe look like pdf': 'rechnung\u202Efdp.exe',
  'RLE embedding': 'a\u202Bb.pdf',
  'LRO override': 'a\u202Db.pdf',
  'PDF pop formatting': 'a\u202Cb.pdf',
  'LRI isolate': 'a\u2066b.pdf',
  'RLI isolate': 'a\u2067b.pdf',
  'FSI isolate': 'a\u2068b.pdf',
  'PDI pop isolate': 'a\u2069b.pdf',
  'LRM mark': 'a\u200Eb.pdf',
  'RLM mark': 'a\u200Fb.pdf',
  'ALM arabic letter mark': 'a\u061Cb.pdf',
  'C1 NEL': 'a\u0085b.pdf',
  'C1 CSI escape sequence': 'a\u009B2Jb.pdf',
};
for (const [name, file] of Object.entries(DECEPTIVE)) {
  multipart('attachment-name-bidi', `${name} (raw UTF-8 filename)`, () => Buffer.concat([messageFile(), part(`Content-Disposition: form-data; name="attachment"; filename="${file}"\r\nContent-Type: application/pdf`, '%PDF-1.4'), end()]), ['GW_ATTACHMENT_INVALID']);
  multipart('attachment-name-bidi', `${name} (filename*=UTF-8'')`, () => Buffer.concat([messageFile(), part(`Content-Disposition: form-data; name="attachment"; filename*=UTF-8''${encodeURIComponent(file)}\r\nContent-Type: application/pdf`, '%PDF-1.4'), end()]), ['GW_ATTACHMENT_INVALID']);
}
multipart('attachment-name-bidi', 'RLO in an attachmentRef name', () => Buffer.concat([messageFile(), part('Content-Disposition: form-data; name="attachmentRef"', JSON.stringify({ name: 'x\u202Egpj.exe', sha512: 'a'.repeat(128) })), end()]), ['GW_ATTACHMENT_INVALID']);

// The `message` part without a file name is a form field: busboy cuts it at the limit and says so only in a flag.
const field = (body: Buffer) => part('Content-Disposition: form-data; name="message"', body);
multipart('oversized-message-part', 'valid message padded past 20 MiB as a field (the cut head would validate)', () => Buffer.concat([field(Buffer.concat([Buffer.from(hundAnmeldung()), Buffer.alloc(20 * MiB, 0x20)])), end()]), ['GW_PAYLOAD_TOO_LARGE']);
multipart('oversized-message-part', '21 MiB of spaces as a field', () => Buffer.concat([field(Buffer.alloc(21 * MiB, 0x20)), end()]), ['GW_PAYLOAD_TOO_LARGE']);
multipart('oversized-message-part', 'field one byte over the limit', () => Buffer.concat([field(Buffer.alloc(20 * MiB + 1, 0x20)), end()]), ['GW_PAYLOAD_TOO_LARGE']);
multipart('oversized-message-part', 'oversized field then a valid message file part', () => Buffer.concat([field(Buffer.alloc(21 * MiB, 0x20)), messageFile(), end()]), ['GW_PAYLOAD_TOO_LARGE']);

// Guessing a client secret: every wrong secret is 401 until the client id is locked (default 10 failures), then 429.
const token = (id: string, secret: string) => ({
  method: 'POST',
  path: '/token',
  headers: [['Content-Type', 'application/x-www-form-urlencoded']] as const,
  body: Buffer.from(new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: secret }).toString()),
});
const guessing: Expectation = { bare: [401], codes: ['GW_TOO_MANY_REQUESTS'] };
for (let i = 1; i <= 10; i++) entries.push({ family: 'token-brute-force', name: `wrong secret ${i} for a known client`, send: { kind: 'http', request: token('efa-hund-lsa', `guess-${i}`) }, expect: guessing });
entries.push({ family: 'token-brute-force', name: 'the right secret while the client id is locked out', send: { kind: 'http', request: token('efa-hund-lsa', DEMO_CLIENTS['efa-hund-lsa']) }, expect: expectCodes('GW_TOO_MANY_REQUESTS') });
for (let i = 1; i <= 10; i++) entries.push({ family: 'token-brute-force', name: `wrong secret ${i} for an unknown client`, send: { kind: 'http', request: token('no-such-client', `guess-${i}`) }, expect: guessing });
entries.push({ family: 'token-brute-force', name: 'unknown client id locked out like a known one', send: { kind: 'http', request: token('no-such-client', 'guess-11') }, expect: expectCodes('GW_TOO_MANY_REQUESTS') });

export const ABUSE_ENTRIES: readonly HostileEntry[] = entries;
