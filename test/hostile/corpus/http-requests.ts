import { gzipSync } from 'node:zlib';
import type { ErrorCode } from '../../../gateway/errors.js';
import type { RawRequest } from '../raw-http.js';
import { hundAnmeldung } from '../../support/xzsa-fixtures.js';
import { expectCodes, MESSAGES, type Expectation, type HostileEntry } from './types.js';

const entries: HostileEntry[] = [];
const add = (family: string, name: string, request: RawRequest | (() => RawRequest), expect: Expectation) => entries.push({ family, name, send: { kind: 'http', request }, expect });
const codes = (...c: ErrorCode[]): Expectation => expectCodes(...c);
const MiB = 1024 * 1024;
const xml = (headers: Array<[string, string]>, body: Buffer | string = hundAnmeldung(), extra: Partial<RawRequest> = {}): () => RawRequest => () => ({ method: 'POST', path: MESSAGES, headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body), ...extra });

// Headers: what the server sees when a client sends odd ones (CRLF in a value never leaves a client).
const CT = 'Content-Type';
add('headers', 'no Content-Type', xml([]), codes('GW_UNSUPPORTED_MEDIA_TYPE'));
add('headers', 'empty Content-Type', xml([[CT, '']]), codes('GW_UNSUPPORTED_MEDIA_TYPE'));
for (const t of ['text/plain', 'application/x-www-form-urlencoded', 'text/html', 'application/xmlx', 'xml', 'application/xml+json', 'application/soap+xml2', 'image/svg+xm']) add('headers', `Content-Type ${t}`, xml([[CT, t]]), codes('GW_UNSUPPORTED_MEDIA_TYPE'));
// JSON is the EfA form channel (mappings.ingress): anything but a known form is refused before any mapping runs
const form = (name: string, body: string, expect: Expectation) => add('json-forms', name, xml([[CT, 'application/json']], body), expect);
form('XML sent as JSON', hundAnmeldung(), codes('GW_BAD_REQUEST'));
form('JSON array', '[{"form":{"id":"S99102013104000-FORM"}}]', codes('GW_BAD_REQUEST', 'GW_MAPPING_FAILED'));
form('unknown form id', '{"form":{"id":"S00000000000000-FORM","version":"1"}}', codes('GW_BAD_REQUEST', 'GW_MAPPING_FAILED'));
form('no form id', '{"applicant":{"name":"Synthetic"}}', codes('GW_BAD_REQUEST', 'GW_MAPPING_FAILED'));
form('known form, nothing else', '{"form":{"id":"S99102013104000-FORM","version":"1"}}', codes('GW_MAPPING_FAILED', 'GW_BAD_REQUEST'));
form('5000 nested arrays', `${'['.repeat(5000)}${']'.repeat(5000)}`, codes('GW_BAD_REQUEST', 'GW_MAPPING_FAILED'));
form('__proto__ as form', '{"__proto__":{"id":"S99102013104000-FORM"}}', codes('GW_BAD_REQUEST', 'GW_MAPPING_FAILED'));
// A Fachverfahren's own dialect (mappings.ingress, ADR 0025): CSV by record type, XML by root element. Hostile
// documents are refused by the selector or the mapping, naming rule and path, never a value.
const RUECK = 'SATZART;ANTWORT_ID;VORGANG_ID;BEZUG_ID;EMPFAENGER;AGS;LEIKA;ERSTELLT;STATUS;KASSENZEICHEN;BESCHEIDDATUM;JAHRESSTEUER;GRUND;GRUNDTEXT;SACHBEARBEITUNG;DIENSTSTELLE\n';
const csv = (name: string, body: Buffer | string, expect: Expectation, type = 'text/csv') => add('dialects', name, xml([[CT, type]], body), expect);
const mapped = codes('GW_MAPPING_FAILED', 'GW_DIALECT_NOT_CONFIGURED');
csv('binary noise as CSV', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131) % 256)), mapped);
csv('header only', RUECK, mapped);
csv('unclosed quote', `${RUECK}RM;"never closed;x\n`, mapped);
csv('formula in the record type (CSV injection)', `${RUECK}=HYPERLINK("http://example.invalid");1;2;3;efa:hund-lsa;15083490;99102013104000;10.06.2025 14:32;FEST;K;10.06.2025;;;;A;B\n`, mapped);
csv('20000 columns', `${RUECK}RM${';x'.repeat(20_000)}\n`, mapped);
csv('UTF-16 with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${RUECK}RM;1\n`, 'utf16le')]), mapped);
csv('CSV in latin1', `${RUECK}RM;1\n`, codes('GW_UNSUPPORTED_MEDIA_TYPE'), 'text/csv; charset=iso-8859-1');
const hstx = (name: string, body: string, expect: Expectation) => add('dialects', name, xml([[CT, 'application/xml']], body), expect);
hstx('HSTX root behind an external DTD', '<?xml version="1.0"?><!DOCTYPE HSTX_BESCHEID SYSTEM "http://example.invalid/x.dtd"><HSTX_BESCHEID VERSION="2.3"/>', codes('GW_XML_EXTERNAL_ENTITY'));
hstx('HSTX root, nothing inside', '<HSTX_BESCHEID VERSION="2.3"/>', codes('GW_MAPPING_FAILED'));
hstx('HSTX root with 5000 nested elements', `<HSTX_BESCHEID>${'<KOPF>'.repeat(5000)}${'</KOPF>'.repeat(5000)}</HSTX_BESCHEID>`, codes('GW_MAPPING_FAILED'));
hstx('HSTX root in a namespace no mapping selects', '<h:HSTX_BESCHEID xmlns:h="urn:example:hstx"/>', codes('GW_UNKNOWN_MESSAGE_TYPE'));
form('REST decision, meta through __proto__', '{"__proto__":{"kind":"dog-tax.decision"},"meta":{"kind":"dog-tax.decision"}}', codes('GW_MAPPING_FAILED'));
add('headers', 'duplicate Content-Type, bad one first', xml([[CT, 'text/plain'], [CT, 'application/xml']]), codes('GW_UNSUPPORTED_MEDIA_TYPE'));
add('headers', 'Content-Type with 8 KiB of parameters', xml([[CT, `text/plain; ${'a=b; '.repeat(1600)}`]]), codes('GW_UNSUPPORTED_MEDIA_TYPE'));
add('headers', 'XML content type, gzip Content-Encoding (never inflated)', xml([[CT, 'application/xml'], ['Content-Encoding', 'gzip']], gzipSync(Buffer.alloc(10 * MiB, 0x20))), codes('GW_XML_MALFORMED'));
add('headers', 'one header of 20 KiB', xml([[CT, 'application/xml'], ['X-Pad', 'p'.repeat(20 * 1024)]]), { bare: [431] });
add('headers', '300 headers of 100 bytes', xml([[CT, 'application/xml'], ...Array.from({ length: 300 }, (_, i): [string, string] => [`X-H${i}`, 'v'.repeat(100)])]), { bare: [431] });
add('headers', 'control character in a header value', xml([[CT, 'application/xml'], ['X-Actor', 'evil\x01actor']]), { bare: [400] });
add('headers', 'bare LF inside a header value (smuggled header)', xml([[CT, 'application/xml'], ['X-Actor', 'a\nTransfer-Encoding: chunked']]), { bare: [400] });
add('headers', 'space before the colon', xml([[CT, 'application/xml'], ['X-Actor ', 'x']]), { bare: [400] });
add('headers', 'Transfer-Encoding and Content-Length together', xml([[CT, 'application/xml'], ['Transfer-Encoding', 'chunked']]), { bare: [400] });
add('headers', 'Transfer-Encoding gzip, chunked', xml([[CT, 'application/xml'], ['Transfer-Encoding', 'gzip, chunked']], '0\r\n\r\n', { contentLength: null }), { bare: [400], codes: ['GW_XML_MALFORMED'] });
add('headers', 'malformed chunk size', xml([[CT, 'application/xml'], ['Transfer-Encoding', 'chunked']], 'zz\r\n<x/>\r\n0\r\n\r\n', { contentLength: null }), { bare: [400], closed: true });
add('headers', 'two different Content-Length values', xml([[CT, 'application/xml'], ['Content-Length', '5']]), { bare: [400] });

// Bodies over the limit, or whose declared length lies.
add('oversized', '21 MiB of spaces as XML', xml([[CT, 'application/xml']], Buffer.alloc(21 * MiB, 0x20)), codes('GW_PAYLOAD_TOO_LARGE'));
add('oversized', '25 MiB valid-looking XML (padded message)', () => ({ method: 'POST', path: MESSAGES, headers: [[CT, 'application/xml']], body: Buffer.from(hundAnmeldung().replace('Bello', 'x'.repeat(25 * MiB))) }), codes('GW_PAYLOAD_TOO_LARGE'));
add('oversized', '21 MiB chunked without Content-Length', () => {
  const chunk = Buffer.alloc(MiB, 0x20);
  const framed = Buffer.concat([...Array.from({ length: 21 }, () => Buffer.concat([Buffer.from(`${MiB.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])), Buffer.from('0\r\n\r\n')]);
  return { method: 'POST', path: MESSAGES, headers: [[CT, 'application/xml'], ['Transfer-Encoding', 'chunked']], body: framed, contentLength: null };
}, codes('GW_PAYLOAD_TOO_LARGE'));
for (const declared of [25 * MiB, 2 ** 40, Number.MAX_SAFE_INTEGER]) add('oversized', `declared Content-Length ${declared}, tiny body`, xml([[CT, 'application/xml']], '<x/>', { contentLength: declared }), codes('GW_PAYLOAD_TOO_LARGE'));
add('oversized', 'declared Content-Length 1e30 (not an integer Node accepts)', xml([[CT, 'application/xml']], '<x/>', { contentLength: null, headers: [[CT, 'application/xml'], ['Content-Length', '1000000000000000000000000000000']] }), { bare: [400], codes: ['GW_PAYLOAD_TOO_LARGE'] });
add('oversized', 'negative Content-Length', xml([[CT, 'application/xml'], ['Content-Length', '-1']], '<x/>', { contentLength: null }), { bare: [400] });
add('oversized', 'non-numeric Content-Length', xml([[CT, 'application/xml'], ['Content-Length', 'abc']], '<x/>', { contentLength: null }), { bare: [400] });
add('oversized', 'Content-Length 1 KiB longer than the body (client stops)', xml([[CT, 'application/xml']], hundAnmeldung(), { contentLength: Buffer.byteLength(hundAnmeldung()) + 1024, halfClose: true }), { bare: [400], codes: ['GW_BAD_REQUEST', 'GW_XML_MALFORMED'], closed: true });
add('oversized', 'Content-Length shorter than the body', xml([[CT, 'application/xml']], hundAnmeldung(), { contentLength: 100 }), { bare: [400], codes: ['GW_XML_MALFORMED'] });
add('oversized', 'attachment upload declaring 200 MiB', () => ({ method: 'POST', path: '/api/v1/attachments', headers: [[CT, 'application/pdf']], body: Buffer.from('%PDF'), contentLength: 200 * MiB }), codes('GW_PAYLOAD_TOO_LARGE'));
add('oversized', 'route explain with 21 MiB', xml([[CT, 'application/xml']], Buffer.alloc(21 * MiB, 0x20), { path: '/api/v1/routes/explain' }), codes('GW_PAYLOAD_TOO_LARGE'));

// JSON bodies on the admin API (PUT a delegation; the route exists for 15003000/hund).
const DELEGATION = '/api/v1/admin/municipalities/15003000/delegations/hund';
const json = (name: string, body: Buffer | string, expect: Expectation, type = 'application/json', extra: Array<[string, string]> = []) =>
  add('admin-json', name, { method: 'PUT', path: DELEGATION, headers: [[CT, type], ...extra], body: Buffer.isBuffer(body) ? body : Buffer.from(body) }, expect);
for (const [name, body] of Object.entries({ 'unclosed object': '{', 'missing value': '{"mode":}', 'trailing comma': '{"mode":"e2e",}', 'single quotes': "{'mode':'e2e'}", 'NaN': '{"mode":NaN}', 'trailing garbage': '{"mode":"e2e"} x', 'bare string': '"e2e"', 'bare number': '42', 'null': 'null', 'comment': '/* */{"mode":"e2e"}' })) json(`malformed: ${name}`, body, codes('GW_BAD_REQUEST'));
json('array instead of object', '["e2e"]', codes('GW_BAD_REQUEST'));
json('5000 nested arrays', `${'['.repeat(5000)}${']'.repeat(5000)}`, codes('GW_BAD_REQUEST'));
json('1500 nested objects', `${'{"a":'.repeat(1500)}1${'}'.repeat(1500)}`, codes('GW_BAD_REQUEST'));
add('admin-json', 'valid body for an unknown municipality', { method: 'PUT', path: '/api/v1/admin/municipalities/99999999/delegations/hund', headers: [[CT, 'application/json']], body: Buffer.from('{"mode":"e2e"}') }, codes('GW_NOT_FOUND'));
add('admin-json', 'valid body for an unknown service', { method: 'PUT', path: '/api/v1/admin/municipalities/15003000/delegations/katze', headers: [[CT, 'application/json']], body: Buffer.from('{"mode":"e2e"}') }, codes('GW_NOT_FOUND'));
add('admin-json', 'valid body, AGS with traversal', { method: 'PUT', path: '/api/v1/admin/municipalities/..%2f..%2f/delegations/hund', headers: [[CT, 'application/json']], body: Buffer.from('{"mode":"e2e"}') }, codes('GW_NOT_FOUND'));
json('mode a number', '{"mode":1}', codes('GW_BAD_REQUEST'));
json('mode an operator object', '{"mode":{"$ne":""}}', codes('GW_BAD_REQUEST'));
json('mode a traversal string', '{"mode":"../../etc/passwd"}', codes('GW_BAD_REQUEST'));
json('mode through __proto__', '{"__proto__":{"mode":"e2e"}}', codes('GW_BAD_REQUEST'));
json('mode with a newline (log injection)', '{"mode":"e2e\\nlevel=admin"}', codes('GW_BAD_REQUEST'));
json('17 KiB body (over 16 KiB)', JSON.stringify({ mode: 'e2e', reason: 'r'.repeat(17 * 1024) }), codes('GW_PAYLOAD_TOO_LARGE'));
json('10 MiB body', Buffer.alloc(10 * MiB, 0x20), codes('GW_PAYLOAD_TOO_LARGE'));
json('gzip bomb (10 MiB inflated)', gzipSync(Buffer.from(`{"mode":"e2e","reason":"${'z'.repeat(10 * MiB)}"}`)), codes('GW_PAYLOAD_TOO_LARGE'), 'application/json', [['Content-Encoding', 'gzip']]);
json('Content-Encoding gzip on plain bytes', '{"mode":"e2e"}', codes('GW_BAD_REQUEST'), 'application/json', [['Content-Encoding', 'gzip']]);
json('unknown Content-Encoding', '{"mode":"e2e"}', codes('GW_BAD_REQUEST'), 'application/json', [['Content-Encoding', 'compress']]);
json('charset utf-32', '{"mode":"e2e"}', codes('GW_BAD_REQUEST'), 'application/json; charset=utf-32');
json('not declared as JSON', '{"mode":"e2e"}', codes('GW_BAD_REQUEST'), 'text/plain');
json('invalid UTF-8 in the mode', Buffer.concat([Buffer.from('{"mode":"e2'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), codes('GW_BAD_REQUEST'));
add('admin-json', 'mailbox ack with malformed JSON', { method: 'POST', path: '/api/v1/mailboxes/fv-15003000-hund/messages/1/ack', headers: [[CT, 'application/json']], body: Buffer.from('{"leaseToken":') }, codes('GW_BAD_REQUEST'));
add('admin-json', 'mailbox ack with a token of the wrong type', { method: 'POST', path: '/api/v1/mailboxes/fv-15003000-hund/messages/1/ack', headers: [[CT, 'application/json']], body: Buffer.from('{"leaseToken":["a"]}') }, codes('GW_BAD_REQUEST'));

// Parameters and JSON bodies the API contract refuses (ADR 0026): 400 naming where, never crashing, never echoing.
const GET = (path: string): RawRequest => ({ method: 'GET', path, headers: [], body: Buffer.alloc(0) });
const param = (name: string, path: string) => add('contract-params', name, GET(path), codes('GW_BAD_REQUEST'));
param('limit far beyond any integer', `/api/v1/messages?limit=${'9'.repeat(400)}`);
param('limit as an array of 1000', `/api/v1/messages?${Array.from({ length: 1000 }, () => 'limit=1').join('&')}`);
param('state of 8 KiB', `/api/v1/messages?state=${'x'.repeat(8 * 1024)}`);
param('state with a NUL byte', '/api/v1/messages?state=queued%00');
param('before as a negative zero', '/api/v1/messages?before=-0');
param('rejections limit NaN', '/api/v1/rejections?limit=NaN');
param('mailbox limit Infinity', '/api/v1/mailboxes/zsa-hund/messages?limit=Infinity');
const glass = (name: string, body: string) => add('contract-params', name, { method: 'POST', path: '/api/v1/admin/break-glass', headers: [[CT, 'application/json']], body: Buffer.from(body) }, codes('GW_BAD_REQUEST'));
glass('break-glass with __proto__ members', '{"__proto__":{"minutes":5,"reason":"0123456789abc"},"messageId":"m"}');
glass('break-glass with constructor.prototype', '{"constructor":{"prototype":{"minutes":5}},"reason":"0123456789abc","messageId":"m"}');
glass('break-glass minutes as a string', '{"reason":"0123456789abc","messageId":"m","minutes":"5"}');
glass('break-glass minutes 1e400', '{"reason":"0123456789abc","messageId":"m","minutes":1e400}');
glass('break-glass as an array', '[{"reason":"0123456789abc","messageId":"m","minutes":5}]');

export const HTTP_REQUEST_ENTRIES: readonly HostileEntry[] = entries;
