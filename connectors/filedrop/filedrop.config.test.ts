import { expect } from 'chai';
import { filedropConfigSchema, globRegExp, isSafeName } from './index.js';

const SFTP = { host: 'sftp.example', username: 'zsa', hostKeySha256: `SHA256:${'a'.repeat(43)}`, passwordFile: '/run/secrets/pw' };

/** Every problem zod reports for `config`, as `path: message`. */
function problems(config: unknown): string[] {
  const r = filedropConfigSchema.safeParse(config);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('filedrop config', () => {
  it('defaults: local, no marker, keep, *.xml as application/xml, processed/ and rejected/', () => {
    const c = filedropConfigSchema.parse({ dir: '/srv/drop' });
    expect(c.marker).to.equal('none');
    expect(c.onExisting).to.equal('keep');
    expect(c.sftp).to.equal(undefined);
    expect(c.inbox.patterns).to.deep.equal([{ glob: '*.xml', contentType: 'application/xml' }]);
    expect([c.inbox.processedDir, c.inbox.rejectedDir]).to.deep.equal(['processed', 'rejected']);
  });

  it('refuses inbox sub-directories that leave the inbox or coincide, and globs with a path', () => {
    expect(problems({ dir: '/d', inbox: { processedDir: '..' } })).to.have.length(1);
    expect(problems({ dir: '/d', inbox: { rejectedDir: '.' } })).to.have.length(1);
    expect(problems({ dir: '/d', inbox: { rejectedDir: 'a/b' } })).to.have.length(1);
    expect(problems({ dir: '/d', inbox: { processedDir: 'x', rejectedDir: 'x' } })).to.deep.equal(['inbox: inbox: processedDir and rejectedDir must differ']);
    expect(problems({ dir: '/d', inbox: { patterns: [{ glob: '../*.xml', contentType: 'application/xml' }] } })).to.have.length(1);
    expect(problems({ dir: '/d', inbox: { patterns: [] } })).to.have.length(1);
  });

  it('sftp: exactly one of key and password; a passphrase only with a key; the fingerprint in OpenSSH form; unknown keys refused', () => {
    expect(problems({ dir: '/d', sftp: SFTP })).to.deep.equal([]);
    expect(problems({ dir: '/d', sftp: { ...SFTP, privateKeyFile: '/k' } })).to.have.length(1);
    expect(problems({ dir: '/d', sftp: { ...SFTP, passwordFile: undefined } })).to.have.length(1);
    expect(problems({ dir: '/d', sftp: { ...SFTP, passphraseFile: '/p' } })).to.have.length(1);
    expect(problems({ dir: '/d', sftp: { ...SFTP, hostKeySha256: 'MD5:aa:bb' } })).to.have.length(1);
    expect(problems({ dir: '/d', sftp: { ...SFTP, password: 'inline' } })).to.have.length(1);
  });

  it('globs match one whole file name, `*` and `?` only, everything else literal', () => {
    expect(globRegExp('*.csv').test('HST-RUECK-1.csv')).to.equal(true);
    expect(globRegExp('*.csv').test('x.csv.part')).to.equal(false);
    expect(globRegExp('HST-?.csv').test('HST-1.csv')).to.equal(true);
    expect(globRegExp('HST-?.csv').test('HST-12.csv')).to.equal(false);
    expect(globRegExp('a.b').test('axb')).to.equal(false);
  });

  it('an inbox name is safe only as one plain path segment: no separators, dot names, NUL or control characters', () => {
    expect(isSafeName('HST-RUECK-1.csv')).to.equal(true);
    for (const bad of ['', '.', '..', '../x.xml', 'a/b.xml', 'a\\b.xml', 'x\0.xml', 'x\n.xml', 'x\x7f.xml', 'a'.repeat(256)]) expect(isSafeName(bad), JSON.stringify(bad)).to.equal(false);
  });
});
