import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { readmeConfigProblems } from '../../test/conformance/readme.js';
import { amqpConfigSchema } from './config.js';
import { amqpIngressConfigSchema } from './ingress.js';

const README = fileURLToPath(new URL('./README.md', import.meta.url));

describe('amqp091 README', () => {
  it('documents every egress config key with its default', () => {
    expect(readmeConfigProblems(amqpConfigSchema, README)).to.deep.equal([]);
  });

  it('documents every ingress config key with its default', () => {
    expect(readmeConfigProblems(amqpIngressConfigSchema, README, '## Ingress configuration')).to.deep.equal([]);
  });
});
