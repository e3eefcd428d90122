import { randomUUID } from 'node:crypto';
import { compactVerify, importJWK, SignJWT, type JWK } from 'jose';
import { GatewayError, type Issue } from '../errors.js';
import type { MessageState } from '../model/index.js';
import { assertRsaKey, checkRsaKey, rsaKeyMaterial, SET_ALG, show } from './jwk.js';

export { publicJwks } from './jwk.js';

/**
 * Security Event Tokens (RFC 8417) for receipts and state changes, signed PS512 as
 * FIT-Connect signs its events (ADR 0009). Header `{ alg: PS512, typ: secevent+jwt, kid }`;
 * claims `jti` (UUID), `iss` (the gateway's id URL), `iat`, `toe` (time of the event),
 * `sub` (`message:<gateway id>` or `vorgang:<id>`), `txn` (`vorgang:<id>`, correlating all
 * events of one case) and `events` with exactly one event.
 *
 * The event type URIs are stable identifiers in the gateway's URN namespace (like the
 * problem types), not fetched addresses; docs/adr/0009 describes each event's details.
 */
export const SET_EVENT_TYPES = {
  /** The gateway durably stored a message (the signed Quittung). */
  receipt: 'urn:zsa-gateway:event:receipt',
  /** A message changed state (delivered, dead, replayed, acknowledged, …). */
  stateChange: 'urn:zsa-gateway:event:state-change',
  /** The gateway refused input; it never became a message. */
  rejection: 'urn:zsa-gateway:event:rejection',
  /** The head of the audit log at a point in time (an external anchor, ADR 0010). */
  auditCheckpoint: 'urn:zsa-gateway:event:audit-checkpoint',
  /** A proof-of-delivery bundle: the digest of everything else in it (ADR 0031). */
  proofBundle: 'urn:zsa-gateway:event:proof-bundle',
} as const;

export const SET_TYP = 'secevent+jwt';

export interface SetEventDetails {
  receipt: { state: MessageState; messageUuid: string; author: string; sha512: string; receivedAt: string };
  stateChange: { from: MessageState | null; to: MessageState; messageUuid: string; reason: string; attempt?: number };
  rejection: { code: string; reason: string; messageUuid: string | null; author: string | null; sha512: string };
  auditCheckpoint: { seq: number; hash: string };
  proofBundle: { format: string; subject: string; digestAlg: 'sha-256'; digest: string; messages: number; auditEntries: number };
}

export type SetEventKind = keyof SetEventDetails;

export type GatewayEvent = {
  [K in SetEventKind]: {
    kind: K;
    /** The gateway's id URL (`iss`), e.g. `https://gateway.zsa.example/`. */
    issuer: string;
    /** `message:<gateway id>` or `vorgang:<id>`. */
    subject: string;
    /** `vorgang:<id>`. */
    txn: string;
    details: SetEventDetails[K];
    /** When the event happened (`toe`); defaults to the signing time. */
    occurredAt?: Date;
  };
}[SetEventKind];

export interface SetClaims {
  jti: string;
  iss: string;
  iat: number;
  toe?: number;
  sub: string;
  txn: string;
  events: Record<string, Record<string, unknown>>;
  [claim: string]: unknown;
}

export interface VerifyOptions {
  /** Required `iss`. */
  issuer?: string;
  /** Refuse tokens issued longer ago than this (a policy; SETs themselves do not expire). */
  maxAgeSec?: number;
  /** Allowed clock skew for `iat` in the future; default 60 s. */
  clockToleranceSec?: number;
  now?: Date;
}

const REF = /^[a-z][a-z-]*:[^\s]{1,200}$/;

export const messageSubject = (gatewayId: string) => `message:${gatewayId}`;
export const vorgangRef = (vorgangId: string) => `vorgang:${vorgangId}`;

const signingKeys = new WeakMap<object, Promise<CryptoKey>>();
const verifyKeys = new WeakMap<object, Promise<CryptoKey>>();

/**
 * Signs one event as a SET with the gateway's private signing JWK (RSA ≥ 4096, PS512).
 * Called when a receipt or state change is to be handed out; the token is self-contained
 * and can be stored or fetched later. Throws GW_KEY_UNSUITABLE for an unsuitable key and
 * GW_BAD_REQUEST for a malformed issuer, subject or txn.
 */
export async function signSet(event: GatewayEvent, signingJwk: JWK, opts: { now?: Date } = {}): Promise<string> {
  const now = opts.now ?? new Date();
  return signClaims(
    { toe: seconds(event.occurredAt ?? now), txn: event.txn, events: { [SET_EVENT_TYPES[event.kind]]: { ...event.details } } },
    { issuer: event.issuer, subject: event.subject, txn: event.txn },
    signingJwk,
    now,
  );
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/** Checks key, refs and issuer, then signs `claims` with a fresh jti, iss, iat and sub (the one signing path of every SET). */
async function signClaims(claims: Record<string, unknown>, who: { issuer: string; subject: string; txn: string }, signingJwk: JWK, now: Date): Promise<string> {
  assertRsaKey(signingJwk, 'signing', 'private', 'The SET signing key');
  checkRef(who.subject, 'subject');
  checkRef(who.txn, 'txn');
  if (!/^https?:\/\/\S+$/.test(who.issuer) || !URL.canParse(who.issuer)) {
    throw new GatewayError('GW_BAD_REQUEST', `The SET issuer must be the gateway's http(s) id URL (got ${show(who.issuer)}).`);
  }
  let key = signingKeys.get(signingJwk);
  if (key === undefined) {
    key = importJWK(rsaKeyMaterial(signingJwk, 'private'), SET_ALG) as Promise<CryptoKey>;
    signingKeys.set(signingJwk, key);
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: SET_ALG, typ: SET_TYP, kid: signingJwk.kid! })
    .setJti(randomUUID())
    .setIssuer(who.issuer)
    .setIssuedAt(seconds(now))
    .setSubject(who.subject)
    .sign(await key);
}

/**
 * FIT-Connect's event types (docs.fitko.de/fit-connect, "Event Log"; the same URIs in
 * optiGov/php-fitconnect src/Enums/FitConnectEventState.php): the events of a submission's
 * life, each a SET with `sub` = `submission:<id>`, `txn` = `case:<id>` and a `$schema` claim.
 */
export const FIT_CONNECT_EVENT_NAMES = ['create-submission', 'submit-submission', 'notify-submission', 'forward-submission', 'accept-submission', 'reject-submission', 'delete-submission'] as const;
/**
 * The reply channel's events (ADR 0033): a reply was made available on the case, the sender
 * acknowledged it. Named after FIT-Connect's scheme; FITKO's own reply event URIs could not be
 * confirmed (docs/fit-connect.md, "Reply channel"). `sub` is `reply:<replyId>`.
 */
export const FIT_CONNECT_REPLY_EVENT_NAMES = ['submit-reply', 'accept-reply'] as const;
export type FitConnectEventName = (typeof FIT_CONNECT_EVENT_NAMES)[number] | (typeof FIT_CONNECT_REPLY_EVENT_NAMES)[number];
export const fitConnectEventUri = (name: FitConnectEventName) => `https://schema.fitko.de/fit-connect/events/${name}`;
/** The SET payload schema FIT-Connect's events name in `$schema`. */
export const FIT_CONNECT_SET_SCHEMA = 'https://schema.fitko.de/fit-connect/set-payload/1.0.0/set-payload.schema.json';

export interface FitConnectEvent {
  name: FitConnectEventName;
  /** The gateway's id URL (`iss`). */
  issuer: string;
  submissionId: string;
  caseId: string;
  /** For a reply event: the reply, then `sub` is `reply:<replyId>`. */
  replyId?: string;
  /** The event's object, e.g. `{ problems: [...] }` for reject-submission; `{}` when it has none. */
  details?: Record<string, unknown>;
}

/**
 * Signs one FIT-Connect event as a SET (PS512, `typ` secevent+jwt) with the gateway's
 * signing key, verifiable with `verifySet` against the gateway's JWKS. Called once when the
 * event happens; the token is stored in the case's event log.
 */
export function signFitConnectSet(e: FitConnectEvent, signingJwk: JWK, opts: { now?: Date } = {}): Promise<string> {
  const txn = `case:${e.caseId}`;
  return signClaims(
    { $schema: FIT_CONNECT_SET_SCHEMA, txn, events: { [fitConnectEventUri(e.name)]: { ...(e.details ?? {}) } } },
    { issuer: e.issuer, subject: e.replyId === undefined ? `submission:${e.submissionId}` : `reply:${e.replyId}`, txn },
    signingJwk,
    opts.now ?? new Date(),
  );
}

function checkRef(value: string, what: string): void {
  if (typeof value !== 'string' || !REF.test(value)) {
    throw new GatewayError('GW_BAD_REQUEST', `The SET ${what} must look like "<kind>:<id>" (message:, vorgang:, submission:, case:; got ${show(value)}).`);
  }
}

function setError(message: string, rule: string, cause?: unknown): GatewayError {
  const issue: Issue = { message, rule };
  return new GatewayError('GW_SET_INVALID', message, { issues: [issue], cause });
}

/**
 * Verifies a SET against a JWK Set of public PS512 keys (the gateway's own JWKS, or a
 * participant's) and returns its claims. Refuses, as GW_SET_INVALID with a rule: any `alg`
 * but PS512 including `none` (`set.alg`), `crit` (`set.header`), a `typ` other than
 * `secevent+jwt` (`set.typ`), a `kid` not in the set (`set.kid`), a bad signature or any
 * change to header or payload (`set.signature`), missing/malformed claims or not exactly
 * one event (`set.claims`), another issuer (`set.issuer`), `iat` in the future or older than
 * `maxAgeSec`, or a passed `exp` (`set.age`).
 */
export async function verifySet(token: string, jwks: { keys: readonly JWK[] }, opts: VerifyOptions = {}): Promise<SetClaims> {
  if (typeof token !== 'string' || token.length > 65536) throw setError('The SET must be a compact JWS string of at most 64 KiB.', 'set.structure');
  const parts = token.trim().split('.');
  if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9_-]*$/.test(p))) throw setError('A SET is a compact JWS: three base64url parts.', 'set.structure');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw setError('The SET header is not JSON.', 'set.structure', cause);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw setError('The SET header is not a JSON object.', 'set.structure');
  if (header.alg !== SET_ALG) throw setError(`alg ${show(header.alg)} is not allowed; SETs are signed ${SET_ALG}.`, 'set.alg');
  if (header.crit !== undefined) throw setError('Critical header extensions (crit) are not supported.', 'set.header');
  if (header.typ !== SET_TYP) throw setError(`typ must be "${SET_TYP}" (got ${show(header.typ)}).`, 'set.typ');
  const keys = Array.isArray(jwks?.keys) ? jwks.keys : [];
  const jwk = typeof header.kid === 'string' ? keys.find((k) => k?.kid === header.kid) : undefined;
  if (jwk === undefined) throw setError(`kid ${show(header.kid)} is not in the verification key set.`, 'set.kid');
  const keyIssues = checkRsaKey(jwk, 'signing', 'public');
  if (keyIssues.length > 0) throw setError(`The verification key ${show(jwk.kid)} is unsuitable: ${keyIssues[0]!.message}`, 'set.kid');
  let key = verifyKeys.get(jwk);
  if (key === undefined) {
    key = importJWK(rsaKeyMaterial(jwk, 'public'), SET_ALG) as Promise<CryptoKey>;
    verifyKeys.set(jwk, key);
  }
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(token.trim(), await key, { algorithms: [SET_ALG] }));
  } catch (cause) {
    throw setError('The signature does not verify: the token was altered or signed with another key.', 'set.signature', cause);
  }
  return checkClaims(payload, opts);
}

function checkClaims(payload: Uint8Array, opts: VerifyOptions): SetClaims {
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
  } catch (cause) {
    throw setError('The SET payload is not JSON.', 'set.claims', cause);
  }
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw setError('The SET payload is not a JSON object.', 'set.claims');
  for (const name of ['jti', 'iss', 'sub', 'txn'] as const) {
    if (typeof c[name] !== 'string' || (c[name] as string).length === 0) throw setError(`Claim ${name} is missing or not a string.`, 'set.claims');
  }
  if (!Number.isInteger(c.iat)) throw setError('Claim iat is missing or not a NumericDate.', 'set.claims');
  const events = c.events;
  const eventValues = typeof events === 'object' && events !== null && !Array.isArray(events) ? Object.values(events) : [];
  if (eventValues.length !== 1 || typeof eventValues[0] !== 'object' || eventValues[0] === null || Array.isArray(eventValues[0])) {
    throw setError('Claim events must hold exactly one event whose value is a JSON object.', 'set.claims');
  }
  if (opts.issuer !== undefined && c.iss !== opts.issuer) throw setError(`Issuer ${show(c.iss)} is not the expected ${show(opts.issuer)}.`, 'set.issuer');
  const now = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const iat = c.iat as number;
  if (iat > now + (opts.clockToleranceSec ?? 60)) throw setError('The SET is issued in the future.', 'set.age');
  if (opts.maxAgeSec !== undefined && now - iat > opts.maxAgeSec) throw setError(`The SET is older than the allowed ${opts.maxAgeSec} s.`, 'set.age');
  if (c.exp !== undefined && (!Number.isInteger(c.exp) || (c.exp as number) <= now)) throw setError('The SET has expired (exp).', 'set.age');
  return c as SetClaims;
}

/** The one event of a verified SET: its type URI and details. */
export function eventOf(claims: SetClaims): { type: string; details: Record<string, unknown> } {
  const [type, details] = Object.entries(claims.events)[0]!;
  return { type, details };
}
