/**
 * A form submission is mapped to XZSA and the mapping checks its output with the gateway's
 * validator. The pipeline takes that verdict instead of validating the same XML again when the
 * route sets no strictness of its own; with a route strictness it validates again under it.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import type { GatewayConfig } from '../../gateway/config/schema.js';
import type { StrictnessPolicy } from '../../gateway/validation/types.js';
import { startTestGateway, testConfig } from '../support/gateway.js';

const FORM = join(PACKAGE_ROOT, 'mappings', 'efa-hund-form-to-xzsa', 'fixtures', 'halle-ags-reduction-transfer.input.json');

/** The Hund form with fresh submission and case ids (idempotency must not answer from the store). */
const form = (): string => {
  const doc = JSON.parse(readFileSync(FORM, 'utf8')) as { submission: { id: string; caseId: string } };
  doc.submission.id = randomUUID();
  doc.submission.caseId = randomUUID();
  return JSON.stringify(doc);
};

function config(routeStrictness: boolean): GatewayConfig {
  const cfg = testConfig();
  // the calls are counted on the main thread's validator: the steps run there (the worker threads run the same LocalSteps)
  cfg.ingress.workers = 'inline';
  cfg.mappings.ingress = [{ mapping: 'efa-hund-form-to-xzsa', mediaType: 'application/json', formId: 'S99102013104000-FORM', services: ['hund'] }];
  if (routeStrictness) cfg.routes.find((r) => r.name === 'hund-anmeldung')!.strictness = { identity: 'reject' };
  return cfg;
}

/** Starts a gateway and counts the calls of its validator (the instance the mappings and the pipeline share). */
async function counted(routeStrictness: boolean) {
  const gw = await startTestGateway(config(routeStrictness));
  const v = gw.services.validator;
  const calls: Array<StrictnessPolicy | undefined> = [];
  const check = v.check.bind(v);
  v.check = (xml, policy) => {
    calls.push(policy);
    return check(xml, policy);
  };
  return { gw, calls };
}

describe('pipeline: a mapped form is validated once unless the route sets its own strictness', () => {
  it('no route strictness: the mapping\'s verdict is taken, the XML is validated once, and the form is accepted', async () => {
    const { gw, calls } = await counted(false);
    try {
      const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/json').send(form());
      expect(res.status, res.text).to.equal(202);
      expect(calls.length).to.equal(1);
      expect(calls[0]).to.equal(undefined); // the mapping's check: the standard's strictness
      const m = await gw.services.store.getMessage(res.body.gatewayId as string);
      expect(m?.messageType).to.equal('hund.anmeldung.0101');
    } finally {
      await gw.stop();
    }
  });

  it('a route strictness: validated again under the route\'s policy', async () => {
    const { gw, calls } = await counted(true);
    try {
      const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/json').send(form());
      expect(res.status, res.text).to.equal(202);
      expect(calls.length).to.equal(2);
      expect(calls[1]).to.be.a('function');
    } finally {
      await gw.stop();
    }
  });
});
