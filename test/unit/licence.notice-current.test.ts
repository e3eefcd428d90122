import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { noticeText, runtimePackages } from '../../gateway/licences/notice.js';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { license: string; dependencies: Record<string, string> };

describe('licence: LICENSE and NOTICE', () => {
  it('LICENSE holds the official EUPL-1.2 text named in package.json', () => {
    expect(pkg.license).to.equal('EUPL-1.2');
    const text = readFileSync(new URL('LICENSE', root), 'utf8');
    expect(text.split('\n')[0]).to.equal('EUROPEAN UNION PUBLIC LICENCE v. 1.2');
    // the appendix of compatible licences closes the official text
    expect(text).to.contain('Appendix');
    expect(text).to.contain('European Union Public Licence');
  });

  it('NOTICE lists exactly the runtime packages the lock file installs (run `npm run docs:notice`)', () => {
    expect(readFileSync(new URL('NOTICE', root), 'utf8')).to.equal(noticeText());
  });

  it('every direct runtime dependency is in NOTICE with a known licence, and no dev-only tool is', () => {
    const listed = runtimePackages();
    const names = new Set(listed.map((p) => p.name));
    for (const dep of Object.keys(pkg.dependencies)) expect(names.has(dep), dep).to.equal(true);
    for (const p of listed) expect(p.licence, p.name).to.not.equal('UNKNOWN');
    for (const devOnly of ['mocha', 'typescript', 'tsx', 'chai']) expect(names.has(devOnly), devOnly).to.equal(false);
  });
});
