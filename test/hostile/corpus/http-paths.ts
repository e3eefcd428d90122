import type { ErrorCode } from '../../../gateway/errors.js';
import { expectCodes, type Expectation, type HostileEntry } from './types.js';

const entries: HostileEntry[] = [];
const get = (family: string, path: string, expect: Expectation, method = 'GET') => entries.push({ family, name: `${method} ${path.length > 80 ? `${path.slice(0, 40)}…${path.slice(-24)} (${path.length} chars)` : path}`, send: { kind: 'http', request: { method, path } }, expect });
const codes = (...c: ErrorCode[]) => expectCodes(...c);

/** Message ids that try to escape, overflow or confuse a lookup; none names a message. */
const IDS = [
  'x'.repeat(8 * 1024), '%F0%9F%90%95', '%00', 'a%00b', '..%2f..%2fetc%2fpasswd', '..%252f..%252f', '%2e%2e', '..;', "1'%20OR%20'1'='1", '%27%3B%20DROP%20TABLE%20messages%3B--',
  '%E2%80%AE', '%C3%A4%C3%B6%C3%BC', '%0d%0aSet-Cookie:%20x=1', '$%7Bjndi:ldap:%2F%2Fevil%7D', '%25', '-1', '0', 'NaN', '__proto__', 'constructor',
];
for (const id of IDS) {
  for (const sub of ['', '/payload', '/receipt', '/events']) get('path-params', `/api/v1/messages/${id}${sub}`, codes('GW_NOT_FOUND'));
}
for (const id of ['%2e%2e%2f', '..%2f..%2f', '%00', 'x'.repeat(4096)]) get('path-params', `/api/v1/vorgaenge/${id}`, codes('GW_NOT_FOUND'));
for (const id of ['..%2f..%2fetc%2fpasswd', `${'A'.repeat(128)}`, `${'a'.repeat(127)}%00`, 'a'.repeat(10_000)]) get('path-params', `/api/v1/attachments/${id}`, codes('GW_NOT_FOUND'));
// Percent escapes that do not decode: a client error, never a 500.
for (const bad of ['%zz', '%', '%C0%AE', '%E0%A4%A', '%ED%A0%80']) get('path-params', `/api/v1/messages/${bad}`, codes('GW_BAD_REQUEST', 'GW_NOT_FOUND'));
get('path-params', `/api/v1/messages/${'x'.repeat(20 * 1024)}`, { bare: [431, 414] });
get('path-params', '/api/v1/messages/%00/replay', codes('GW_NOT_FOUND'), 'POST');
get('path-params', '/api/v1/messages/..%2f..%2f/replay', codes('GW_NOT_FOUND'), 'POST');

// Mailbox names and items.
for (const box of ['..%2f..%2fetc', '%00', 'UPPER', '-dash', 'a%20b', 'x'.repeat(300).replace(/^/, '%2e')]) get('path-params', `/api/v1/mailboxes/${box}/messages`, codes('GW_BAD_REQUEST'));
get('path-params', '/api/v1/mailboxes/..%2f/fetch', codes('GW_BAD_REQUEST'), 'POST');
get('path-params', '/api/v1/mailboxes/fv-15003000-hund/fetch?item=1.5', codes('GW_BAD_REQUEST'), 'POST');
get('path-params', '/api/v1/mailboxes/fv-15003000-hund/fetch?item=abc', codes('GW_BAD_REQUEST'), 'POST');

// Query parameters.
for (const q of ['limit=-1', 'limit=0', 'limit=1001', 'limit=1e3', 'limit=0x10', 'limit=99999999999999999999', 'limit=%00', 'state=__proto__', 'state=delivered%00', 'before=0', 'before=-5']) get('query', `/api/v1/messages?${q}`, codes('GW_BAD_REQUEST'));
get('query', '/api/v1/rejections?limit=abc', codes('GW_BAD_REQUEST'));
get('query', '/api/v1/mailboxes/fv-15003000-hund/messages?limit=501', codes('GW_BAD_REQUEST'));

// Routes and methods that do not exist.
for (const p of ['/api/v2/messages', '/api/v1', '/api/v1/', '/api/v1/admin', '/.env', '/api/v1/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/api/v1/messages/x/y/z', '//api/v1/messages', '/api/v1/messages;jsessionid=x', '/server-status', '/api/v1/debug', '/api/v1/config']) {
  get('routes', p, codes('GW_NOT_FOUND'));
}
for (const m of ['DELETE', 'PUT', 'PATCH']) get('routes', '/api/v1/messages', codes('GW_NOT_FOUND'), m);
get('routes', '/api/v1/admin/stats', codes('GW_NOT_FOUND'), 'POST');
get('routes', '/health', codes('GW_NOT_FOUND'), 'DELETE');
get('routes', '/api/v1/messages/nope', { bare: [404] }, 'HEAD');
get('routes', '/api/v1/messages', { bare: [400] }, 'FOO');
get('routes', '/api/v1/messages', { bare: [400] }, 'GET\x01');
get('routes', '127.0.0.1:22', { bare: [400], closed: true }, 'CONNECT');
get('routes', '*', codes('GW_NOT_FOUND'), 'OPTIONS');
get('routes', 'http://evil.example/api/v1/messages/x', codes('GW_NOT_FOUND'));
get('routes', 'no-leading-slash', { bare: [400], codes: ['GW_NOT_FOUND'] });

export const HTTP_PATH_ENTRIES: readonly HostileEntry[] = entries;
