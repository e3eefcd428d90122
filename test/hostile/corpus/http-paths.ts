import type { ErrorCode } from '../../../gateway/errors.js';
import { expectCodes, type Expectation, type HostileEntry } from './types.js';

const entries: HostileEntry[] = [];
const get = (family: string, path: string, expect: Expectation, method = 'GET', headers?: ReadonlyArray<readonly [string, string]>) =>
  entries.push({
    family,
    name: `${method} ${path.length > 80 ? `${path.slice(0, 40)}…${path.slice(-24)} (${path.length} chars)` : path}${headers ? ` [${headers.map(([k, v]) => `${k}: ${v}`).join('; ')}]` : ''}`,
    send: { kind: 'http', request: { method, path, ...(headers ? { headers } : {}) } },
    expect,
  });
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
// Percent escapes that do not decode, in every parameter position: a client error naming the parameter, never a 500.
const UNDECODABLE = ['%zz', '%', '%C0%AE', '%E0%A4%A', '%ED%A0%80', 'ok%2', '%FF', '%c3%28'];
for (const bad of UNDECODABLE) {
  get('path-params', `/api/v1/messages/${bad}`, codes('GW_BAD_REQUEST'));
  get('path-params', `/api/v1/messages/${bad}/payload`, codes('GW_BAD_REQUEST'));
}
for (const p of ['/api/v1/vorgaenge/%zz', '/api/v1/attachments/%E0%A4%A', '/api/v1/mailboxes/%/messages', '/api/v1/admin/municipalities/%zz/delegations/hund']) get('path-params', p, codes('GW_BAD_REQUEST'), p.includes('delegations') ? 'PUT' : 'GET');
get('path-params', '/api/v1/mailboxes/fv-15003000-hund/messages/%C0%AE/ack', codes('GW_BAD_REQUEST'), 'POST');
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
for (const m of ['DELETE', 'PUT', 'PATCH', 'OPTIONS', 'TRACE']) get('routes', '/api/v1/messages', codes('GW_METHOD_NOT_ALLOWED'), m);
get('routes', '/api/v1/admin/stats', codes('GW_METHOD_NOT_ALLOWED'), 'POST');
get('routes', '/health', codes('GW_NOT_FOUND'), 'DELETE');
get('routes', '/api/v1/messages/nope', { bare: [404] }, 'HEAD');
get('routes', '/api/v1/messages', { bare: [400] }, 'FOO');
get('routes', '/api/v1/messages', { bare: [400] }, 'GET\x01');
get('routes', '127.0.0.1:22', { bare: [400], closed: true }, 'CONNECT');
get('routes', '*', codes('GW_NOT_FOUND'), 'OPTIONS');
get('routes', 'http://evil.example/api/v1/messages/x', codes('GW_NOT_FOUND'));
get('routes', 'no-leading-slash', { bare: [400], codes: ['GW_NOT_FOUND'] });

/*
 * Spellings of served routes (ADR 0014). The hostile gateway runs with `auth.mode: off`,
 * i.e. as the local admin whom every policy allows: a spelling that reached a handler would
 * be answered 2xx (or the handler's own error), so each of these proves that routing alone
 * refuses it. Case, slashes, dot segments, `;` parameters, percent-encoded letters and
 * slashes, Unicode letters that fold to ASCII ones (ſ → s, K → k, Turkish İ/ı → i).
 */
const SERVED = ['/api/v1/admin/stats', '/api/v1/admin/participants', '/api/v1/admin/break-glass', '/api/v1/messages', '/api/v1/rejections', '/api/v1/mailboxes/zsa-hund/messages'];
/** Segments of SERVED that are parameter values, not route literals (their case is the handler's business). */
const PARAM_VALUES = new Set(['zsa-hund']);
const upperFirst = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
for (const p of SERVED) {
  const segs = p.split('/');
  const seen = new Set([p]);
  // one entry per distinct spelling (a one-segment path has fewer distinct variants)
  const variant = (family: string, path: string) => {
    if (!seen.has(path)) get(family, path, codes('GW_NOT_FOUND'));
    seen.add(path);
  };
  variant('path-case', p.toUpperCase());
  variant('path-case', p.replace('/api/v1', '/API/v1'));
  for (let i = 3; i < segs.length; i++) if (!PARAM_VALUES.has(segs[i]!)) variant('path-case', segs.map((w, j) => (j === i ? upperFirst(w) : w)).join('/'));
  get('path-case', p.toUpperCase(), { bare: [404] }, 'HEAD');
  get('path-case', p.replace('/api/v1/', '/api/V1/'), { bare: [404] }, 'HEAD');
  variant('path-slashes', `${p}/`);
  variant('path-slashes', `${p}//`);
  variant('path-slashes', p.replace('/api/v1/', '/api/v1//'));
  variant('path-slashes', p.replace(/\/([^/]+)$/, '//$1'));
  variant('path-slashes', p.replace('/api/v1/', '/api/v1/./'));
  variant('path-slashes', p.replace('/api/v1/', '/api/v1/x/../'));
  variant('path-slashes', p.replace('/api/v1/', '/api/v1/%2e/'));
  variant('path-matrix', `${p};x=1`);
  variant('path-matrix', p.replace('/api/v1/', '/api/v1;v=2/'));
  variant('path-matrix', p.replace(/\/([^/]+)$/, '/;/$1'));
  const last = segs[segs.length - 1]!;
  variant('path-encoding', `${segs.slice(0, -1).join('/')}/%${last.charCodeAt(0).toString(16)}${last.slice(1)}`);
  variant('path-encoding', `${segs.slice(0, -1).join('/')}/%${last.charCodeAt(0).toString(16).toUpperCase()}${last.slice(1)}`);
  variant('path-encoding', `${segs.slice(0, 3).join('/')}/${segs.slice(3).join('%2F')}`);
  variant('path-encoding', `${segs.slice(0, 3).join('/')}/${segs.slice(3).join('%2f')}`);
  variant('path-encoding', p.replace('/api/v1/', '/api%2Fv1/'));
  variant('path-encoding', p.replace('/api/v1/', '/%61pi/v1/'));
  variant('path-encoding', `${p}%00`);
  variant('path-encoding', `${p}%20`);
  // Unicode look-alikes and case-folding partners, percent-encoded as UTF-8.
  for (const [ascii, other] of [['s', '%C5%BF'], ['k', '%E2%84%AA'], ['i', '%C4%B1'], ['i', '%C4%B0'], ['a', '%D0%B0']] as const) {
    const i = p.indexOf(ascii, '/api/v1/'.length);
    if (i > 0) variant('path-unicode', `${p.slice(0, i)}${other}${p.slice(i + 1)}`);
  }
}
// The admin path as the local admin: admin routes refuse every other method, and method overrides change nothing.
for (const h of ['X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override']) {
  get('path-methods', '/api/v1/admin/stats', codes('GW_METHOD_NOT_ALLOWED'), 'POST', [[h, 'GET']]);
  get('path-methods', '/api/v1/messages?_method=PUT', codes('GW_METHOD_NOT_ALLOWED'), 'DELETE', [[h, 'GET']]);
}
get('path-methods', '/api/v1/admin/break-glass?_method=GET', codes('GW_METHOD_NOT_ALLOWED'), 'PUT');
get('path-methods', '/api/v1/admin/participants', codes('GW_METHOD_NOT_ALLOWED'), 'OPTIONS');
get('path-methods', '/api/v1/replay', { bare: [405] }, 'HEAD');
get('path-methods', '/api/v1/admin/stats', { bare: [400] }, 'get');
// Headers that rewrite the path in some frameworks are ignored: the request line decides.
for (const h of ['X-Original-URL', 'X-Rewrite-URL', 'X-Forwarded-Prefix']) get('path-methods', '/api/v1/nothing', codes('GW_NOT_FOUND'), 'GET', [[h, '/api/v1/admin/stats']]);
get('path-methods', '/api/v1/admin/stats', codes('GW_METHOD_NOT_ALLOWED'), 'PROPFIND');

export const HTTP_PATH_ENTRIES: readonly HostileEntry[] = entries;
