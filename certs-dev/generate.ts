import { performance } from 'node:perf_hooks';
import { buildCrl } from './crl.js';
import { bannered, DEV_LABEL, LAYOUT, prepareOutDir, SAFE_ID, writeAtomic } from './files.js';
import { jwkJson, jwkPair } from './jwk.js';
import { outputReadme } from './readme.js';
import { clientCertificate, issueCertificate, participantAltNames, rsaKeyPair, type IssuedCert, type Issuer, type KeyPair, type ParticipantRef } from './x509.js';

/**
 * The development PKI of zsa-gateway (certs-dev/README.md, ADR 0008): root CA →
 * intermediate CA → gateway server certificate, one TLS client certificate and one
 * RSA encryption key (JWK with x5c) per participant, the gateway's own encryption and
 * signing keys, and an empty CRL. Everything is labelled DEVELOPMENT ONLY.
 */

export type DevParticipant = ParticipantRef;

export interface DevPkiOptions {
  /** Output folder; created if absent. Must be empty, new, or hold an earlier PKI (then `force`). */
  outDir: string;
  participants: ReadonlyArray<DevParticipant>;
  /** Lifetime of end-entity certificates and the CRL (CAs live one and two days longer). Default 365. */
  validityDays?: number;
  /** Modulus of the encryption and signing keys (the JWKs). Default 4096, FIT-Connect's profile. */
  rsaBits?: number;
  /** Modulus of the TLS keys (CAs, server, clients). Default 3072 (BSI TR-02102: at least 3000). */
  tlsRsaBits?: number;
  /** DNS names and IP addresses in the server certificate. Default localhost, 127.0.0.1, ::1. */
  serverHosts?: readonly string[];
  /** Replace an earlier PKI in outDir. */
  force?: boolean;
  /** Clock for the validity periods (tests). */
  now?: Date;
}

export interface DevPkiResult {
  outDir: string;
  /** Files written, relative to outDir, in order. */
  files: string[];
  participants: Array<{ id: string; kind: string; kennung: string; clientSerial: string; clientFingerprint256: string; encKid: string }>;
  gateway: { serverFingerprint256: string; encKid: string; sigKid: string };
  timings: { keyCount: number; keysMs: number; certsMs: number; totalMs: number };
}

const DAY = 86_400_000;
export const GATEWAY_URI = 'urn:zsa-gateway:gateway';
const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:]*)$/;

function checkOptions(o: DevPkiOptions): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const p of o.participants) {
    if (!SAFE_ID.test(p.id)) problems.push(`participant id "${p.id}" is not lower-case letters, digits, ".", "_" and "-"`);
    if (seen.has(p.id)) problems.push(`participant id "${p.id}" appears twice`);
    seen.add(p.id);
  }
  if (o.validityDays !== undefined && !(Number.isInteger(o.validityDays) && o.validityDays >= 1)) problems.push('validityDays must be a whole number ≥ 1');
  for (const [name, bits] of [['rsaBits', o.rsaBits], ['tlsRsaBits', o.tlsRsaBits]] as const) {
    if (bits !== undefined && !(Number.isInteger(bits) && bits >= 2048 && bits % 1024 === 0)) problems.push(`${name} must be 2048, 3072, 4096, …`);
  }
  if (problems.length > 0) throw new Error(`cannot generate the development PKI:\n  ${problems.join('\n  ')}`);
}

/**
 * Generates the whole PKI into `outDir`. Keys come from OpenSSL in parallel; the run takes
 * seconds (the timings are returned). Throws before writing anything when the options are
 * invalid or `outDir` is not usable (see prepareOutDir).
 */
export async function generateDevPki(opts: DevPkiOptions): Promise<DevPkiResult> {
  checkOptions(opts);
  const t0 = performance.now();
  const now = opts.now ?? new Date();
  const days = opts.validityDays ?? 365;
  const encBits = opts.rsaBits ?? 4096;
  const tlsBits = opts.tlsRsaBits ?? 3072;
  const parts = opts.participants;
  prepareOutDir(opts.outDir, opts.force ?? false);

  const keys = await generateKeys(parts, tlsBits, encBits);
  const t1 = performance.now();

  const notBefore = new Date(now.getTime() - 5 * 60_000); // tolerate clock skew between containers
  const leafEnd = new Date(now.getTime() + days * DAY);
  const root = issueCertificate({ commonName: 'zsa-gateway Dev Root CA', unit: 'root CA', publicKey: keys.root.publicKey, selfKey: keys.root.privateKey, notBefore, notAfter: new Date(leafEnd.getTime() + 2 * DAY), ca: {}, keyUsage: { keyCertSign: true, cRLSign: true } });
  const rootIssuer: Issuer = { cert: root.cert, key: keys.root.privateKey };
  const int = issueCertificate({ commonName: 'zsa-gateway Dev Intermediate CA', unit: 'intermediate CA', publicKey: keys.intermediate.publicKey, issuer: rootIssuer, notBefore, notAfter: new Date(leafEnd.getTime() + DAY), ca: { pathLen: 0 }, keyUsage: { keyCertSign: true, cRLSign: true } });
  const issuer: Issuer = { cert: int.cert, key: keys.intermediate.privateKey };
  const hosts = opts.serverHosts ?? ['localhost', '127.0.0.1', '::1'];
  const server = issueCertificate({
    commonName: hosts[0] ?? 'localhost',
    unit: 'gateway server',
    publicKey: keys.server.publicKey,
    issuer,
    notBefore,
    notAfter: leafEnd,
    keyUsage: { digitalSignature: true, keyEncipherment: true },
    extKeyUsage: { serverAuth: true },
    altNames: hosts.map((h) => (IP.test(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h })),
  });
  const keyCert = (cn: string, unit: string, kp: KeyPair, usage: 'enc' | 'sig', p?: ParticipantRef): IssuedCert =>
    issueCertificate({ commonName: cn, unit, publicKey: kp.publicKey, issuer, notBefore, notAfter: leafEnd, keyUsage: usage === 'enc' ? { keyEncipherment: true } : { digitalSignature: true }, altNames: p ? participantAltNames(p) : [{ type: 6, value: GATEWAY_URI }] });
  const chainOf = (leaf: IssuedCert) => [leaf.der, int.der, root.der];

  const each = await Promise.all(
    keys.participants.map(async ({ p, client, enc }) => ({
      p,
      clientKeys: client,
      clientCert: clientCertificate(p, client.publicKey, issuer, notBefore, leafEnd),
      enc: await jwkPair(enc, { use: 'enc', alg: 'RSA-OAEP-256' }, chainOf(keyCert(p.id, `${p.kind} encryption`, enc, 'enc', p))),
    })),
  );
  const gwEnc = await jwkPair(keys.gatewayEnc, { use: 'enc', alg: 'RSA-OAEP-256' }, chainOf(keyCert('zsa-gateway', 'gateway encryption', keys.gatewayEnc, 'enc')));
  const gwSig = await jwkPair(keys.gatewaySig, { use: 'sig', alg: 'PS512' }, chainOf(keyCert('zsa-gateway', 'gateway signing', keys.gatewaySig, 'sig')));
  const crl = buildCrl(issuer, int.der, { crlNumber: 1n, revoked: [], thisUpdate: now, nextUpdate: leafEnd });
  const t2 = performance.now();

  const files: string[] = [];
  const out = opts.outDir;
  const write = (rel: string, data: string, secret = false) => {
    writeAtomic(out, rel, data, secret);
    files.push(rel);
  };
  const keyPem = (k: KeyPair) => bannered(k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  write(LAYOUT.root, bannered(root.pem));
  write(LAYOUT.intermediate, bannered(int.pem));
  write(LAYOUT.chain, bannered(int.pem + root.pem));
  write(LAYOUT.rootKey, keyPem(keys.root), true);
  write(LAYOUT.intermediateKey, keyPem(keys.intermediate), true);
  write(LAYOUT.crl, bannered(crl));
  write(LAYOUT.serverCert, bannered(server.pem + int.pem));
  write(LAYOUT.serverKey, keyPem(keys.server), true);
  for (const e of each) {
    write(LAYOUT.clientCert(e.p.id), bannered(e.clientCert.pem + int.pem));
    write(LAYOUT.clientKey(e.p.id), keyPem(e.clientKeys), true);
    write(LAYOUT.encPublic(e.p.id), jwkJson(e.enc.publicJwk));
    write(LAYOUT.encPrivate(e.p.id), jwkJson(e.enc.privateJwk), true);
  }
  write(LAYOUT.gatewayEncPublic, jwkJson(gwEnc.publicJwk));
  write(LAYOUT.gatewayEncPrivate, jwkJson(gwEnc.privateJwk), true);
  write(LAYOUT.gatewaySigPublic, jwkJson(gwSig.publicJwk));
  write(LAYOUT.gatewaySigPrivate, jwkJson(gwSig.privateJwk), true);
  write(LAYOUT.gatewayJwks, jwkJson({ keys: [gwEnc.publicJwk, gwSig.publicJwk] }));

  const result: DevPkiResult = {
    outDir: out,
    files,
    participants: each.map((e) => ({ id: e.p.id, kind: e.p.kind, kennung: e.p.kennung, clientSerial: e.clientCert.serial, clientFingerprint256: e.clientCert.fingerprint256, encKid: e.enc.publicJwk.kid })),
    gateway: { serverFingerprint256: server.fingerprint256, encKid: gwEnc.publicJwk.kid, sigKid: gwSig.publicJwk.kid },
    timings: { keyCount: 5 + 2 * parts.length, keysMs: Math.round(t1 - t0), certsMs: Math.round(t2 - t1), totalMs: 0 },
  };
  write(LAYOUT.readme, outputReadme({ now, leafEnd, participants: parts, encBits, tlsBits, hosts }));
  result.timings.totalMs = Math.round(performance.now() - t0);
  write(LAYOUT.manifest, jsonManifest(result, now, leafEnd));
  return result;
}

interface GeneratedKeys {
  root: KeyPair;
  intermediate: KeyPair;
  server: KeyPair;
  gatewayEnc: KeyPair;
  gatewaySig: KeyPair;
  participants: Array<{ p: DevParticipant; client: KeyPair; enc: KeyPair }>;
}

/** All keys at once: OpenSSL generates them on the libuv pool, one per core at a time. */
async function generateKeys(parts: ReadonlyArray<DevParticipant>, tlsBits: number, encBits: number): Promise<GeneratedKeys> {
  const [root, intermediate, server, gatewayEnc, gatewaySig, participants] = await Promise.all([
    rsaKeyPair(tlsBits),
    rsaKeyPair(tlsBits),
    rsaKeyPair(tlsBits),
    rsaKeyPair(encBits),
    rsaKeyPair(encBits),
    Promise.all(parts.map(async (p) => Promise.all([rsaKeyPair(tlsBits), rsaKeyPair(encBits)]).then(([client, enc]) => ({ p, client, enc })))),
  ]);
  return { root, intermediate, server, gatewayEnc, gatewaySig, participants };
}

function jsonManifest(r: DevPkiResult, now: Date, leafEnd: Date): string {
  return jwkJson({
    warning: `${DEV_LABEL}: generated by zsa-gateway certs init; never use these keys for real data`,
    generatedAt: now.toISOString(),
    validUntil: leafEnd.toISOString(),
    participants: r.participants.map((p) => ({ ...p, clientCert: LAYOUT.clientCert(p.id), encJwk: LAYOUT.encPublic(p.id) })),
    gateway: r.gateway,
    timings: r.timings,
  });
}

export { revoke, type RevokeResult } from './crl.js';
export { generateTestOddities, type TestOddities } from './oddities.js';
export { DEV_LABEL, LAYOUT } from './files.js';
