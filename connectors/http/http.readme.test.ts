import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { readmeConfigProblems } from '../../test/conformance/readme.js';
import { readFileSync } from 'node:fs';
import { WIRE_HEADERS } from '../../gateway/model/wire-headers.js';
import { httpConfigSchema } from './config.js';

describe('http README', () => {
  it('documents every wire header the connector sends (gateway/model/wire-headers.ts)', () => {
    const readme = readFileSync(fileURLToPath(new URL('./README.md', import.meta.url)), 'utf8');
    expect(WIRE_HEADERS.map((h) => h.name).filter((name) => !readme.includes(`\`${name}\``))).to.deep.equal([]);
  });

  it('documents every config key with its default', () => {
    expect(readmeConfigProblems(httpConfigSchema, fileURLToPath(new URL('./README.md', import.meta.url)))).to.deep.equal([]);
  });
});
