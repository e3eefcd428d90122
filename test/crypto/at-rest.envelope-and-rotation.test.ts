import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inspect } from 'node:util';
import { expect } from 'chai';
import { openStream, sealStream, streamKeyId } from '../../gateway/crypto/at-rest-stream.js';
import { attachmentAad, IV_BYTES, KeyRing, messageAad, TAG_BYTES } from '../../gateway/crypto/at-rest.js';
import { expectRefused } from './support.js';

const key = () => randomBytes(32).toString('base64');

function flipped(b: Buffer, at: number): Buffer {
  const copy = Buffer.from(b);
  copy[at]! ^= 0x01;
  return copy;
}

async function collect(source: Buffer[], through: Transform): Promise<Buffer> {
  const out: Buffer[] = [];
  through.on('data', (c: Buffer) => out.push(c));
  await pipeline(Readable.from(source), through);
  return Buffer.concat(out);
}

describe('encryption at rest (AES-256-GCM envelopes)', () => {
  const k1 = key();
  const k2 = key();
  const ring1 = KeyRing.fromConfig({ keys: [{ id: 'k1', key: k1, active: true }] });
  const ring2 = KeyRing.fromConfig({ keys: [{ id: 'k1', key: k1 }, { id: 'k2', key: k2, active: true }] });
  const plain = Buffer.from('<hund.anmeldung.0101>synthetisch</hund.anmeldung.0101>');
  const aad = messageAad('msg-1');

  describe('seal and open', () => {
    it('round-trips and lays the blob out as version | IV | ciphertext | tag', () => {
      const { keyId, blob } = ring1.seal(plain, aad);
      expect(keyId).to.equal('k1');
      expect(blob[0]).to.equal(0x01);
      expect(blob.length).to.equal(1 + IV_BYTES + plain.length + TAG_BYTES);
      expect(ring1.open(keyId, blob, aad)).to.deep.equal(plain);
    });

    it('uses a fresh IV per seal and handles empty input', () => {
      expect(ring1.seal(plain, aad).blob.subarray(1, 13)).to.not.deep.equal(ring1.seal(plain, aad).blob.subarray(1, 13));
      const empty = ring1.seal(new Uint8Array(), aad);
      expect(ring1.open('k1', empty.blob, aad)).to.have.length(0);
    });

    it('refuses a blob opened with another row\'s aad (swapped between messages)', async () => {
      const { blob } = ring1.seal(plain, aad);
      await expectRefused(() => ring1.open('k1', blob, messageAad('msg-2')), 'GW_AT_REST_INTEGRITY');
      await expectRefused(() => ring1.open('k1', blob, messageAad('msg-1', 'attachment')), 'GW_AT_REST_INTEGRITY');
    });

    it('refuses an altered, truncated or unknown-version blob', async () => {
      const { blob } = ring1.seal(plain, aad);
      for (const at of [1, 13, blob.length - 1]) {
        const bad = Buffer.from(blob);
        bad[at]! ^= 0x01;
        await expectRefused(() => ring1.open('k1', bad, aad), 'GW_AT_REST_INTEGRITY');
      }
      await expectRefused(() => ring1.open('k1', blob.subarray(0, blob.length - 1), aad), 'GW_AT_REST_INTEGRITY');
      await expectRefused(() => ring1.open('k1', blob.subarray(0, 20), aad), 'GW_AT_REST_INTEGRITY');
      const v2 = Buffer.from(blob);
      v2[0] = 0x02;
      const e = await expectRefused(() => ring1.open('k1', v2, aad), 'GW_AT_REST_INTEGRITY');
      expect(e.message).to.match(/version 0x02/);
    });

    it('refuses an unknown key id, naming it and the known ones', async () => {
      const { blob } = ring2.seal(plain, aad);
      const e = await expectRefused(() => ring1.open('k2', blob, aad), 'GW_AT_REST_KEY_UNKNOWN');
      expect(e.extra).to.deep.equal({ keyId: 'k2', known: ['k1'] });
    });

    it('refuses a blob opened under the right id with other key bytes (a key replaced in config)', async () => {
      const replaced = KeyRing.fromConfig({ keys: [{ id: 'k1', key: key(), active: true }] });
      await expectRefused(() => replaced.open('k1', ring1.seal(plain, aad).blob, aad), 'GW_AT_REST_INTEGRITY');
    });
  });

  describe('rotation', () => {
    it('seals with the new active key, still opens the old one, and rewraps old blobs to the active key', () => {
      const old = ring1.seal(plain, aad);
      expect(ring2.seal(plain, aad).keyId).to.equal('k2');
      expect(ring2.open(old.keyId, old.blob, aad)).to.deep.equal(plain);
      const moved = ring2.rewrap(old.keyId, old.blob, aad);
      expect(moved.keyId).to.equal('k2');
      expect(ring2.open('k2', moved.blob, aad)).to.deep.equal(plain);
      // After k1 is retired, only rewrapped blobs open.
      const retired = KeyRing.fromConfig({ keys: [{ id: 'k2', key: k2, active: true }] });
      expect(retired.open(moved.keyId, moved.blob, aad)).to.deep.equal(plain);
      expect(() => retired.open(old.keyId, old.blob, aad)).to.throw().with.property('code', 'GW_AT_REST_KEY_UNKNOWN');
    });

    it('leaves a blob already under the active key as it is, but still checks it', async () => {
      const current = ring2.seal(plain, aad);
      expect(ring2.rewrap(current.keyId, current.blob, aad).blob).to.deep.equal(current.blob);
      await expectRefused(() => ring2.rewrap(current.keyId, current.blob, messageAad('other')), 'GW_AT_REST_INTEGRITY');
    });
  });

  describe('key configuration', () => {
    it('lists every problem at once with its config path', async () => {
      const e = await expectRefused(
        () =>
          KeyRing.fromConfig({
            keys: [
              { id: 'k1', key: k1, active: true },
              { id: 'k1', key: key() },
              { id: 'bad id', key: key() },
              { id: 'short', key: randomBytes(16).toString('base64') },
              { id: 'not-b64', key: 'zz!' },
              { id: 'twin', key: k1 },
            ],
          }),
        'GW_CONFIG_INVALID',
      );
      expect(e.issues.map((i) => i.path)).to.deep.equal([
        'crypto.atRest/keys/1/id',
        'crypto.atRest/keys/2/id',
        'crypto.atRest/keys/3/key',
        'crypto.atRest/keys/4/key',
        'crypto.atRest/keys/5/key',
      ]);
    });

    it('requires exactly one active key and at least one key', async () => {
      await expectRefused(() => KeyRing.fromConfig({ keys: [{ id: 'a', key: key() }] }), 'GW_CONFIG_INVALID');
      await expectRefused(() => KeyRing.fromConfig({ keys: [{ id: 'a', key: key(), active: true }, { id: 'b', key: key(), active: true }] }), 'GW_CONFIG_INVALID');
      await expectRefused(() => KeyRing.fromConfig({ keys: [] }), 'GW_CONFIG_INVALID');
      await expectRefused(() => KeyRing.fromConfig(null), 'GW_CONFIG_INVALID');
    });

    it('loads a key file, and names an unreadable or non-JSON one', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'zsa-at-rest-'));
      try {
        writeFileSync(join(dir, 'keys.json'), JSON.stringify({ keys: [{ id: 'file-1', key: k1, active: true }] }));
        const fromFile = KeyRing.fromFile(join(dir, 'keys.json'));
        expect(fromFile.open('file-1', fromFile.seal(plain, aad).blob, aad)).to.deep.equal(plain);
        writeFileSync(join(dir, 'broken.json'), '{');
        await expectRefused(() => KeyRing.fromFile(join(dir, 'broken.json')), 'GW_CONFIG_INVALID');
        const e = await expectRefused(() => KeyRing.fromFile(join(dir, 'missing.json')), 'GW_CONFIG_INVALID');
        expect(e.message).to.match(/ENOENT/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('never shows key bytes in errors or when inspected', () => {
      const ring = KeyRing.fromConfig({ keys: [{ id: 'k1', key: k1, active: true }] });
      expect(JSON.stringify(ring)).to.not.contain(k1);
      expect(inspect(ring, { depth: 5 })).to.not.contain(Buffer.from(k1, 'base64').toString('hex').slice(0, 16));
    });
  });

  describe('streaming variant for attachments', () => {
    const data = randomBytes(200_000);
    const sha = 'ab'.repeat(64);

    it('round-trips any chunking, and an empty stream', async () => {
      const { keyId, stream } = sealStream(ring2, attachmentAad(sha), 64 * 1024);
      const sealed = await collect([data.subarray(0, 7), data.subarray(7, 70_000), data.subarray(70_000)], stream);
      expect(keyId).to.equal('k2');
      expect(streamKeyId(sealed.subarray(0, 10))).to.equal('k2');
      const pieces = [sealed.subarray(0, 5), sealed.subarray(5, 100_001), sealed.subarray(100_001)];
      expect(await collect(pieces, openStream(ring2, attachmentAad(sha)))).to.deep.equal(data);
      const empty = await collect([], sealStream(ring2, attachmentAad(sha)).stream);
      expect(await collect([empty], openStream(ring2, attachmentAad(sha)))).to.have.length(0);
    });

    it('fails on truncation, trailing data, reordered records, an altered byte or another file\'s aad', async () => {
      const chunk = 1000;
      const sealed = await collect([data.subarray(0, 3500)], sealStream(ring2, attachmentAad(sha), chunk).stream);
      const record = 4 + chunk + 16;
      const header = 1 + 1 + 'k2'.length + 8;
      const r0 = sealed.subarray(header, header + record);
      const r1 = sealed.subarray(header + record, header + 2 * record);
      const cases: Array<[string, Buffer, string]> = [
        ['truncated after a record', sealed.subarray(0, header + 2 * record), 'truncated'],
        ['truncated inside a record', sealed.subarray(0, sealed.length - 3), 'truncated'],
        ['trailing data', Buffer.concat([sealed, Buffer.from('x')]), 'after the final record'],
        ['records swapped', Buffer.concat([sealed.subarray(0, header), r1, r0, sealed.subarray(header + 2 * record)]), 'record 0'],
        ['a flipped byte', flipped(sealed, 500), 'record 0'],
      ];
      for (const [name, bytes, message] of cases) {
        const e = await expectRefused(() => collect([bytes], openStream(ring2, attachmentAad(sha))), 'GW_AT_REST_INTEGRITY');
        expect(e.message, name).to.contain(message);
      }
      await expectRefused(() => collect([sealed], openStream(ring2, attachmentAad('cd'.repeat(64)))), 'GW_AT_REST_INTEGRITY');
      await expectRefused(() => collect([sealed], openStream(ring1, attachmentAad(sha))), 'GW_AT_REST_KEY_UNKNOWN');
      const relabelled = Buffer.from(sealed);
      relabelled.write('k1', 2, 'latin1');
      await expectRefused(() => collect([relabelled], openStream(ring2, attachmentAad(sha))), 'GW_AT_REST_INTEGRITY');
    });
  });
});
