import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { defaultAtRestKeyFile, loadAtRestRing, loadJweRing, loadRecipientKeys } from '../../gateway/crypto/config-keys.js';
import type { ParticipantConfig } from '../../gateway/config/schema.js';
import { encryptionKeys, expectRefused } from './support.js';

describe('crypto config: key rings loaded at start', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'zsa-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a development at-rest key file once (mode 0600) and reuses it', () => {
    const generated: string[] = [];
    const ring = loadAtRestRing(undefined, dir, (f) => generated.push(f));
    const file = defaultAtRestKeyFile(dir);
    expect(generated).to.deep.equal([file]);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(readFileSync(file, 'utf8')).to.contain('DEVELOPMENT');
    const again = loadAtRestRing(undefined, dir, (f) => generated.push(f));
    expect(generated).to.have.length(1);
    expect(again.activeKeyId).to.equal(ring.activeKeyId);
    const sealed = ring.seal(Buffer.from('x'), 'aad');
    expect(again.open(sealed.keyId, sealed.blob, 'aad').toString()).to.equal('x');
  });

  it('reads configured keys inline and from key files, the active one sealing', () => {
    const keyFile = join(dir, 'k2.b64');
    writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`);
    const ring = loadAtRestRing({ keys: [{ id: 'k1', key: randomBytes(32).toString('base64') }, { id: 'k2', keyFile }], active: 'k2' }, dir, () => undefined);
    expect(ring.keyIds()).to.deep.equal(['k1', 'k2']);
    expect(ring.activeKeyId).to.equal('k2');
  });

  it('lists unreadable key files and bad key bytes as GW_CONFIG_INVALID', async () => {
    await expectRefused(() => loadAtRestRing({ keys: [{ id: 'k1', keyFile: join(dir, 'missing') }], active: 'k1' }, dir, () => undefined), 'GW_CONFIG_INVALID');
    await expectRefused(() => loadAtRestRing({ keys: [{ id: 'k1', key: 'c2hvcnQ=' }], active: 'k1' }, dir, () => undefined), 'GW_CONFIG_INVALID');
  });

  it('has no JWE ring without configured keys, and loads private JWK files into one', async () => {
    expect(await loadJweRing(undefined)).to.equal(undefined);
    expect(await loadJweRing([])).to.equal(undefined);
    const file = join(dir, 'gw.jwk.json');
    writeFileSync(file, JSON.stringify(encryptionKeys('cfg-gateway').privateJwk));
    expect((await loadJweRing([file]))!.kids()).to.deep.equal(['cfg-gateway-enc']);
    await expectRefused(() => loadJweRing([join(dir, 'nope.json')]), 'GW_CONFIG_INVALID');
  });

  it('maps participants\' public keys to their endpoints; refuses private keys and two different keys on one endpoint', async () => {
    const pub = (name: string) => {
      const file = join(dir, `${name}.pub.json`);
      writeFileSync(file, JSON.stringify(encryptionKeys(name).publicJwk));
      return file;
    };
    const p = (id: string, endpoint: string, encryptionKey: string): ParticipantConfig => ({ id, kind: 'fachverfahren', kennung: `fv:${id}`, name: id, endpoint, encryptionKey });
    const keys = loadRecipientKeys([p('a', 'ep-a', pub('cfg-a')), p('b', 'ep-b', pub('cfg-b'))]);
    expect(keys.get('ep-a')!.kid).to.equal('cfg-a-enc');
    expect(keys.get('ep-b')!.kid).to.equal('cfg-b-enc');
    await expectRefused(() => loadRecipientKeys([p('a', 'ep', pub('cfg-a')), p('b', 'ep', pub('cfg-b'))]), 'GW_CONFIG_INVALID');
    const priv = join(dir, 'priv.json');
    writeFileSync(priv, JSON.stringify(encryptionKeys('cfg-a').privateJwk));
    await expectRefused(() => loadRecipientKeys([p('a', 'ep', priv)]), 'GW_CONFIG_INVALID');
  });
});
