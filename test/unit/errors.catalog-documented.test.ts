import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ERROR_CATALOG, GatewayError, problemType, toProblem } from '../../gateway/errors.js';

describe('error catalog', () => {
  const documented = [...readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8').matchAll(/^### (GW_[A-Z_]+)$/gm)].map((m) => m[1]);

  it('documents every code in docs/errors.md and documents no code that does not exist', () => {
    expect([...documented].sort()).to.deep.equal(Object.keys(ERROR_CATALOG).sort());
  });

  it('gives each code a distinct problem type URI', () => {
    const types = Object.keys(ERROR_CATALOG).map((c) => problemType(c as keyof typeof ERROR_CATALOG));
    expect(new Set(types).size).to.equal(types.length);
  });

  it('renders problem details with the catalog status and the findings', () => {
    const p = toProblem(new GatewayError('GW_XSD_INVALID', 'bad', { issues: [{ message: 'x', line: 3, column: 7, path: '/a/b' }] }), '/api/v1/messages');
    expect(p).to.include({ status: 422, code: 'GW_XSD_INVALID', type: 'urn:zsa-gateway:problem:xsd-invalid', instance: '/api/v1/messages' });
    expect(p.errors).to.deep.equal([{ message: 'x', line: 3, column: 7, path: '/a/b' }]);
  });

  it('never leaks the message of an unexpected error', () => {
    const p = toProblem(new Error('secret database path /var/x'));
    expect(p.code).to.equal('GW_INTERNAL');
    expect(p.detail).to.not.contain('secret');
  });
});
