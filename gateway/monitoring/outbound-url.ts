import { isIP } from 'node:net';

/**
 * Which URL the gateway may POST alert events to (checked when the configuration is
 * loaded). The same rule as for the FIT-Connect callback URLs of branch wip/fitroute
 * (gateway/fitconnect/callback-url.ts, ADR 0028); written separately here — when both are
 * merged, one of them should go (noted for the lead in ADR 0029).
 *
 * - `https:`; plain `http:` only in development (`auth.mode: off`) and only to a loopback
 *   host, so a local receiver works without certificates.
 * - No user info (credentials go in `bearerTokenEnv`), no fragment.
 * - Never the unspecified, link-local (cloud metadata services) or multicast addresses;
 *   loopback only in development.
 */
export function outboundUrlProblem(url: string, opts: { development: boolean }): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not an absolute URL';
  }
  if (u.username !== '' || u.password !== '') return 'must not carry user info (use bearerTokenEnv)';
  if (u.hash !== '') return 'must not carry a fragment';
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const loopback = host === 'localhost' || host.endsWith('.localhost') || isLoopbackAddress(host);
  if (u.protocol === 'http:') {
    if (!opts.development) return 'must use https (http only to a loopback host with auth.mode off)';
    if (!loopback) return 'http is allowed only to a loopback host (127.0.0.1, ::1, localhost)';
    return undefined;
  }
  if (u.protocol !== 'https:') return 'must use https';
  if (loopback && !opts.development) return 'must not name a loopback host';
  return isIP(host) === 0 ? undefined : forbiddenAddress(host);
}

/** An IPv4-mapped IPv6 address as dotted IPv4 (`::ffff:a9fe:a9fe` — the WHATWG URL parser's spelling — or `::ffff:169.254.169.254`). */
function mappedV4(a: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a)?.[1];
  if (dotted !== undefined) return dotted;
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (!hex) return undefined;
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function isLoopbackAddress(a: string): boolean {
  return a === '::1' || /^127\./.test(a) || /^127\./.test(mappedV4(a) ?? '');
}

/** Unspecified, link-local and multicast/reserved addresses are never called. */
function forbiddenAddress(a: string): string | undefined {
  const v4 = isIP(a) === 4 ? a : mappedV4(a);
  if (v4 !== undefined) {
    const [first, second] = v4.split('.').map(Number) as [number, number];
    if (first === 0) return `address ${v4} is the unspecified network`;
    if (first === 169 && second === 254) return `address ${v4} is link-local`;
    if (first >= 224) return `address ${v4} is multicast or reserved`;
    return undefined;
  }
  if (a === '::') return 'address :: is unspecified';
  if (/^fe[89ab]/.test(a)) return `address ${a} is link-local`;
  if (a.startsWith('ff')) return `address ${a} is multicast`;
  return undefined;
}
