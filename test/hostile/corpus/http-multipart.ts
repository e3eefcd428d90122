import type { ErrorCode } from '../../../gateway/errors.js';
import { hundAnmeldung } from '../../support/xzsa-fixtures.js';
import { expectCodes, MESSAGES, type HostileEntry } from './types.js';

const B = 'hostileBoundary9f3a';

/** One raw multipart part; headers are written verbatim (form-data libraries would clean file names). */
const part = (headers: string, body: string | Buffer, boundary = B): Buffer => Buffer.concat([Buffer.from(`--${boundary}\r\n${headers}\r\n\r\n`, 'utf8'), Buffer.isBuffer(body) ? body : Buffer.from(body), Buffer.from('\r\n')]);
const messagePart = (boundary = B) => part('Content-Disposition: form-data; name="message"; filename="m.xml"\r\nContent-Type: application/xml', hundAnmeldung(), boundary);
const attachment = (filenameParam: string) => part(`Content-Disposition: form-data; name="attachment"; ${filenameParam}\r\nContent-Type: application/pdf`, '%PDF-1.4 hostile test');
const end = (boundary = B) => Buffer.from(`--${boundary}--\r\n`);

const entries: HostileEntry[] = [];
function add(family: string, name: string, body: () => Buffer, codes: ErrorCode[], contentType = `multipart/form-data; boundary=${B}`, knownGap?: string): void {
  entries.push({ family, name, send: { kind: 'http', request: () => ({ method: 'POST', path: MESSAGES, headers: [['Content-Type', contentType]], body: body() }) }, expect: expectCodes(...codes), ...(knownGap ? { knownGap } : {}) });
}

/** Attachment file names that try to leave the attachment store or confuse a later consumer. */
const TRAVERSAL: Record<string, string> = {
  'dot-dot-slash': '../../etc/passwd',
  'deep dot-dot': `${'../'.repeat(40)}etc/shadow`,
  'absolute path': '/etc/passwd',
  'backslash traversal': '..\\..\\windows\\win.ini',
  'windows drive path': 'C:\\Windows\\System32\\drivers\\etc\\hosts',
  'UNC path': '\\\\evil\\share\\x.pdf',
  'sub folder': 'sub/x.pdf',
  'dot-dot only': '..',
  'single dot': '.',
  'trailing slash': 'x.pdf/',
  'mixed separators': '..\\/..\\/x.pdf',
  'one-dot leaders with slash': '\u2024\u2024/\u2024\u2024/etc/passwd',
  'fullwidth dots with slash': '\uff0e\uff0e/etc/passwd',
  'two-dot leader with backslash': '\u2025\\x.pdf',
  'tab in name': 'a\tb.pdf',

  '300 characters': `${'n'.repeat(296)}.pdf`,
};
for (const [name, file] of Object.entries(TRAVERSAL)) {
  add('attachment-name', `${name} (filename="…")`, () => Buffer.concat([messagePart(), attachment(`filename="${file.replace(/"/g, '\\"')}"`), end()]), ['GW_ATTACHMENT_INVALID']);
}
// RFC 5987 encoding: busboy decodes it, the decoded name is what is checked.
for (const [name, file] of Object.entries({ 'encoded dot-dot-slash': '..%2F..%2Fetc%2Fpasswd', 'encoded NUL': 'x%00.pdf', 'encoded backslash': '..%5Cwin.ini', 'encoded absolute': '%2Fetc%2Fpasswd' })) {
  add('attachment-name', `${name} (filename*=UTF-8'')`, () => Buffer.concat([messagePart(), attachment(`filename*=UTF-8''${file}`), end()]), ['GW_ATTACHMENT_INVALID']);
}
// Control characters in a part header: busboy refuses the header itself.
for (const [name, c] of Object.entries({ escape: '\x1b', DEL: '\x7f', 'raw CR': '\r', 'vertical tab': '\x0b' })) {
  add('attachment-name', `${name} in filename`, () => Buffer.concat([messagePart(), attachment(`filename="a${c}b.pdf"`), end()]), ['GW_ATTACHMENT_INVALID', 'GW_BAD_REQUEST']);
}
add('attachment-name', 'empty filename', () => Buffer.concat([messagePart(), attachment('filename=""'), end()]), ['GW_ATTACHMENT_INVALID']);
add('attachment-name', 'raw NUL byte in filename', () => Buffer.concat([messagePart(), attachment('filename="x\0../y.pdf"'), end()]), ['GW_ATTACHMENT_INVALID', 'GW_BAD_REQUEST']);
add('attachment-name', 'attachmentRef naming ../ with unknown sha512', () => Buffer.concat([messagePart(), part('Content-Disposition: form-data; name="attachmentRef"', JSON.stringify({ name: '../x', sha512: 'a'.repeat(128) })), end()]), ['GW_ATTACHMENT_INVALID']);
add('attachment-name', 'attachmentRef not JSON', () => Buffer.concat([messagePart(), part('Content-Disposition: form-data; name="attachmentRef"', '{name:'), end()]), ['GW_ATTACHMENT_INVALID']);
add('attachment-name', 'attachmentRef with a path-traversal sha512', () => Buffer.concat([messagePart(), part('Content-Disposition: form-data; name="attachmentRef"', JSON.stringify({ name: 'x.pdf', sha512: '../../../../etc/passwd' })), end()]), ['GW_ATTACHMENT_INVALID']);

// Multipart bodies that do not parse.
const good = () => Buffer.concat([messagePart(), end()]);
add('multipart-garbled', 'no boundary parameter', good, ['GW_BAD_REQUEST'], 'multipart/form-data');
add('multipart-garbled', 'empty boundary', good, ['GW_BAD_REQUEST'], 'multipart/form-data; boundary=');
add('multipart-garbled', 'boundary that does not occur in the body', good, ['GW_BAD_REQUEST'], 'multipart/form-data; boundary=somethingElse');
add('multipart-garbled', 'no closing boundary', () => messagePart(), ['GW_BAD_REQUEST']);
add('multipart-garbled', 'body cut inside the message part', () => messagePart().subarray(0, 400), ['GW_BAD_REQUEST']);
add('multipart-garbled', 'only a preamble', () => Buffer.from('this is no multipart body at all'), ['GW_BAD_REQUEST']);
add('multipart-garbled', 'part without Content-Disposition', () => Buffer.concat([part('Content-Type: application/xml', hundAnmeldung()), end()]), ['GW_BAD_REQUEST']);
add('multipart-garbled', 'unexpected file part name', () => Buffer.concat([messagePart(), part('Content-Disposition: form-data; name="evil"; filename="x.sh"', '#!/bin/sh'), end()]), ['GW_BAD_REQUEST']);
add('multipart-garbled', 'two message file parts', () => Buffer.concat([messagePart(), messagePart(), end()]), ['GW_BAD_REQUEST']);
add('multipart-garbled', 'a message field after a message file part', () => Buffer.concat([messagePart(), part('Content-Disposition: form-data; name="message"', hundAnmeldung()), end()]), ['GW_BAD_REQUEST']);
add('multipart-garbled', 'no message part', () => Buffer.concat([attachment('filename="x.pdf"'), end()]), ['GW_BAD_REQUEST']);
add('multipart-garbled', 'empty body', () => Buffer.alloc(0), ['GW_BAD_REQUEST']);
add('multipart-garbled', 'part header line of 200 KiB', () => Buffer.concat([part(`Content-Disposition: form-data; name="message"; filename="m.xml"\r\nX-Pad: ${'p'.repeat(200 * 1024)}`, hundAnmeldung()), end()]), ['GW_BAD_REQUEST']);
add('multipart-garbled', 'message part that is not XML', () => Buffer.concat([part('Content-Disposition: form-data; name="message"', 'not xml'), end()]), ['GW_XML_MALFORMED']);
add('multipart-garbled', '60 attachments (over maxAttachments)', () => Buffer.concat([messagePart(), ...Array.from({ length: 60 }, (_, i) => attachment(`filename="a${i}.pdf"`)), end()]), ['GW_PAYLOAD_TOO_LARGE']);
add('multipart-garbled', '60 attachmentRef fields', () => Buffer.concat([messagePart(), ...Array.from({ length: 60 }, () => part('Content-Disposition: form-data; name="attachmentRef"', '{}')), end()]), ['GW_PAYLOAD_TOO_LARGE', 'GW_ATTACHMENT_INVALID']);
add('multipart-garbled', '21 MiB message part', () => Buffer.concat([part('Content-Disposition: form-data; name="message"; filename="m.xml"', Buffer.alloc(21 * 1024 * 1024, 0x20)), end()]), ['GW_PAYLOAD_TOO_LARGE']);
add('multipart-garbled', 'multipart/mixed instead of form-data', good, ['GW_UNSUPPORTED_MEDIA_TYPE'], `multipart/mixed; boundary=${B}`);

export const MULTIPART_ENTRIES: readonly HostileEntry[] = entries;
