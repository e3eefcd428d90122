import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import type { GatewayConfig } from '../../gateway/config/schema.js';
import { GatewayError } from '../../gateway/errors.js';
import { startGateway } from '../../gateway/server.js';
import { quietLog, startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { HttpPeer } from '../support/http-peer.js';
import { hundAnmeldung, nachweisContent } from '../support/xzsa-fixtures.js';

const HALLE = '15002000'; // Hund not delegated: straight to its Fachverfahren (HSTX legacy XML dialect here)
const MAGDEBURG = '15003000'; // Hund delegated e2e: to the ZSA queue (declares XZSA 1.1 here)
const TEST_MAPPINGS = join(PACKAGE_ROOT, 'test', 'fixtures', 'mappings');
const SAMPLE_11 = join(PACKAGE_ROOT, 'schemas-xoev', 'xzsa', '1.1', 'samples', 'valid', 'hund.anmeldung.0101.xml');
const WOHNGELD_FORM = join(PACKAGE_ROOT, 'mappings', 'efa-wohngeld-form-to-xzsa', 'fixtures', 'family-ars-two-incomes.input.json');
const FORM = join(PACKAGE_ROOT, 'mappings', 'efa-hund-form-to-xzsa', 'fixtures', 'halle-ags-reduction-transfer.input.json');

/** The 1.1 sample of the schema set as a new application (fresh ids) for `ags`. */
const v11 = (ags: string) =>
  readFileSync(SAMPLE_11, 'utf8')
    .replace(/<xzsab:nachrichtenUUID>[^<]+</, `<xzsab:nachrichtenUUID>${randomUUID()}<`)
    .replace(/<xzsab:vorgangsID>[^<]+</, `<xzsab:vorgangsID>${randomUUID()}<`)
    .replace(/<xzsab:ags>[^<]+</, `<xzsab:ags>${ags}<`);

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

/** The demo configuration with both Hund endpoints on HTTP peers and the Fachverfahren rule of the Hund route mapped by `fvMapping`. */
function config(fv: HttpPeer, zsa: HttpPeer, fvMapping: string): GatewayConfig {
  const cfg = testConfig({ endpoints: { 'fv-15002000-hund': { connector: 'http', config: { url: fv.url } }, 'zsa-hund': { connector: 'http', config: { url: zsa.url } } } });
  cfg.mappings.dirs = ['./mappings', TEST_MAPPINGS];
  cfg.mappings.ingress = [
    { mapping: 'efa-hund-form-to-xzsa', mediaType: 'application/json', formId: 'S99102013104000-FORM', services: ['hund'] },
    { mapping: 'efa-wohngeld-form-to-xzsa', mediaType: 'application/json', formId: 'S99106004001000-FORM', services: ['wohngeld'] },
  ];
  const route = cfg.routes.find((r) => r.name === 'hund-anmeldung')!;
  route.targets = route.targets.map((t) => (t.to === 'fachverfahren' ? { ...t, mapping: fvMapping } : t));
  cfg.endpoints.find((e) => e.id === 'zsa-hund')!.accepts = [{ standard: 'XZSA', version: '1.1' }];
  return cfg;
}

async function post(gw: Gateway, body: string, type = 'application/xml') {
  const res = await request(gw.url).post('/api/v1/messages').set('content-type', type).send(body);
  expect(res.status, JSON.stringify(res.body)).to.equal(202);
  return res.body as { gatewayId: string; state: string };
}

async function inState(gw: Gateway, id: string, state: string) {
  return waitFor(`message ${id} ${state}`, async () => {
    const m = await gw.services.store.getMessage(id);
    return m?.state === state ? m : undefined;
  });
}

/** Two HTTP peers (Fachverfahren Halle, ZSA) and a gateway built for them, started before and stopped after the suite. */
function peersAndGateway(make: (fv: HttpPeer, zsa: HttpPeer) => GatewayConfig): { fv: HttpPeer; zsa: HttpPeer; gw: Gateway } {
  const t = { fv: new HttpPeer(), zsa: new HttpPeer(), gw: undefined as unknown as Gateway };
  before(async () => {
    await t.fv.start();
    await t.zsa.start();
    t.gw = await startTestGateway(make(t.fv, t.zsa));
  });
  after(async () => {
    await t.gw?.stop();
    await t.fv.stop();
    await t.zsa.stop();
  });
  return t;
}

describe('pipeline: the mapped step delivers each receiver its own format and keeps every form', function () {
  this.timeout(60_000);
  const t = peersAndGateway((fv, zsa) => config(fv, zsa, 'xzsa-to-fv-legacy-xml'));

  it('delivers the route\'s mapped form to the HTTP peer with its content type, keeps the original, and records mapped with the mapping name', async () => {
    const xml = hundAnmeldung({ ags: HALLE });
    const receipt = await post(t.gw, xml);
    await inState(t.gw, receipt.gatewayId, 'delivered');
    const got = t.fv.accepted().find((r) => r.headers['x-gateway-id'] === receipt.gatewayId)!;
    expect(got.headers['content-type']).to.match(/^application\/xml/);
    expect(got.headers['x-message-form']).to.equal('xzsa-to-fv-legacy-xml');
    expect(got.body.toString('utf8')).to.match(/<HSTX_ANMELDUNG VERSION="2.3">/).and.not.include('urn:zsa-gateway:xzsa');
    expect((await t.gw.services.store.getPayload(receipt.gatewayId))!.toString('utf8')).to.equal(xml);

    const history = await t.gw.services.store.history(receipt.gatewayId);
    expect(history.map((x) => x.to)).to.deep.equal(['received', 'validated', 'routed', 'mapped', 'queued', 'delivered']);
    expect(history.find((x) => x.to === 'mapped')!.reason).to.include('xzsa-to-fv-legacy-xml');

    const forms = await request(t.gw.url).get(`/api/v1/messages/${receipt.gatewayId}/forms`);
    expect(forms.status).to.equal(200);
    expect(forms.body.items.map((f: { name: string; role: string }) => `${f.role}:${f.name}`)).to.deep.equal(['delivery:xzsa-to-fv-legacy-xml']);
    const form = await request(t.gw.url).get(`/api/v1/messages/${receipt.gatewayId}/forms/xzsa-to-fv-legacy-xml`).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(form.status).to.equal(200);
    expect((form.body as Buffer).equals(got.body)).to.equal(true);
  });

  it('takes a 1.1 application to the same Fachverfahren through the version mapping its dialect mapping reads (1.0) first', async () => {
    const receipt = await post(t.gw, v11(HALLE));
    await inState(t.gw, receipt.gatewayId, 'delivered');
    const got = t.fv.accepted().find((r) => r.headers['x-gateway-id'] === receipt.gatewayId)!;
    expect(got.body.toString('utf8')).to.match(/<HSTX_ANMELDUNG VERSION="2.3">/);
    const [form] = await t.gw.services.store.listForms(receipt.gatewayId);
    expect(form!.mapping).to.equal('xzsa-1.1-to-1.0 + xzsa-to-fv-legacy-xml');
    const reason = (await t.gw.services.store.history(receipt.gatewayId)).find((x) => x.to === 'mapped')!.reason;
    expect(reason).to.include('xzsa-1.1-to-1.0').and.include('xzsa-to-fv-legacy-xml');
  });

  it('turns a JSON form submission into an XZSA message, routes it like XML and keeps the JSON as its original form', async () => {
    const json = readFileSync(FORM, 'utf8');
    const receipt = await post(t.gw, json, 'application/json');
    const m = await inState(t.gw, receipt.gatewayId, 'delivered');
    expect(m.messageType).to.equal('hund.anmeldung.0101');
    expect(m.ags).to.equal(HALLE);
    expect((await t.gw.services.store.getPayload(receipt.gatewayId))!.toString('utf8')).to.include('urn:zsa-gateway:xzsa:1.0');
    const original = await t.gw.services.store.getForm(receipt.gatewayId, 'original');
    expect(original!.form.mapping).to.equal('efa-hund-form-to-xzsa');
    expect(original!.form.mediaType).to.equal('application/json');
    expect(original!.body.toString('utf8')).to.equal(json);
    const history = await t.gw.services.store.history(receipt.gatewayId);
    expect(history[0]!.reason).to.include('efa-hund-form-to-xzsa');
    expect(history.map((x) => x.to)).to.include('mapped');
  });

  it('takes a Wohngeld form by its own form id through its own ingress mapping, as multipart with the evidence files it lists', async () => {
    // the fixture carries another Wohngeld LeiKa key than the demo's service: take the configured one
    const leika = t.gw.services.cfg.services.find((x) => x.id === 'wohngeld')!.leika[0]!;
    const form = JSON.parse(readFileSync(WOHNGELD_FORM, 'utf8').replace(/"leikaKey": "\d{14}"/, `"leikaKey": "${leika}"`)) as { evidence: Array<{ fileName: string; size: number; sha512: string }> };
    // the demo cross-checks evidence lists (ADR 0023): list the files this test uploads
    const files = form.evidence.map((e) => nachweisContent(e.fileName));
    form.evidence.forEach((e, i) => Object.assign(e, { size: files[i]!.length, sha512: createHash('sha512').update(files[i]!).digest('hex') }));
    const json = JSON.stringify(form);
    expect((await request(t.gw.url).post('/api/v1/messages').set('content-type', 'application/json').send(json)).body.code).to.equal('GW_EVIDENCE_MISMATCH');
    let req = request(t.gw.url).post('/api/v1/messages').attach('message', Buffer.from(json), { filename: 'form.json', contentType: 'application/json' });
    form.evidence.forEach((e, i) => (req = req.attach('attachment', files[i]!, { filename: e.fileName, contentType: 'application/pdf' })));
    const res = await req;
    expect(res.status, res.text).to.equal(202);
    const m = await t.gw.services.store.getMessage(res.body.gatewayId as string);
    expect(m!.messageType).to.equal('wohngeld.antrag.0201');
    expect(m!.state).not.to.equal('dead');
    expect(m!.attachments.map((a) => a.name)).to.deep.equal(form.evidence.map((e) => e.fileName));
    const original = await t.gw.services.store.getForm(m!.id, 'original');
    expect(original!.form.mapping).to.equal('efa-wohngeld-form-to-xzsa');
    expect(original!.body.toString('utf8')).to.equal(json);
  });

  it('answers a form missing a mandatory field with 422 naming mapping, rule and path, and records the refusal', async () => {
    const form = JSON.parse(readFileSync(FORM, 'utf8')) as { applicant: Record<string, unknown>; submission: Record<string, unknown> };
    delete form.applicant['lastName'];
    form.submission['id'] = '8b3f1c20-4e6a-4d7b-a1c9-0e2f3a4b5c99';
    const res = await request(t.gw.url).post('/api/v1/messages').set('content-type', 'application/json').send(JSON.stringify(form));
    expect(res.status).to.equal(422);
    expect(res.body.code).to.equal('GW_MAPPING_FAILED');
    const named = JSON.stringify(res.body.errors);
    expect(named).to.include('efa-hund-form-to-xzsa').and.include('halter.familienname').and.include('applicant.lastName');
    const [rejection] = await t.gw.services.store.listRejections(1);
    expect(rejection!.code).to.equal('GW_MAPPING_FAILED');
    expect(rejection!.detail).to.include('efa-hund-form-to-xzsa/halter.familienname');
  });

  it('answers a code with no translation and a date in the wrong form with 422 naming mapping, rule and path (never the value), and the next good form still flows', async () => {
    type Form = { applicant: Record<string, unknown>; dog: Record<string, unknown>; submission: Record<string, unknown> };
    const bad: Array<[(f: Form) => void, string, string, string]> = [
      [(f) => { f.dog['dangerous'] = 'Kampfhund-vielleicht'; }, 'hund.kategorie.code', 'dog.dangerous', 'Kampfhund-vielleicht'],
      [(f) => { f.applicant['birthDate'] = '1984-06-15'; }, 'halter.geburtsdatum', 'applicant.birthDate', '1984-06-15'],
    ];
    for (const [edit, rule, path, value] of bad) {
      const form = JSON.parse(readFileSync(FORM, 'utf8')) as Form;
      Object.assign(form.submission, { id: randomUUID(), caseId: randomUUID() });
      edit(form);
      const res = await request(t.gw.url).post('/api/v1/messages').set('content-type', 'application/json').send(JSON.stringify(form));
      expect(res.status, rule).to.equal(422);
      expect(res.body.code).to.equal('GW_MAPPING_FAILED');
      expect(JSON.stringify(res.body.errors)).to.include('efa-hund-form-to-xzsa').and.include(rule).and.include(path);
      expect(JSON.stringify(res.body)).to.not.include(value);
    }
    const good = JSON.parse(readFileSync(FORM, 'utf8')) as Form;
    Object.assign(good.submission, { id: randomUUID(), caseId: randomUUID() });
    const ok = await post(t.gw, JSON.stringify(good), 'application/json');
    await inState(t.gw, ok.gatewayId, 'delivered');
  });

  it('hands a pull mailbox the mapped form too (Fachverfahren of a municipality that stopped delegating)', async () => {
    const DESSAU = '15001000';
    const sw = await request(t.gw.url).put(`/api/v1/admin/municipalities/${DESSAU}/delegations/hund`).set('x-actor', 'test:admin').send({ mode: 'none', reason: 'Test' });
    expect(sw.status, JSON.stringify(sw.body)).to.equal(200);
    const receipt = await post(t.gw, hundAnmeldung({ ags: DESSAU }));
    await inState(t.gw, receipt.gatewayId, 'in_mailbox');
    const fetched = await request(t.gw.url).post('/api/v1/mailboxes/fv-15001000-hund/fetch').buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(fetched.status).to.equal(200);
    expect(fetched.headers['x-gateway-id']).to.equal(receipt.gatewayId);
    expect(fetched.headers['x-message-form']).to.equal('xzsa-to-fv-legacy-xml');
    expect(fetched.headers['content-type']).to.match(/^application\/xml/);
    expect((fetched.body as Buffer).toString('utf8')).to.match(/^<\?xml[^>]*>\s*<HSTX_ANMELDUNG /);
  });

  it('answers a JSON form whose form id no ingress mapping handles with 422 naming the form id field', async () => {
    const res = await request(t.gw.url).post('/api/v1/messages').set('content-type', 'application/json').send({ form: { id: 'UNBEKANNT' } });
    expect(res.status).to.equal(422);
    expect(res.body.errors[0].path).to.equal('/form/id');
  });
});

describe('pipeline: a mapping that produces invalid output', function () {
  this.timeout(60_000);
  const t = peersAndGateway((fv, zsa) => config(fv, zsa, 'xzsa-to-test-broken-json'));

  it('keeps the message, leaves it dead with mapping and rule named, delivers nothing, and the next message still flows', async () => {
    const xml = hundAnmeldung({ ags: HALLE });
    const res = await request(t.gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(xml);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    const id = (res.body as { gatewayId: string }).gatewayId;
    const m = await t.gw.services.store.getMessage(id);
    expect(m!.state).to.equal('dead');
    expect((await t.gw.services.store.getPayload(id))!.toString('utf8')).to.equal(xml);
    const history = await t.gw.services.store.history(id);
    expect(history.map((x) => x.to)).to.deep.equal(['received', 'validated', 'routed', 'dead']);
    expect(history[3]!.reason).to.include('xzsa-to-test-broken-json').and.include('rule output').and.include('/hund/kategorie');
    expect(history[3]!.reason).not.to.include('01'); // the code value itself is never named

    const next = await post(t.gw, hundAnmeldung({ ags: MAGDEBURG }));
    await inState(t.gw, next.gatewayId, 'delivered');

    // replay maps again (still broken): back to dead with the reason, not delivered
    const replay = await request(t.gw.url).post(`/api/v1/messages/${id}/replay`).set('x-actor', 'test:admin');
    expect(replay.status, JSON.stringify(replay.body)).to.equal(200);
    await waitFor('dead again after the replay', async () => {
      const h = await t.gw.services.store.history(id);
      return h.length > 5 && h[h.length - 1]!.to === 'dead' ? h : undefined;
    });
    expect(t.fv.received.filter((r) => r.headers['x-gateway-id'] === id)).to.have.length(0);
  });
});

describe('pipeline: hund.anmeldung in XZSA 1.0 and 1.1, each receiver gets the version it declares', function () {
  this.timeout(60_000);
  const t = peersAndGateway((fv, zsa) => {
    const cfg = testConfig({ endpoints: { 'fv-15002000-hund': { connector: 'http', config: { url: fv.url } }, 'zsa-hund': { connector: 'http', config: { url: zsa.url } } } });
    cfg.endpoints.find((e) => e.id === 'zsa-hund')!.accepts = [{ standard: 'XZSA', version: '1.1' }];
    cfg.endpoints.find((e) => e.id === 'fv-15002000-hund')!.accepts = [{ standard: 'XZSA', version: '1.0' }];
    return cfg;
  });

  async function deliveredTo(peer: HttpPeer, body: string) {
    const receipt = await post(t.gw, body);
    await inState(t.gw, receipt.gatewayId, 'delivered');
    const got = peer.accepted().find((r) => r.headers['x-gateway-id'] === receipt.gatewayId)!;
    const mapped = (await t.gw.services.store.history(receipt.gatewayId)).filter((x) => x.to === 'mapped').map((x) => x.reason);
    return { text: got.body.toString('utf8'), form: got.headers['x-message-form'], mapped };
  }

  it('maps 1.0 to 1.1 for the ZSA, which declares 1.1, by itself', async () => {
    const got = await deliveredTo(t.zsa, hundAnmeldung({ ags: MAGDEBURG }));
    expect(got.form).to.equal('xzsa-1.0-to-1.1');
    expect(got.text).to.include('xmlns:xzsa="urn:zsa-gateway:xzsa:1.1"').and.include('version="1.1"');
    expect(got.mapped).to.have.length(1);
    expect(got.mapped[0]).to.include('xzsa-1.0-to-1.1');
  });

  it('delivers a 1.1 application to the ZSA as it came', async () => {
    const body = v11(MAGDEBURG);
    const got = await deliveredTo(t.zsa, body);
    expect(got.form).to.equal(undefined);
    expect(got.text).to.equal(body);
    expect(got.mapped).to.deep.equal([]);
  });

  it('maps 1.1 to 1.0 for the Fachverfahren that declares 1.0, and leaves its 1.0 applications alone', async () => {
    const down = await deliveredTo(t.fv, v11(HALLE));
    expect(down.form).to.equal('xzsa-1.1-to-1.0');
    expect(down.text).to.include('xmlns:xzsa="urn:zsa-gateway:xzsa:1.0"').and.include('version="1.0"');
    const same = hundAnmeldung({ ags: HALLE });
    const plain = await deliveredTo(t.fv, same);
    expect(plain.form).to.equal(undefined);
    expect(plain.text).to.equal(same);
  });
});

describe('pipeline: mappings the configuration names must exist', function () {
  this.timeout(30_000);

  it('refuses to start, listing every unknown mapping with its config path', async () => {
    const cfg = testConfig();
    const route = cfg.routes.findIndex((r) => r.name === 'hund-anmeldung');
    cfg.routes[route]!.targets[0] = { ...cfg.routes[route]!.targets[0]!, mapping: 'no-such-dialect' };
    cfg.mappings.ingress = [{ mapping: 'no-such-form', mediaType: 'application/json', formId: 'F' }];
    let refused: unknown;
    try {
      const gw = await startGateway(cfg, { log: quietLog(), port: 0, host: '127.0.0.1' });
      await gw.close();
    } catch (err) {
      refused = err;
    }
    expect(refused).to.be.instanceOf(GatewayError);
    expect((refused as GatewayError).code).to.equal('GW_CONFIG_INVALID');
    expect((refused as GatewayError).issues.map((i) => i.path)).to.deep.equal([`routes[${route}].targets[0].mapping`, 'mappings.ingress[0].mapping']);
  });
});
