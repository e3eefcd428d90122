import { isIP } from 'node:net';

/**
 * Which URLs the gateway itself calls out to: FIT-Connect callbacks (ADR 0028) and the alert
 * webhook (ADR 0029). Checked when the configuration is loaded and, for callbacks, again on
 * the resolved address right before each connection (a host name that resolves to a
 * forbidden address is refused then).
 *
 * - `https:` only. Plain `http:` only to a loopback host, and only in development
 *   (`auth.mode: off`), so a local test receiver works without certificates.
 * - No user info (`https://user:pw@host`; credentials go elsewhere), no fragment.
 * - Never the unspecified address (`0.0.0.0`, `::`), never link-local (`169.254.0.0/16`,
 *   `fe80::/10`: cloud metadata services live there), never multicast, also not spelled as
 *   an IPv4-mapped IPv6 address (`[::ffff:169.254.169.254]`, which the URL parser turns into
 *   `[::ffff:a9fe:a9fe]`); loopback only in development. Private ranges (10/8, 172.16/12,
 *   192.168/16, fc00::/7) are allowed: a municipality's systems are often reached over its
 *   own network.
 */
export interface OutboundUrlPolicy {
  /** Development mode (`auth.mode: off`): http to loopback, and loopback addresses, allowed. */
  development: boolean;
}

/** Why `url` is refused, or undefined when it may be called. */
export function outboundUrlProblem(url: string, policy: OutboundUrlPolicy): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not an absolute URL';
  }
  if (u.username !== '' || u.password !== '') return 'must not carry user info';
  if (u.hash !== '') return 'must not carry a fragment';
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const loopbackName = host === 'localhost' || host.endsWith('.localhost');
  if (u.protocol === 'http:') {
    if (!policy.development) return 'must use https (http only to a loopback host in development, auth.mode off)';
    if (!loopbackName && !isLoopback(host)) return 'http is allowed only to a loopback host (127.0.0.1, ::1, localhost)';
  } else if (u.protocol !== 'https:') {
    return 'must use https';
  }
  if (loopbackName && !policy.development) return 'must not name a loopback host';
  return isIP(host) === 0 ? undefined : addressProblem(host, policy);
}

/** Why a (resolved) IP address may not be called, or undefined when it may. */
export function addressProblem(address: string, policy: OutboundUrlPolicy): string | undefined {
  const a = address.toLowerCase();
  const v4 = isIP(a) === 4 ? a : mappedV4(a);
  if (v4 !== undefined) {
    const [p, q] = v4.split('.').map(Number) as [number, number];
    if (p === 0) return `address ${v4} is the unspecified network`;
    if (p === 169 && q === 254) return `address ${v4} is link-local`;
    if (p >= 224) return `address ${v4} is multicast or reserved`;
    if (p === 127 && !policy.development) return `address ${v4} is loopback`;
    return undefined;
  }
  if (isIP(a) !== 6) return `${address} is not an IP address`;
  if (a === '::') return 'address :: is unspecified';
  if (a === '::1') return policy.development ? undefined : 'address ::1 is loopback';
  if (/^fe[89ab]/.test(a)) return `address ${a} is link-local`;
  if (a.startsWith('ff')) return `address ${a} is multicast`;
  return undefined;
}

/** An IPv4-mapped IPv6 address as dotted IPv4 (`::ffff:a9fe:a9fe`, the WHATWG URL parser's and dns.lookup's spelling, or `::ffff:169.254.169.254`). */
function mappedV4(a: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a)?.[1];
  if (dotted !== undefined) return dotted;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (!hex) return undefined;
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function isLoopback(address: string): boolean {
  return address === '::1' || /^127\./.test(address) || /^127\./.test(mappedV4(address) ?? '');
}
