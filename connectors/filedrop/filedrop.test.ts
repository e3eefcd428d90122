import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotConnectedError, PermanentError, RetryableError } from '../errors.js';
import { egressConformance, testContext, type EgressFixture } from '../../test/conformance/egress.js';
import type { ReceivedMessage } from '../../test/conformance/outbound.js';
import { readmeConfigProblems } from '../../test/conformance/readme.js';
import { dropFileName, filedropConfigSchema, filedropConnector, writeError } from './index.js';

const NAME = /^(.+)-([0-9a-f-]{36})\.[a-z0-9]+$/;

/** What an importer sees: the complete files (no dot files), read back from the directory. */
function readDrop(dir: string): ReceivedMessage[] {
  return readdirSync(dir).filter((f) => !f.startsWith('.')).map((f) => {
    const m = NAME.exec(f);
    if (!m) throw new Error(`unexpected file ${f} in the drop`);
    const payload = readFileSync(join(dir, f));
    const uuid = /<nachrichtenUUID>([^<]+)</.exec(payload.toString('utf8'))?.[1] ?? '';
    return { gatewayId: m[2]!, messageUuid: uuid, messageType: m[1]!, payload };
  });
}

async function createFixture(): Promise<EgressFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'zsa-filedrop-'));
  const egress = filedropConnector.create(filedropConfigSchema.parse({ dir }), testContext('filedrop-test'));
  return {
    egress,
    received: async () => readDrop(dir),
    async restartPeer() {
      renameSync(dir, `${dir}.away`); // the share is gone …
      await new Promise((r) => setTimeout(r, 300));
      renameSync(`${dir}.away`, dir); // … and back, with what was written before
    },
    async cleanup() {
      await egress.close();
      rmSync(dir, { recursive: true, force: true });
      rmSync(`${dir}.away`, { recursive: true, force: true });
    },
  };
}

egressConformance({ name: 'filedrop (temporary directory)', create: createFixture });

describe('filedrop: names, leftovers, errors, README', () => {
  it('names each file by message type and gateway id with the extension of its content type, and leaves no .part behind', async () => {
    const f = await createFixture();
    try {
      const dir = (f.egress as unknown as { dir: string }).dir;
      await f.egress.connect(new AbortController().signal);
      const { makeOutbound } = await import('../../test/conformance/outbound.js');
      const csv = makeOutbound({ contentType: 'text/csv; charset=utf-8', form: 'xzsa-to-fv-csv', payload: Buffer.from('SATZART;X\nEF;1\n') });
      const receipt = await f.egress.deliver(csv, new AbortController().signal);
      expect(receipt.detail).to.equal(`written to ${dropFileName(csv)}`);
      expect(dropFileName(csv)).to.equal(`hund.anmeldung.0101-${csv.gatewayId}.csv`);
      await f.egress.deliver({ ...csv, attempt: 2 }, new AbortController().signal); // a redelivery replaces, never duplicates
      expect(readdirSync(dir)).to.deep.equal([dropFileName(csv)]);
    } finally {
      await f.cleanup();
    }
  });

  it('classifies write errors: missing directory → not connected, too long → permanent, the rest retryable', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(writeError('/d', err('ENOENT'))).to.be.instanceOf(NotConnectedError);
    expect(writeError('/d', err('ENOTDIR'))).to.be.instanceOf(NotConnectedError);
    expect(writeError('/d', err('ENAMETOOLONG'))).to.be.instanceOf(PermanentError);
    expect(writeError('/d', err('ENOSPC'))).to.be.instanceOf(RetryableError);
    expect(writeError('/d', err('EISDIR'))).to.be.instanceOf(RetryableError);
  });

  it('refuses a directory that does not exist at connect, and comes up once it does', async () => {
    const dir = join(tmpdir(), `zsa-filedrop-missing-${process.pid}`);
    const egress = filedropConnector.create(filedropConfigSchema.parse({ dir }), testContext('filedrop-missing'));
    try {
      let failed = false;
      await egress.connect(new AbortController().signal).catch(() => (failed = true));
      expect(failed).to.equal(true);
      expect(egress.health().status).to.equal('down');
      mkdirSync(dir);
      await egress.connect(new AbortController().signal);
      expect(egress.health().status).to.equal('up');
    } finally {
      await egress.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('README config table matches the schema', () => {
    expect(readmeConfigProblems(filedropConfigSchema, fileURLToPath(new URL('./README.md', import.meta.url)))).to.deep.equal([]);
  });
});
