import { expect } from 'chai';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';
import { sendRaw } from './raw-http.js';

/** Asserts the gateway is healthy and still accepts a good message (202); `after` names what was just sent. */
export async function assertServes(port: number, after: string): Promise<void> {
  const health = await sendRaw(port, { method: 'GET', path: '/health' }, 20_000);
  expect(health.kind === 'response' && health.status, `gateway healthy after ${after}`).to.equal(200);
  const ok = await sendRaw(port, { method: 'POST', path: '/api/v1/messages', headers: [['Content-Type', 'application/xml']], body: Buffer.from(hundAnmeldung()) }, 20_000);
  const detail = ok.kind === 'response' ? ok.body.toString('utf8').slice(0, 300) : ok.kind;
  expect(ok.kind === 'response' && ok.status, `good message accepted after ${after}: ${detail}`).to.equal(202);
}
