import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { CONNECTORS } from '../../connectors/index.js';
import { rewrapAtRest } from '../../gateway/cli/keys.js';
import { DEMO_CONFIG_PATH, loadConfigFile } from '../../gateway/config/load.js';
import type { GatewayConfig } from '../../gateway/config/schema.js';
import { KeyRing } from '../../gateway/crypto/at-rest.js';
import { streamKeyId } from '../../gateway/crypto/at-rest-stream.js';
import { createFsAttachmentStore } from '../../gateway/store/attachments.js';
import { createStore } from '../../gateway/store/index.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { newMessage } from '../store/suite/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'zsa-rewrap-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Two key files, as a Secret volume holds them. */
const keyDir = join(root, 'keys');
const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');
mkdirSync(keyDir);
writeFileSync(join(keyDir, 'k1'), `${K1}\n`);
writeFileSync(join(keyDir, 'k2'), `${K2}\n`);

/** The demo configuration with at-rest keys from those files and `active` as the active key. */
function rawConfig(active: 'k1' | 'k2', dataDir: string): Record<string, unknown> {
  const raw = parseYaml(readFileSync(DEMO_CONFIG_PATH, 'utf8')) as Record<string, unknown>;
  return { ...raw, store: { dataDir }, crypto: { atRest: { keys: [{ id: 'k1', keyFile: join(keyDir, 'k1') }, { id: 'k2', keyFile: join(keyDir, 'k2') }], active } } };
}
function config(active: 'k1' | 'k2', dataDir: string): GatewayConfig {
  const file = join(dataDir, `config-${active}.yaml`);
  writeFileSync(file, stringifyYaml(rawConfig(active, dataDir)));
  return loadConfigFile(file, CONNECTORS, {});
}

function fileKeyId(path: string): string | undefined {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(257);
    return streamKeyId(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
  } finally {
    closeSync(fd);
  }
}

/** Key rotation step 2 (docs/operations.md): `zsa-gateway keys rewrap` moves payloads and attachment files to the active key. */
describe('at rest: keys rewrap moves payloads and attachment files to the active key', () => {
  it('after the rewrap a ring with only the new key opens every payload and attachment; a second run finds nothing to do', async () => {
    const dataDir = mkdtempSync(join(root, 'data-'));
    const ring1 = KeyRing.fromConfig({ keys: [{ id: 'k1', key: K1, active: true }] });
    const store = await createStore({ kind: 'sqlite', path: join(dataDir, 'gateway.db'), atRest: ring1 });
    const msgs = [newMessage(), newMessage(), newMessage()];
    for (const m of msgs) await store.accept(m);
    await store.close();
    const bytes = randomBytes(200_000);
    const { sha512 } = await createFsAttachmentStore(dataDir, ring1).putStream(Readable.from([bytes]), { maxBytes: 1_000_000 });
    const file = join(dataDir, 'attachments', sha512.slice(0, 2), sha512);
    expect(fileKeyId(file)).to.equal('k1');

    const first = await rewrapAtRest(config('k2', dataDir), dataDir, 2); // batches of 2: the loop must go round
    expect(first).to.deep.equal({ activeKeyId: 'k2', payloads: { rewrapped: 3, remaining: 0 }, files: { rewrapped: 1, current: 0, clear: 0 } });
    expect(fileKeyId(file)).to.equal('k2');

    const ring2 = KeyRing.fromConfig({ keys: [{ id: 'k2', key: K2, active: true }] }); // k1 retired
    const after = await createStore({ kind: 'sqlite', path: join(dataDir, 'gateway.db'), atRest: ring2 });
    for (const m of msgs) expect((await after.getPayload(m.id))!.equals(m.payload)).to.equal(true);
    await after.close();
    const chunks: Buffer[] = [];
    for await (const c of createFsAttachmentStore(dataDir, ring2).open(sha512)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(bytes)).to.equal(true);

    const second = await rewrapAtRest(config('k2', dataDir), dataDir);
    expect(second).to.deep.equal({ activeKeyId: 'k2', payloads: { rewrapped: 0, remaining: 0 }, files: { rewrapped: 0, current: 1, clear: 0 } });
  });

  it('is a command of the CLI: prints its summary and exits 0 when nothing under an older key is left', async function () {
    this.timeout(60_000); // one CLI start under tsx
    const dataDir = mkdtempSync(join(root, 'cli-'));
    const ring1 = KeyRing.fromConfig({ keys: [{ id: 'k1', key: K1, active: true }] });
    const store = await createStore({ kind: 'sqlite', path: join(dataDir, 'gateway.db'), atRest: ring1 });
    await store.accept(newMessage());
    await store.close();
    config('k2', dataDir);
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(PACKAGE_ROOT, 'gateway/cli/main.ts'), 'keys', 'rewrap', '--config', join(dataDir, 'config-k2.yaml')], { encoding: 'utf8', cwd: PACKAGE_ROOT });
    expect(r.stderr).to.equal('');
    expect(r.stdout.trim()).to.equal('active key k2: payloads rewrapped 1, remaining 0; attachment files rewrapped 0, already current 0, not sealed 0');
    expect(r.status).to.equal(0);
  });
});
