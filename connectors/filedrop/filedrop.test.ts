import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotConnectedError, PermanentError, RetryableError } from '../errors.js';
import { egressConformance, makeOutbound, testContext, type EgressFixture } from '../../test/conformance/egress.js';
import { readmeConfigProblems } from '../../test/conformance/readme.js';
import type { FiledropConfig } from './config.js';
import { localFixture } from './filedrop.fixture.js';
import { alternativeName, dropFileName, filedropConfigSchema, filedropConnector, writeError, type Manifest } from './index.js';

const never = new AbortController().signal;

egressConformance({ name: 'filedrop (temporary directory)', create: async (): Promise<EgressFixture> => localFixture().fixture });

/** A connected local egress with `extra` config; `run` gets it and its directory; cleans up whatever happens. */
async function withDrop(extra: Partial<FiledropConfig>, run: (f: EgressFixture, dir: string) => Promise<void>): Promise<void> {
  const { fixture, dir } = localFixture(extra);
  try {
    await fixture.egress.connect(never);
    await run(fixture, dir);
  } finally {
    await fixture.cleanup();
  }
}

const sha512 = (b: Buffer): string => createHash('sha512').update(b).digest('hex');

describe('filedrop egress: names, never overwriting, markers, errors, README', () => {
  it('names each file <messageType>-<gatewayId>-<messageUuid>.<ext> and leaves no .part behind', async () => {
    await withDrop({}, async (f, dir) => {
      const csv = makeOutbound({ contentType: 'text/csv; charset=utf-8', form: 'xzsa-to-fv-csv', payload: Buffer.from('SATZART;X\nEF;1\n') });
      const receipt = await f.egress.deliver(csv, never);
      expect(dropFileName(csv)).to.equal(`hund.anmeldung.0101-${csv.gatewayId}-${csv.messageUuid}.csv`);
      expect(receipt.detail).to.equal(`written to ${dropFileName(csv)}`);
      expect(readdirSync(dir)).to.deep.equal([dropFileName(csv)]);
    });
  });

  it('a redelivery finds the earlier attempt\'s file and keeps it (onExisting: keep): nothing overwritten, nothing added', async () => {
    await withDrop({}, async (f, dir) => {
      const msg = makeOutbound({ contentType: 'application/jose', payload: Buffer.from('eyJ.first.attempt') });
      await f.egress.deliver(msg, never);
      const again = await f.egress.deliver({ ...msg, attempt: 2, payload: Buffer.from('eyJ.second.attempt') }, never); // a fresh JWE per attempt
      expect(again.outcome).to.equal('delivered');
      expect(again.detail).to.match(/already there .* not overwritten/);
      expect(readdirSync(dir)).to.deep.equal([dropFileName(msg)]);
      expect(readFileSync(join(dir, dropFileName(msg)), 'utf8')).to.equal('eyJ.first.attempt');
    });
  });

  it('onExisting: new-name writes <stem>~2.<ext>; onExisting: error fails permanently; neither touches the existing file', async () => {
    const msg = makeOutbound();
    await withDrop({ onExisting: 'new-name' }, async (f, dir) => {
      writeFileSync(join(dir, dropFileName(msg)), 'someone else');
      const r = await f.egress.deliver(msg, never);
      expect(r.detail).to.equal(`written to ${alternativeName(dropFileName(msg), 2)}`);
      expect(readFileSync(join(dir, dropFileName(msg)), 'utf8')).to.equal('someone else');
      expect(readFileSync(join(dir, alternativeName(dropFileName(msg), 2))).equals(msg.payload)).to.equal(true);
    });
    await withDrop({ onExisting: 'error' }, async (f, dir) => {
      writeFileSync(join(dir, dropFileName(msg)), 'someone else');
      let err: unknown;
      await f.egress.deliver(msg, never).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(PermanentError);
      expect(readdirSync(dir)).to.deep.equal([dropFileName(msg)]);
      expect(readFileSync(join(dir, dropFileName(msg)), 'utf8')).to.equal('someone else');
    });
  });

  it('onExisting: keep never counts a directory (or anything but a file) in the way of the name as delivered', async () => {
    await withDrop({}, async (f, dir) => {
      const msg = makeOutbound();
      mkdirSync(join(dir, dropFileName(msg)));
      let err: unknown;
      await f.egress.deliver(msg, never).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(RetryableError);
      expect(String(err)).to.include('a dir is in the way');
      expect(readdirSync(dir)).to.deep.equal([dropFileName(msg)]);
    });
  });

  it('a leftover .part hard-linked to the final name (crash between link and unlink) is unlinked, never truncated in place', async () => {
    await withDrop({}, async (f, dir) => {
      const msg = makeOutbound();
      await f.egress.deliver(msg, never);
      linkSync(join(dir, dropFileName(msg)), join(dir, `.${dropFileName(msg)}.part`));
      await f.egress.deliver({ ...msg, attempt: 2, payload: Buffer.from('other bytes') }, never);
      expect(readFileSync(join(dir, dropFileName(msg))).equals(msg.payload)).to.equal(true);
      expect(readdirSync(dir)).to.deep.equal([dropFileName(msg)]);
    });
  });

  it('hostile header values cannot leave the directory or hide the file: no separators, no leading dot', async () => {
    await withDrop({}, async (f, dir) => {
      const msg = makeOutbound({ messageType: '../../etc/cron.d/x', messageUuid: '../../../tmp/y', gatewayId: '.hidden/../z' });
      const name = dropFileName(msg);
      expect(name).to.not.match(/[/\\]/);
      expect(name.startsWith('.')).to.equal(false);
      await f.egress.deliver(msg, never);
      expect(readdirSync(dir)).to.deep.equal([name]);
    });
  });

  it('marker done-file: an empty <name>.done after the file; manifest: size and sha512 of the file as written', async () => {
    await withDrop({ marker: 'done-file' }, async (f, dir) => {
      const msg = makeOutbound();
      await f.egress.deliver(msg, never);
      expect(readdirSync(dir).sort()).to.deep.equal([dropFileName(msg), `${dropFileName(msg)}.done`]);
      expect(readFileSync(join(dir, `${dropFileName(msg)}.done`)).length).to.equal(0);
    });
    await withDrop({ marker: 'manifest' }, async (f, dir) => {
      const msg = makeOutbound();
      await f.egress.deliver(msg, never);
      const manifest = JSON.parse(readFileSync(join(dir, `${dropFileName(msg)}.manifest`), 'utf8')) as Manifest;
      expect(manifest).to.deep.equal({ manifest: 1, files: [{ name: dropFileName(msg), size: msg.payload.length, sha512: msg.sha512 }] });
    });
  });

  it('a crash between the rename and the marker: the redelivery writes the manifest of the file that is there, not of its own bytes', async () => {
    await withDrop({ marker: 'manifest' }, async (f, dir) => {
      const msg = makeOutbound();
      await f.egress.deliver(msg, never);
      rmSync(join(dir, `${dropFileName(msg)}.manifest`)); // as if the first attempt died before writing it
      await f.egress.deliver({ ...msg, attempt: 2, payload: Buffer.from('a different encryption of the same message') }, never);
      const manifest = JSON.parse(readFileSync(join(dir, `${dropFileName(msg)}.manifest`), 'utf8')) as Manifest;
      expect(manifest.files[0]!.sha512).to.equal(sha512(readFileSync(join(dir, dropFileName(msg)))));
      expect(manifest.files[0]!.sha512).to.equal(msg.sha512);
    });
  });

  it('classifies write errors: missing directory → not connected; permission → permanent; network, disk full, server failure → retryable', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(writeError('/d', err('ENOENT'))).to.be.instanceOf(NotConnectedError);
    expect(writeError('/d', err('ENOTDIR'))).to.be.instanceOf(NotConnectedError);
    expect(writeError('/d', err('EACCES'))).to.be.instanceOf(PermanentError);
    expect(writeError('/d', err('EROFS'))).to.be.instanceOf(PermanentError);
    expect(writeError('/d', err('ENAMETOOLONG'))).to.be.instanceOf(PermanentError);
    const full = writeError('/d', err('ENOSPC'));
    expect(full).to.be.instanceOf(RetryableError);
    expect(full.message).to.include('disk full');
    expect(writeError('/d', err('ECONNLOST'))).to.be.instanceOf(RetryableError);
    expect(writeError('/d', err('ECONNLOST')).message).to.include('network');
    expect(writeError('/d', err('EFAILURE'))).to.be.instanceOf(RetryableError);
    expect(writeError('/d', err('EISDIR'))).to.be.instanceOf(RetryableError);
  });

  it('refuses a directory that does not exist at connect, and comes up once it does', async () => {
    const dir = join(tmpdir(), `zsa-filedrop-missing-${process.pid}`);
    const egress = filedropConnector.create(filedropConfigSchema.parse({ dir }), testContext('filedrop-missing'));
    try {
      let failed = false;
      await egress.connect(never).catch(() => (failed = true));
      expect(failed).to.equal(true);
      expect(egress.health().status).to.equal('down');
      mkdirSync(dir);
      await egress.connect(never);
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
