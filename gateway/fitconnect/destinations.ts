import type { JWK } from 'jose';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueCertificate } from '../../certs-dev/x509.js';
import type { FitConnectDestinationConfig, GatewayConfig } from '../config/schema.js';
import { DecryptPool } from '../crypto/decrypt-pool.js';
import { decryptWith } from '../crypto/jwe.js';
import { checkRsaKey, JWE_ALG, publicJwk } from '../crypto/jwk.js';
import { KeyFile } from '../crypto/key-file.js';
import { generateKeyObjects } from '../crypto/keygen.js';
import { PrivateKeyRing } from '../crypto/keyring.js';
import { GatewayError, type Issue } from '../errors.js';
import { routingAgs } from '../routing/region-key.js';

export const LEIKA_URN = 'urn:de:fim:leika:leistung:';

/** A configured destination with the key the gateway decrypts its submissions with. */
export interface FitDestination {
  cfg: FitConnectDestinationConfig;
  /** The destination's key, loaded (or, in the embedded default, generated) on first use. */
  keys(): Promise<DestinationKeys>;
  /** The areas as AGS (an ARS counts by its AGS). */
  ags: ReadonlySet<string>;
  /** Public PS512 keys the subscriber signs its accept/reject SETs with (`subscriberSigningKeys`); empty: its SETs are refused (ADR 0041). */
  signingKeys: readonly JWK[];
  /** The worker threads that decrypt its submissions (shared by all destinations, ADR 0041). */
  pool: DecryptPool;
}

export interface DestinationKeys {
  /** Only this destination's key: a JWE to any other kid is refused. */
  ring: PrivateKeyRing;
  /** The public encryption JWK as published (`key_ops: ["wrapKey"]`, alg RSA-OAEP-256, x5c). */
  publicKey: JWK;
}

/**
 * The destinations of `fitConnect.destinations`. Each destination's `encryptionKey` names a
 * kid: the private JWK with that kid from `crypto.jwe.keys`, or — when no configured key has it
 * (the embedded default configures none) — a development key generated on first use under
 * `<dataDir>/keys/fit-connect/<kid>.private.jwk.json` (RSA-4096, with a self-signed
 * certificate as `x5c`; `onGenerated` is told, and the server warns), so a gateway that never
 * serves FIT-Connect pays nothing at start. Subscriber signing keys are read and checked at
 * start (GW_CONFIG_INVALID listing every finding).
 */
export class FitDestinations {
  private constructor(
    private readonly byId: ReadonlyMap<string, FitDestination>,
    private readonly pool: DecryptPool,
  ) {}

  static load(cfg: GatewayConfig, dataDir: string, onGenerated: (file: string) => void): FitDestinations {
    const issues: Issue[] = [];
    const configured = cfg.crypto.jwe?.keys;
    const byId = new Map<string, FitDestination>();
    const pool = new DecryptPool();
    for (const [i, d] of cfg.fitConnect.destinations.entries()) {
      const path = `fitConnect.destinations/${i}/encryptionKey`;
      let source: () => Promise<JWK>;
      const jwk = configured?.map(readJwk).find((k) => k?.kid === d.encryptionKey);
      if (jwk !== undefined) {
        source = () => Promise.resolve(jwk);
      } else {
        const file = new KeyFile(join(dataDir, 'keys', 'fit-connect', `${d.encryptionKey.replace(/[^A-Za-z0-9._-]/g, '_')}.private.jwk.json`), () => devKey(d.encryptionKey, d.id), onGenerated);
        source = () => file.get();
      }
      let loading: Promise<DestinationKeys> | null = null;
      const keys = () =>
        (loading ??= source().then(async (jwk) => {
          const ring = await PrivateKeyRing.fromJwks([jwk], path);
          return { ring, publicKey: ring.publicJwks().keys[0]! };
        }).catch((err: unknown) => {
          loading = null;
          throw err;
        }));
      const signingKeys = d.subscriberSigningKeys.flatMap((file, j) => {
        const jwk = readJwk(file);
        const where = `fitConnect.destinations/${i}/subscriberSigningKeys/${j}`;
        if (jwk === undefined) {
          issues.push({ message: `${file} cannot be read as a JWK`, path: where });
          return [];
        }
        const found = checkRsaKey(jwk, 'signing', 'public', where);
        issues.push(...found);
        return found.length === 0 ? [publicJwk(jwk)] : [];
      });
      byId.set(d.id, { cfg: d, keys, ags: new Set(d.areas.map(routingAgs)), signingKeys, pool });
    }
    if (issues.length > 0) throw new GatewayError('GW_CONFIG_INVALID', `FIT-Connect destination keys are invalid (${issues.length} findings).`, { issues });
    return new FitDestinations(byId, pool);
  }

  /** Ends the decryption threads (gateway/compose/keys.ts on shutdown); idempotent. */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** The destination, or GW_FC_DESTINATION_NOT_FOUND. */
  get(id: string): FitDestination {
    const d = this.byId.get(id);
    if (d === undefined) throw new GatewayError('GW_FC_DESTINATION_NOT_FOUND', `no destination ${id.slice(0, 64)}`, { issues: [{ message: 'unknown destination', path: '/destinationId' }] });
    return d;
  }

  all(): FitDestination[] {
    return [...this.byId.values()];
  }
}

function readJwk(file: string): JWK | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } catch {
    return undefined; // the JWE ring loader (crypto/config-keys.ts) reports unreadable files at start
  }
}

/** A development encryption key for a destination: RSA-4096, key_ops unwrapKey, a self-signed certificate as x5c. */
async function devKey(kid: string, destinationId: string): Promise<JWK> {
  const { publicKey, privateKey } = await generateKeyObjects({ type: 'rsa', modulusLength: 4096 });
  const now = Date.now();
  const cert = issueCertificate({
    commonName: `fit-connect destination ${destinationId}`,
    unit: 'fit-connect destination',
    publicKey,
    selfKey: privateKey,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * 86_400_000),
    keyUsage: { keyEncipherment: true },
  });
  const raw = privateKey.export({ format: 'jwk' }) as JWK;
  return { ...raw, kid, alg: JWE_ALG, key_ops: ['unwrapKey'], x5c: [cert.der.toString('base64')] };
}

/**
 * Decrypts one part of a submission with the destination's key. Every failure — a kid
 * that is not the destination's, another alg/enc, `zip`, an altered part — is
 * GW_FC_ENCRYPTION_ISSUE naming `part` (never the key ids the gateway holds).
 */
export async function decryptPart(d: FitDestination, jwe: unknown, part: string): Promise<Buffer> {
  if (typeof jwe !== 'string' || jwe.length === 0) {
    throw new GatewayError('GW_FC_ENCRYPTION_ISSUE', `${part} is not a compact JWE string`, { issues: [{ message: 'not a compact JWE', path: part, rule: 'jwe.structure' }] });
  }
  try {
    return Buffer.from((await decryptWith(jwe, (await d.keys()).ring, { pool: d.pool })).payload);
  } catch (err) {
    // only the JWE's own faults are the sender's; a stopping gateway or a failed decryption worker is not
    if (!(err instanceof GatewayError) || (err.code !== 'GW_JWE_INVALID' && err.code !== 'GW_JWE_KEY_UNKNOWN')) throw err;
    const rule = err.issues[0]?.rule ?? 'jwe.decrypt';
    throw new GatewayError('GW_FC_ENCRYPTION_ISSUE', `${part} cannot be decrypted with the destination's key: ${err.issues[0]?.message ?? err.message}`, {
      issues: [{ message: err.issues[0]?.message ?? err.message, path: part, rule }],
      cause: err,
    });
  }
}
