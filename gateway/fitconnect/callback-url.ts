import { isIP } from 'node:net';

/**
 * Which callback URLs the gateway will POST to (ADR 0028). Checked when the configuration
 * is loaded and again, on the resolved address, right before each delivery (a host name
 * that resolves to a forbidden address is refused then; see callbacks.ts).
 *
 * - `https:` only. Plain `http:` only to a loopback host, and only in development
 *   (`auth.mode: off`), so a local test receiver works without certificates.
 * - No user info (`https://user:pw@host`), no fragment.
 * - Never the unspecified address (`0.0.0.0`, `::`), never link-local (`169.254.0.0/16`,
 *   `fe80::/10`: cloud metadata services live there), never multicast; loopback only in
 *   development. Private ranges (10/8, 172.16/12, 192.168/16, fc00::/7) are allowed: the
 *   Fachverfahren of a municipality is often reached over its own network.
 */
export interface CallbackUrlPolicy {
  /** Development mode (`auth.mode: off`): http to loopback and loopback addresses allowed. */
  allowLoopback: boolean;
}

/** Why `url` is refused, or undefined when it may be used. */
export function callbackUrlProblem(url: string, policy: CallbackUrlPolicy): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not an absolute URL';
  }
  if (u.username !== '' || u.password !== '') return 'must not carry user info';
  if (u.hash !== '') return 'must not carry a fragment';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const loopbackName = host === 'localhost' || host.endsWith('.localhost');
  if (u.protocol === 'http:') {
    if (!policy.allowLoopback) return 'must use https (http only to a loopback host in development, auth.mode off)';
    if (!loopbackName && !isLoopback(host)) return 'http is allowed only to a loopback host (127.0.0.1, ::1, localhost)';
  } else if (u.protocol !== 'https:') {
    return 'must use https';
  }
  if (loopbackName && !policy.allowLoopback) return 'must not name a loopback host';
  if (isIP(host) !== 0) return addressProblem(host, policy);
  return undefined;
}

/** Why a resolved IP address may not be called back, or undefined when it may. */
export function addressProblem(address: string, policy: CallbackUrlPolicy): string | undefined {
  const a = address.toLowerCase();
  const v4 = isIP(a) === 4 ? a : /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a)?.[1];
  if (v4 !== undefined) {
    const [p, q] = v4.split('.').map(Number) as [number, number];
    if (p === 0) return `address ${v4} is the unspecified network`;
    if (p === 169 && q === 254) return `address ${v4} is link-local`;
    if (p >= 224) return `address ${v4} is multicast or reserved`;
    if (p === 127 && !policy.allowLoopback) return `address ${v4} is loopback`;
    return undefined;
  }
  if (isIP(a) !== 6) return `${address} is not an IP address`;
  if (a === '::') return 'address :: is unspecified';
  if (a === '::1') return policy.allowLoopback ? undefined : 'address ::1 is loopback';
  if (/^fe[89ab]/.test(a)) return `address ${a} is link-local`;
  if (a.startsWith('ff')) return `address ${a} is multicast`;
  return undefined;
}

function isLoopback(address: string): boolean {
  return address === '::1' || /^127\./.test(address) || /^::ffff:127\./.test(address);
}
