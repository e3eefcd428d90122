import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { readmeConfigProblems } from '../../test/conformance/readme.js';
import { httpConfigSchema } from './config.js';

describe('http README', () => {
  it('documents every config key with its default', () => {
    expect(readmeConfigProblems(httpConfigSchema, fileURLToPath(new URL('./README.md', import.meta.url)))).to.deep.equal([]);
  });
});
