import { expect } from 'chai';
import { CONNECTORS } from './index.js';

describe('connectors/index.ts: every connector declares its sides', () => {
  for (const [key, spec] of Object.entries(CONNECTORS)) {
    it(`${key}: direction ${spec.direction} matches create/createIngress, and the name is its key`, () => {
      expect(spec.name).to.equal(key);
      expect(spec.create !== undefined, 'egress side').to.equal(spec.direction === 'egress' || spec.direction === 'both');
      expect(spec.createIngress !== undefined, 'ingress side').to.equal(spec.direction === 'ingress' || spec.direction === 'both');
      expect(spec.ingressConfigSchema === undefined || spec.createIngress !== undefined, 'an ingress schema needs an ingress side').to.equal(true);
      expect(spec.maxInFlight).to.be.greaterThan(0);
    });
  }

  it('the reply queue is an ingress like any other (amqp091 has both sides)', () => {
    expect(CONNECTORS['amqp091']?.direction).to.equal('both');
  });
});
