/**
 * `ingress.workers` (ADR 0047): how many worker threads each setting starts, and the route
 * strictness the workers use without a Router (`strictnessOf`) is the Router's answer.
 */
import { expect } from 'chai';
import { workerThreads } from '../../gateway/ingress/steps/index.js';
import type { MessageHeader } from '../../gateway/model/index.js';
import { strictnessOf } from '../../gateway/routing/route-match.js';
import { Router } from '../../gateway/routing/router.js';
import type { MessageStore } from '../../gateway/store/types.js';
import { testConfig } from '../support/gateway.js';

describe('ingress.workers: threads per setting, and the workers\' route strictness', () => {
  it('auto starts one thread per core beyond the first, at most 2, and none on a single core', () => {
    expect([1, 2, 3, 4, 16].map((cores) => workerThreads('auto', cores))).to.deep.equal([0, 1, 2, 2, 2]);
    expect(workerThreads('inline', 8)).to.equal(0);
    expect(workerThreads(3, 2)).to.equal(3);
  });

  it('strictnessOf answers as Router.strictnessFor for matching and non-matching headers', () => {
    const cfg = testConfig();
    cfg.routes.find((r) => r.name === 'hund-anmeldung')!.strictness = { identity: 'warn', byRule: { 'rules.x.y': 'reject' } };
    const router = new Router(cfg, {} as MessageStore);
    const base = { author: 'a', reader: 'r', messageUuid: 'u', messageType: 'hund.anmeldung.0101', namespace: '', leika: '', ags: '15003000', vorgangId: 'v', createdAt: '', standard: 'XZSA', version: '1.1' } as MessageHeader;
    const headers = [base, { ...base, messageType: 'hund.steuerfestsetzung.0102' }, { ...base, messageType: 'no.such.type' }, { ...base, ags: '150030000000' }];
    let strict = 0;
    for (const h of headers) {
      const expected = router.strictnessFor(h);
      if (expected !== undefined) strict++;
      expect(strictnessOf(cfg.routes, h), h.messageType).to.deep.equal(expected);
    }
    expect(strict, 'the route with a strictness matched').to.be.greaterThan(0);
  });
});
