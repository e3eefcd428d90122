import type { JWK } from 'jose';
import type { PrivateKeyRing } from '../../../gateway/crypto/keyring.js';
import type { ErrorCode } from '../../../gateway/errors.js';
import type { RawRequest } from '../raw-http.js';

/**
 * What a hostile entry must get back. `codes`: an RFC 7807 problem whose `code` is one of
 * these (and whose status is not 2xx/5xx). `bare`: a refusal by Node's HTTP parser before
 * the app runs (e.g. 431, 400) — no problem body there. `closed`: the server may also
 * just close the connection (a client that stopped mid-request cannot be answered).
 */
export interface Expectation {
  codes?: readonly ErrorCode[];
  bare?: readonly number[];
  closed?: boolean;
}

/** Keys and tokens the direct crypto entries run against, built once per run. */
export interface CryptoContext {
  ring: PrivateKeyRing;
  /** A valid JWE to the ring's key (`kid` = ringKid). */
  jwe: string;
  ringKid: string;
  /** The public half of a key the ring does not hold (same 4096-bit profile). */
  strangerPublic: JWK;
  /** The gateway's signing key and its published JWKS. */
  signingPrivate: JWK;
  jwks: { keys: JWK[] };
  /** A valid SET signed with `signingPrivate`. */
  set: string;
  /** A private key with the gateway's `kid` that is not the gateway's key (forgery). */
  forgerPrivate: JWK;
}

export type HostileSend =
  | { kind: 'http'; request: RawRequest | (() => RawRequest) }
  /** A direct call into a crypto module; resolves when it (wrongly) accepted, rejects with the refusal. */
  | { kind: 'call'; run: (ctx: CryptoContext) => Promise<unknown> };

export interface HostileEntry {
  family: string;
  name: string;
  send: HostileSend;
  expect: Expectation;
  /** A known gateway bug: the entry is sent and reported, but does not fail the run. Names the problem. */
  knownGap?: string;
}

export const MESSAGES = '/api/v1/messages';
export const XML_HEADERS = [['Content-Type', 'application/xml']] as const;

/** An XML POST to the message ingress. */
export function xmlPost(body: Buffer | string, extra: ReadonlyArray<readonly [string, string]> = XML_HEADERS): HostileSend {
  return { kind: 'http', request: { method: 'POST', path: MESSAGES, headers: extra, body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8') } };
}

/** A lazily built XML POST (for bodies that are big or need a fresh message UUID per run). */
export function lazyXmlPost(build: () => Buffer | string): HostileSend {
  return {
    kind: 'http',
    request: () => {
      const body = build();
      return { method: 'POST', path: MESSAGES, headers: XML_HEADERS, body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8') };
    },
  };
}

export const expectCodes = (...codes: ErrorCode[]): Expectation => ({ codes });
