import { compactVerify, importJWK, type JWK } from 'jose';
import { canonicalJson } from './canonical-json.js';
import { LEIKA_URN, RS_URN, arsWithin } from './region.js';

/**
 * What a sender checks before it trusts a routing result (`GET …/routing/v1/routes`),
 * after FIT-Connect's "Zustellpunkt ermitteln" (docs/fit-connect.md):
 *
 * 1. `destinationSignature` is a compact JWS (a JWT, `typ: jwt`) signed PS512 by a key of
 *    the routing JWKS the sender configured (FIT-Connect: the Self-Service-Portal's
 *    `/.well-known/jwks.json`; here the gateway's `<basePath>/routing/.well-known/jwks.json`),
 *    its `iss` is the configured issuer, its `destinationId` is the route's, and its
 *    `services[].leistungIDs` name the LeiKa key asked for (and, when the sender passes the
 *    ARS it asked for, `gebietIDs` contain that place).
 * 2. `destinationParametersSignature` is a detached compact JWS (RFC 7515 Appendix F) over
 *    the canonical JSON of `destinationParameters` (members sorted, no whitespace), signed
 *    PS512 by a key of the submission service's JWKS; `submissionUrl`'s host is the signed
 *    `submissionHost`; `encryptionKid` names one of `publicKeys`, an RSA-OAEP-256 key of
 *    at least 4096 bits.
 *
 * Every refusal is a RouteVerificationError naming the rule that failed. This module
 * imports no gateway code: it is what an EfA provider's client runs.
 */

export interface DestinationParameters {
  encryptionKid: string;
  metadataVersions?: string[];
  publicKeys: { keys: JWK[] };
  replyChannels?: Record<string, unknown>;
  status?: string;
  submissionSchemas?: { schemaUri: string; mimeType?: string }[];
  submissionUrl: string;
}

/** The payload of a `destinationSignature` (FIT-Connect's "Adressierungsinformationen"). */
export interface AddressingInformation {
  submissionHost: string;
  iss: string;
  services: { gebietIDs: string[]; leistungIDs: string[] }[];
  destinationId: string;
  iat: number;
  jti: string;
}

export interface RouteTrust {
  /** Keys that sign `destinationSignature` (the routing JWKS). */
  jwks: { keys: readonly JWK[] };
  /** Expected `iss` of `destinationSignature`. */
  issuer: string;
  /** Keys that sign `destinationParametersSignature`; default: `jwks`. */
  parametersJwks?: { keys: readonly JWK[] };
  /** Clock for the `iat` check; allowed skew `clockToleranceSec` (default 60). */
  now?: Date;
  clockToleranceSec?: number;
}

export interface RouteExpectation {
  /** The LeiKa key the sender asked for (14 digits). */
  leikaKey: string;
  /** The ARS the sender asked for, if it asked by ARS: the signed areas must contain it. */
  ars?: string;
}

export interface VerifiedRoute {
  destinationId: string;
  addressing: AddressingInformation;
  parameters?: DestinationParameters;
  /** The key named by `encryptionKid`, when parameters were given. */
  encryptionKey?: JWK;
}

/** A routing result the sender must not trust; `rule` names the check that failed. */
export class RouteVerificationError extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = 'RouteVerificationError';
  }
}

const fail = (rule: string, message: string): never => {
  throw new RouteVerificationError(rule, message);
};

const B64URL = /^[A-Za-z0-9_-]*$/;

function decodeJson(part: string, rule: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return fail(rule, `${what} is not base64url JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(rule, `${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** True for an RSA public key of at least 4096 bits, exponent 65537, usable for `purpose`. */
function suitable(k: JWK, purpose: 'verify' | 'wrapKey'): boolean {
  if (k.kty !== 'RSA' || typeof k.n !== 'string' || !B64URL.test(k.n) || k.e !== 'AQAB') return false;
  if (k.d !== undefined) return false;
  const n = Buffer.from(k.n, 'base64url');
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  const len = n.length - i;
  if (!(len > 512 || (len === 512 && n[i]! >= 0x80))) return false;
  const alg = purpose === 'verify' ? 'PS512' : 'RSA-OAEP-256';
  if (k.alg !== undefined && k.alg !== alg) return false;
  if (k.use !== undefined && k.use !== (purpose === 'verify' ? 'sig' : 'enc')) return false;
  return k.key_ops === undefined || k.key_ops.includes(purpose);
}

/** Verifies a PS512 compact JWS against `jwks`; `detached` is the payload of a detached JWS. Returns header and payload bytes. */
async function verifyJws(token: unknown, jwks: { keys: readonly JWK[] }, rule: string, detached?: string): Promise<{ header: Record<string, unknown>; payload: Uint8Array }> {
  if (typeof token !== 'string' || token.length > 16384) return fail(`${rule}.structure`, 'the signature is not a compact JWS string of at most 16 KiB');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) return fail(`${rule}.structure`, 'a compact JWS has three base64url parts');
  if (detached !== undefined && parts[1] !== '') return fail(`${rule}.structure`, 'a detached JWS has an empty payload part');
  if (detached === undefined && parts[1] === '') return fail(`${rule}.structure`, 'the JWS has no payload');
  const header = decodeJson(parts[0]!, `${rule}.structure`, 'the JWS header');
  if (header.alg !== 'PS512') return fail(`${rule}.alg`, `alg must be PS512 (got ${JSON.stringify(header.alg)})`);
  if (header.crit !== undefined || header.b64 !== undefined) return fail(`${rule}.header`, 'crit and b64 header parameters are not accepted');
  const jwk = typeof header.kid === 'string' ? jwks.keys.find((k) => k.kid === header.kid) : undefined;
  if (!jwk) return fail(`${rule}.kid`, `kid ${JSON.stringify(header.kid)} is not in the trusted key set`);
  if (!suitable(jwk, 'verify')) return fail(`${rule}.kid`, `key ${jwk.kid} is no RSA ≥ 4096 PS512 verification key`);
  const compact = detached === undefined ? token : `${parts[0]}.${Buffer.from(detached, 'utf8').toString('base64url')}.${parts[2]}`;
  try {
    const key = await importJWK({ kty: 'RSA', n: jwk.n!, e: jwk.e! }, 'PS512');
    const { payload } = await compactVerify(compact, key, { algorithms: ['PS512'] });
    return { header, payload };
  } catch {
    return fail(`${rule}.signature`, 'the signature does not verify: the data was changed or signed with another key');
  }
}

function addressingOf(payload: Uint8Array): AddressingInformation {
  let a: unknown;
  try {
    a = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return fail('route.claims', 'the addressing information is not JSON');
  }
  const x = a as Partial<AddressingInformation> | null;
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (
    !x || typeof x !== 'object' || typeof x.submissionHost !== 'string' || typeof x.iss !== 'string' || typeof x.destinationId !== 'string' ||
    typeof x.jti !== 'string' || !Number.isInteger(x.iat) || !Array.isArray(x.services) ||
    !x.services.every((s) => s && typeof s === 'object' && strings(s.gebietIDs) && strings(s.leistungIDs))
  ) {
    return fail('route.claims', 'the addressing information lacks submissionHost, iss, services, destinationId, iat or jti');
  }
  return x as AddressingInformation;
}

/**
 * Verifies one route of a routing result for the request the sender made. Resolves with
 * the verified destination; rejects with RouteVerificationError. Rules: `route.structure`,
 * `route.alg`, `route.header`, `route.kid`, `route.signature`, `route.claims`,
 * `route.issuer`, `route.destination-id`, `route.service`, `route.area`, `route.age`, and the
 * same with `parameters.` for `destinationParametersSignature`, plus
 * `parameters.missing`, `parameters.submission-host`, `parameters.encryption-key`.
 */
export async function verifyRoute(route: unknown, expect: RouteExpectation, trust: RouteTrust): Promise<VerifiedRoute> {
  const r = route as { destinationId?: unknown; destinationSignature?: unknown; destinationParameters?: unknown; destinationParametersSignature?: unknown } | null;
  if (!r || typeof r !== 'object' || typeof r.destinationId !== 'string') return fail('route.structure', 'the route has no destinationId');
  const { header, payload } = await verifyJws(r.destinationSignature, trust.jwks, 'route');
  if (typeof header.typ === 'string' && header.typ.toLowerCase() !== 'jwt') return fail('route.header', `typ must be jwt (got ${header.typ})`);
  const a = addressingOf(payload);
  if (a.iss !== trust.issuer) fail('route.issuer', `issuer ${a.iss} is not the trusted ${trust.issuer}`);
  if (a.destinationId.toLowerCase() !== r.destinationId.toLowerCase()) fail('route.destination-id', `the signature is for destination ${a.destinationId}, not ${r.destinationId}`);
  const now = Math.floor((trust.now ?? new Date()).getTime() / 1000);
  if (a.iat > now + (trust.clockToleranceSec ?? 60)) fail('route.age', 'the addressing information is issued in the future');
  const leistung = `${LEIKA_URN}${expect.leikaKey}`;
  const offering = a.services.filter((s) => s.leistungIDs.includes(leistung));
  if (offering.length === 0) fail('route.service', `the destination is not signed for LeiKa key ${expect.leikaKey}`);
  if (expect.ars !== undefined) {
    const ars = expect.ars;
    if (!offering.some((s) => s.gebietIDs.some((g) => g.startsWith(RS_URN) && arsWithin(ars, g.slice(RS_URN.length))))) fail('route.area', `the destination is not signed for area ${ars}`);
  }
  const verified: VerifiedRoute = { destinationId: a.destinationId.toLowerCase(), addressing: a };
  if (r.destinationParameters === undefined && r.destinationParametersSignature === undefined) return verified;
  if (typeof r.destinationParameters !== 'object' || r.destinationParameters === null) return fail('parameters.missing', 'destinationParametersSignature without destinationParameters');
  if (r.destinationParametersSignature === undefined) return fail('parameters.missing', 'destinationParameters without destinationParametersSignature');
  await verifyJws(r.destinationParametersSignature, trust.parametersJwks ?? trust.jwks, 'parameters', canonicalJson(r.destinationParameters));
  const p = r.destinationParameters as DestinationParameters;
  let host: string;
  try {
    host = new URL(p.submissionUrl).host;
  } catch {
    return fail('parameters.submission-host', 'submissionUrl is not a URL');
  }
  if (host !== a.submissionHost) fail('parameters.submission-host', `submissionUrl host ${host} is not the signed submissionHost ${a.submissionHost}`);
  const key = Array.isArray(p.publicKeys?.keys) ? p.publicKeys.keys.find((k) => k.kid === p.encryptionKid) : undefined;
  if (!key || !suitable(key, 'wrapKey')) fail('parameters.encryption-key', `encryptionKid ${JSON.stringify(p.encryptionKid)} names no RSA-OAEP-256 key of at least 4096 bits in publicKeys`);
  return { ...verified, parameters: p, encryptionKey: key! };
}
