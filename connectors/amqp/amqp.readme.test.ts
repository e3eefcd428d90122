import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { readmeConfigProblems } from '../../test/conformance/readme.js';
import { amqpConfigSchema } from './config.js';

describe('amqp091 README', () => {
  it('documents every config key with its default', () => {
    expect(readmeConfigProblems(amqpConfigSchema, fileURLToPath(new URL('./README.md', import.meta.url)))).to.deep.equal([]);
  });
});
