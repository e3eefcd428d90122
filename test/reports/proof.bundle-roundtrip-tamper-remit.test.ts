import { expect } from 'chai';
import type { JWK } from 'jose';
import request from 'supertest';
import { buildProofBundle, type ProofBundle } from '../../gateway/reports/proof-bundle.js';
import { verifyProofBundle, type ProofVerdict } from '../../gateway/reports/proof-verify.js';
import { requiredAuthConfig, tokenFor, type DemoClient } from '../auth/oauth-fixture.js';
import { signingKeys } from '../crypto/support.js';
import { startTestGateway, waitFor } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

const MD = '15003000'; // Magdeburg delegates Hund to the ZSA (e2e): the application goes to the ZSA's queue
const failed = (v: ProofVerdict) => v.checks.filter((c) => !c.ok).map((c) => c.check);
const copy = (b: ProofBundle): ProofBundle => JSON.parse(JSON.stringify(b)) as ProofBundle;

describe('proof of delivery: bundle over HTTP, offline verification, tampering, remit', function () {
  this.timeout(120_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const tokens = new Map<DemoClient, string>();
  const as = async (who: DemoClient) => {
    if (!tokens.has(who)) tokens.set(who, await tokenFor(gw.url, who));
    return `Bearer ${tokens.get(who)!}`;
  };
  let id: string;
  let vorgang: string;
  let bundle: ProofBundle;
  let jwks: { keys: JWK[] };

  before(async () => {
    gw = await startTestGateway(requiredAuthConfig());
    const xml = hundAnmeldung({ ags: MD });
    const r = await request(gw.url).post('/api/v1/messages').set('authorization', await as('efa-hund-lsa')).set('content-type', 'application/xml').send(xml);
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
    id = r.body.gatewayId ?? r.body.id;
    vorgang = /<xzsab:vorgangsID>([^<]+)</.exec(xml)![1]!;
    await waitFor('in the ZSA mailbox', async () => ((await gw.services.store.getMessage(id))?.state === 'in_mailbox' ? true : undefined));
    // the submission's audit entry is written once its answer is sent
    await waitFor('audit entry of the submission', async () => ((await gw.services.audit!.list({ target: `message:${id}` })).length > 0 ? true : undefined));
    const res = await request(gw.url).get(`/api/v1/messages/${id}/proof`).set('authorization', await as('betrieb'));
    expect(res.status, res.text.slice(0, 300)).to.equal(200);
    expect(res.headers['content-type']).to.match(/^application\/json/);
    expect(res.headers['content-disposition']).to.match(/attachment; filename="zustellnachweis-/);
    bundle = JSON.parse(res.text) as ProofBundle;
    jwks = (await request(gw.url).get('/.well-known/jwks.json')).body as { keys: JWK[] };
  });
  after(() => gw?.stop());

  it('the bundle verifies offline, alone and against the pinned JWKS', async () => {
    expect(bundle.subject).to.equal(`message:${id}`);
    expect(bundle.messages[0]!.transitions.map((t) => t.to)).to.deep.equal(['received', 'validated', 'routed', 'queued', 'in_mailbox']);
    expect(bundle.audit.entries.length).to.be.greaterThan(0);
    const alone = await verifyProofBundle(bundle);
    expect(alone.ok, JSON.stringify(alone.checks)).to.equal(true);
    const pinned = await verifyProofBundle(bundle, { jwks });
    expect(pinned.ok, JSON.stringify(pinned.checks)).to.equal(true);
  });

  it('carries no payload and no citizen data: ids, types, times, states and hashes', () => {
    const text = JSON.stringify(bundle);
    for (const s of ['Erika', 'Testfrau', 'Bello', 'DE02120300000000202051', '276000000000001', 'xzsa:']) expect(text, s).to.not.include(s);
  });

  it('a changed state fails', async () => {
    const b = copy(bundle);
    b.messages[0]!.state = 'delivered';
    expect(failed(await verifyProofBundle(b))).to.include.members(['manifest', 'history']);
  });

  it('a removed event fails, also when its transition is removed with it', async () => {
    const b = copy(bundle);
    b.messages[0]!.events.splice(2, 1);
    expect(failed(await verifyProofBundle(b))).to.include.members(['manifest', 'events']);
    const c = copy(bundle);
    c.messages[0]!.events.splice(2, 1);
    c.messages[0]!.transitions.splice(2, 1);
    expect(failed(await verifyProofBundle(c))).to.include.members(['manifest', 'history']);
  });

  it('a changed audit entry fails', async () => {
    const b = copy(bundle);
    b.audit.entries[0]!.actor = 'participant:halle';
    expect(failed(await verifyProofBundle(b))).to.include.members(['manifest', 'audit']);
    const c = copy(bundle);
    c.audit.entries.splice(0, 1);
    expect(failed(await verifyProofBundle(c))).to.include('manifest');
  });

  it('a changed receipt field, time or hash fails', async () => {
    const b = copy(bundle);
    b.messages[0]!.sha512 = 'a'.repeat(128);
    expect(failed(await verifyProofBundle(b))).to.include.members(['manifest', 'receipt']);
    const c = copy(bundle);
    c.messages[0]!.transitions[4]!.at = new Date(Date.parse(c.messages[0]!.transitions[4]!.at) + 3_600_000).toISOString();
    expect(failed(await verifyProofBundle(c))).to.include.members(['manifest', 'events']);
  });

  it('a swapped key fails; a bundle re-signed entirely with another key passes alone but fails against the pinned JWKS', async () => {
    const kid = bundle.keys.keys[0]!.kid!;
    const other = signingKeys('proof-attacker', kid);
    const b = copy(bundle);
    b.keys = { keys: [other.publicJwk] };
    expect(failed(await verifyProofBundle(b))).to.include.members(['manifest', 'receipt', 'events', 'audit']);
    const forged = await buildProofBundle({ audit: gw.services.audit!, issuer: bundle.issuer, signingKey: other.privateJwk }, { kind: 'message', id }, await gw.services.store.proofSnapshot({ kind: 'message', id }));
    expect((await verifyProofBundle(forged)).ok).to.equal(true);
    const v = await verifyProofBundle(forged, { jwks });
    expect(v.ok).to.equal(false);
    expect(failed(v)).to.include.members(['keys', 'manifest', 'receipt']);
  });

  it('malformed bundles get a verdict, not a crash', async () => {
    for (const bad of [null, [], 'x', { format: 'zsa-gateway/proof/v1' }, { ...copy(bundle), messages: [{ id: 1 }] }, { ...copy(bundle), manifest: 'a.b.c' }]) {
      const v = await verifyProofBundle(bad);
      expect(v.ok, JSON.stringify(bad).slice(0, 60)).to.equal(false);
    }
  });

  it('HTML page and PDF (German: Zustellnachweis)', async () => {
    const html = await request(gw.url).get(`/api/v1/messages/${id}/proof?format=html`).set('authorization', await as('betrieb'));
    expect(html.status).to.equal(200);
    expect(html.headers['content-type']).to.match(/^text\/html/);
    expect(html.text).to.include('<html lang="de">').and.include('Zustellnachweis').and.include(id).and.include('im Postfach bereitgestellt');
    expect(html.text).to.not.include('<script');
    const pdf = await request(gw.url).get(`/api/v1/messages/${id}/proof?format=pdf`).set('authorization', await as('betrieb')).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(pdf.status).to.equal(200);
    expect(pdf.headers['content-type']).to.equal('application/pdf');
    expect((pdf.body as Buffer).subarray(0, 5).toString()).to.equal('%PDF-');
    const bad = await request(gw.url).get(`/api/v1/messages/${id}/proof?format=docx`).set('authorization', await as('betrieb'));
    expect(bad.status).to.equal(400);
    expect(bad.body.errors[0].path).to.equal('query.format');
  });

  it('remit: only who sent or received the message gets its proof', async () => {
    const status = async (who: DemoClient, path: string) => {
      const r = await request(gw.url).get(path).set('authorization', await as(who));
      return `${who} ${r.status}${r.body?.rule ? ` ${r.body.rule}` : ''}`;
    };
    const msg = `/api/v1/messages/${id}/proof`;
    expect([await status('efa-hund-lsa', msg), await status('zsa-lsa', msg), await status('admin', msg)]).to.deep.equal(['efa-hund-lsa 200', 'zsa-lsa 200', 'admin 200']);
    // Magdeburg's own AGS, but it neither sent nor received the application (it went to the ZSA); Halle is another tenant
    expect([await status('magdeburg', msg), await status('fv-15003000-hund', msg), await status('halle', msg)]).to.deep.equal(['magdeburg 403 proof.own', 'fv-15003000-hund 403 proof.own', 'halle 403 proof.own']);
    expect(await status('halle', `/api/v1/messages/${id.toUpperCase()}/proof`)).to.match(/^halle (403|404)/);
    expect(await status('halle', '/api/v1/messages/00000000-0000-4000-8000-000000000000/proof')).to.equal('halle 404');
  });

  it('a municipality gets the proof of an application delivered to its own Fachverfahren', async () => {
    // Halle (15002000) keeps Hund: the application goes to its Fachverfahren's endpoint
    const r = await request(gw.url).post('/api/v1/messages').set('authorization', await as('efa-hund-lsa')).set('content-type', 'application/xml').send(hundAnmeldung({ ags: '15002000' }));
    expect(r.status).to.equal(202);
    const halleId: string = r.body.gatewayId ?? r.body.id;
    // a bundle taken while the outbox moves the message can mix states (known race, closing note of session 4): wait until it rests in the mailbox
    for (let i = 0; i < 200 && (await gw.services.store.getMessage(halleId))?.state !== 'in_mailbox'; i++) await new Promise((res) => setTimeout(res, 50));
    const mine = await request(gw.url).get(`/api/v1/messages/${halleId}/proof`).set('authorization', await as('halle'));
    expect(mine.status).to.equal(200);
    expect((await verifyProofBundle(JSON.parse(mine.text), { jwks })).ok).to.equal(true);
    const other = await request(gw.url).get(`/api/v1/messages/${halleId}/proof`).set('authorization', await as('magdeburg'));
    expect([other.status, other.body.rule]).to.deep.equal([403, 'proof.own']);
  });

  it('a Vorgang\'s proof holds only the caller\'s messages; non-parties are refused', async () => {
    const path = `/api/v1/vorgaenge/${encodeURIComponent(vorgang)}/proof`;
    const zsa = await request(gw.url).get(path).set('authorization', await as('zsa-lsa'));
    expect(zsa.status).to.equal(200);
    const b = JSON.parse(zsa.text) as ProofBundle;
    expect(b.subject).to.equal(`vorgang:${vorgang}`);
    expect(b.messages.map((m) => m.id)).to.deep.equal([id]);
    expect((await verifyProofBundle(b, { jwks })).ok).to.equal(true);
    const halle = await request(gw.url).get(path).set('authorization', await as('halle'));
    expect([halle.status, halle.body.rule]).to.deep.equal([403, 'vorgang.party']);
    const md = await request(gw.url).get(path).set('authorization', await as('magdeburg'));
    expect(md.status).to.equal(403);
    expect(['vorgang.party', 'proof.own']).to.include(md.body.rule);
    const none = await request(gw.url).get('/api/v1/vorgaenge/no-such-case/proof').set('authorization', await as('betrieb'));
    expect(none.status).to.equal(404);
    const anon = await request(gw.url).get(path);
    expect(anon.status).to.equal(401);
  });
});
