/**
 * Throughput of the crypto and audit modules on this machine (not a test; run with
 * `npx tsx test/crypto/throughput.bench.ts`). Belongs in bench/ once wired; printed figures
 * go to the README's security section.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditDbPath, SqliteAuditLog } from '../gateway/audit/sqlite.js';
import { KeyRing, messageAad } from '../gateway/crypto/at-rest.js';
import { decryptWith, encryptFor } from '../gateway/crypto/jwe.js';
import { PrivateKeyRing } from '../gateway/crypto/keyring.js';
import { publicJwks, signSet, verifySet } from '../gateway/crypto/set.js';
import { encryptionKeys, signingKeys } from '../test/crypto/support.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

async function rate(name: string, op: (i: number) => Promise<unknown> | unknown): Promise<void> {
  for (let i = 0; i < 5; i++) await op(i); // warm-up
  const end = performance.now() + SECONDS * 1000;
  const start = performance.now();
  let n = 0;
  while (performance.now() < end) await op(n++);
  const perSec = n / ((performance.now() - start) / 1000);
  console.log(`${name.padEnd(48)} ${perSec.toFixed(0).padStart(8)} /s  (${n} in ${SECONDS} s)`);
}

const payload = randomBytes(8 * 1024);
const enc = encryptionKeys('bench-enc');
const sig = signingKeys('bench-sig');
const ring = await PrivateKeyRing.fromJwks([enc.privateJwk]);
const jwe = await encryptFor(payload, enc.publicJwk);
await rate('JWE encryptFor, 8 KiB, RSA-4096', () => encryptFor(payload, enc.publicJwk));
await rate('JWE decryptWith, 8 KiB, RSA-4096', () => decryptWith(jwe, ring));

const atRest = KeyRing.fromConfig({ keys: [{ id: 'k1', key: randomBytes(32).toString('base64'), active: true }] });
const sealed = atRest.seal(payload, messageAad('m'));
await rate('at-rest seal, 8 KiB', () => atRest.seal(payload, messageAad('m')));
await rate('at-rest open, 8 KiB', () => atRest.open('k1', sealed.blob, messageAad('m')));

const event = {
  kind: 'stateChange' as const,
  issuer: 'https://gateway.zsa.example/',
  subject: 'message:gw-1',
  txn: 'vorgang:V-1',
  details: { from: 'queued' as const, to: 'delivered' as const, messageUuid: 'u', reason: 'HTTP 202' },
};
const jwks = publicJwks([sig.privateJwk]);
const token = await signSet(event, sig.privateJwk);
await rate('SET sign, PS512 RSA-4096', () => signSet(event, sig.privateJwk));
await rate('SET verify, PS512 RSA-4096', () => verifySet(token, jwks));

const dir = mkdtempSync(join(tmpdir(), 'zsa-audit-bench-'));
const log = SqliteAuditLog.open(auditDbPath(dir));
const entry = (i: number) => ({ actor: 'participant:efa-hund', action: 'message.submit', target: `message:gw-${i}`, outcome: 'allowed' as const, detail: { i } });
try {
  await rate('audit append, one at a time (fsync each)', (i) => log.append(entry(i)));
  for (const burst of [10, 100]) {
    let base = 0;
    const start = performance.now();
    const end = start + SECONDS * 1000;
    while (performance.now() < end) {
      await Promise.all(Array.from({ length: burst }, (_, j) => log.append(entry(base + j))));
      base += burst;
    }
    console.log(`${`audit append, ${burst} concurrent (group commit)`.padEnd(48)} ${(base / ((performance.now() - start) / 1000)).toFixed(0).padStart(8)} /s  (${base} in ${SECONDS} s)`);
  }
  const started = performance.now();
  const result = await log.verify();
  console.log(`${'audit verify'.padEnd(48)} ${result.entries} entries in ${(performance.now() - started).toFixed(0)} ms, ok=${result.ok}`);
} finally {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
}
