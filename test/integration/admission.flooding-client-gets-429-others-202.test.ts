import { expect } from 'chai';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import request from 'supertest';
import { requiredAuthConfig, tokenFor } from '../auth/oauth-fixture.js';
import { startTestGateway } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

/** Waits (bounded) until `ok()` holds; the condition, not the time, decides. */
async function until(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(ok(), what).to.equal(true);
}

/** A POST whose body is announced but only half sent: it stays in flight until `finish` sends the rest. */
function heldPost(url: string, token: string, body: Buffer): { req: ClientRequest; answer: Promise<IncomingMessage>; finish(): void } {
  const u = new URL('/api/v1/messages', url);
  const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml', 'content-length': body.length } });
  const answer = new Promise<IncomingMessage>((ok, fail) => {
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => ok(res));
    });
    req.once('error', fail);
  });
  req.write(body.subarray(0, body.length >> 1));
  return { req, answer, finish: () => req.end(body.subarray(body.length >> 1)) };
}

/**
 * Per-client fairness of admission control (ADR 0036): a participant that fills the gateway's
 * ingress with requests in flight is refused with 429 GW_CLIENT_OVER_SHARE and Retry-After
 * before its body is read, while another participant under its share is still taken (202).
 * The flooder's admitted requests are answered normally once their bodies arrive.
 */
describe('admission: a flooding client gets 429, another client still gets 202', function () {
  this.timeout(60_000);

  it('holds the flooder at its share of maxInFlight and keeps a slot for the other client', async () => {
    const cfg = requiredAuthConfig();
    cfg.ingress.admission = { ...cfg.ingress.admission, maxInFlight: 4, maxInFlightPerClient: 50 };
    const gw = await startTestGateway(cfg);
    try {
      const flooder = await tokenFor(gw.url, 'magdeburg');
      const other = await tokenFor(gw.url, 'efa-hund-lsa');
      const junk = Buffer.from(`<x>${'a'.repeat(4000)}</x>`);
      const held = Array.from({ length: cfg.ingress.admission.maxInFlight }, () => heldPost(gw.url, flooder, junk));
      await until(() => gw.admission.state().inFlight === held.length, 'the flooder holds every slot of maxInFlight');
      expect(gw.admission.state().clients).to.equal(1);

      const refused = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${flooder}`).set('content-type', 'application/xml').send(hundAnmeldung({ author: 'ags:15003000' }));
      expect(refused.status, refused.text).to.equal(429);
      expect(refused.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(refused.body).to.include({ code: 'GW_CLIENT_OVER_SHARE', share: cfg.ingress.admission.maxInFlight, inFlight: cfg.ingress.admission.maxInFlight });
      expect(Number(refused.headers['retry-after'])).to.equal(cfg.ingress.admission.retryAfterSeconds);

      // the same participant under another spelling of its credentials is still the same client
      const again = await tokenFor(gw.url, 'magdeburg', 'municipality');
      const refusedAgain = await request(gw.url).post('/api/v1/attachments').set('authorization', `Bearer ${again}`).set('content-type', 'application/pdf').send(Buffer.from('%PDF-1.4'));
      expect(refusedAgain.status, refusedAgain.text).to.equal(429);

      const xml = hundAnmeldung();
      const taken = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${other}`).set('content-type', 'application/xml').send(xml);
      expect(taken.status, taken.text).to.equal(202);
      expect(await gw.services.store.getMessage(taken.body.gatewayId)).to.not.equal(null);

      for (const h of held) h.finish();
      const answers = await Promise.all(held.map((h) => h.answer));
      // admitted requests get their own answer (the junk is refused as XML), never an admission refusal or a 5xx
      for (const a of answers) expect(a.statusCode).to.be.within(400, 499).and.not.equal(429);
      await until(() => gw.admission.state().inFlight === 0, 'every slot is released once answered');
      expect(gw.admission.state().refused['over-share']).to.equal(2);

      const after = await request(gw.url).post('/api/v1/attachments').set('authorization', `Bearer ${flooder}`).set('content-type', 'application/pdf').send(Buffer.from('%PDF-1.4 after'));
      expect(after.status, after.text).to.equal(201);
    } finally {
      await gw.stop();
    }
  });
});
