import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAYOUT } from '../../certs-dev/files.js';
import { generateDevPki, generateTestOddities, type DevPkiResult, type TestOddities } from '../../certs-dev/generate.js';

/**
 * One development PKI per test run, shared by the test/auth files (RSA-4096 keys take a
 * few CPU-seconds each). Generated into a temp folder on first use and removed when the
 * process exits. Tests that revoke use `revokable`, which no other test relies on.
 */

export const PARTICIPANTS = [
  { id: 'magdeburg', kind: 'municipality', kennung: 'ags:15003000' },
  { id: 'zsa-lsa', kind: 'zsa', kennung: 'zsa:lsa' },
  { id: 'fv-15003000-hund', kind: 'fachverfahren', kennung: 'fv:15003000-hund' },
] as const;
export const REVOKABLE = 'fv-15003000-hund';

export interface TestPki {
  dir: string;
  result: DevPkiResult;
  oddities: TestOddities;
  generateMs: number;
}

let pending: Promise<TestPki> | undefined;

/** Generation under load can take long: callers give their `before` a generous timeout (PKI_TIMEOUT_MS). */
export const PKI_TIMEOUT_MS = 300_000;

export function testPki(): Promise<TestPki> {
  pending ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zsa-dev-pki-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const t0 = Date.now();
    // Encryption keys in the real 4096-bit profile; TLS keys smaller, their size does not matter to the behaviour under test.
    const result = await generateDevPki({ outDir: dir, participants: [...PARTICIPANTS], tlsRsaBits: 2048 });
    const oddities = await generateTestOddities({ outDir: dir, participant: PARTICIPANTS[0] });
    return { dir, result, oddities, generateMs: Date.now() - t0 };
  })();
  return pending;
}

/** `server.tls` for a gateway that serves HTTPS with the test PKI's server certificate and requires client certificates. */
export function requiredClientTls(pki: TestPki): { certFile: string; keyFile: string; caFile: string; crlFile: string; clientAuth: 'required' } {
  return { certFile: join(pki.dir, LAYOUT.serverCert), keyFile: join(pki.dir, LAYOUT.serverKey), caFile: join(pki.dir, LAYOUT.chain), crlFile: join(pki.dir, LAYOUT.crl), clientAuth: 'required' };
}
