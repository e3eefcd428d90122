import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startTestGateway, testConfig } from '../support/gateway.js';
import {
  nachweis, nachweisContent, wohngeldAntrag, wohngeldNachforderung, wohngeldNachreichung, wohngeldWeiterleitung, type NachweisFixture,
} from '../support/xzsa-fixtures.js';

/**
 * The evidence cross-check (ADR 0023) over HTTP, on the demo configuration with
 * `services[].evidence` set for Wohngeld as XZSA lists it (`nachweise/nachweis`, `sha512`,
 * `groesse`): what a message lists must be an attachment of it or of an earlier message of
 * its Vorgang. Magdeburg delegates the completeness check: application and Nachreichung go to
 * the ZSA, the case file (weiterleitung) to the Fachverfahren.
 */
describe('evidence: listed evidence must be attached to the message or its Vorgang', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    const cfg = testConfig();
    cfg.services.find((s) => s.id === 'wohngeld')!.evidence = { item: 'nachweise/nachweis', sha512: 'sha512', size: 'groesse' };
    gw = await startTestGateway(cfg);
  });
  after(() => gw?.stop());

  const MIETVERTRAG = nachweis('01', 'mietvertrag.pdf');
  const LOHN = nachweis('03', 'lohnabrechnung-2025-02.pdf');
  const HEIZKOSTEN = nachweis('06', 'heizkostenabrechnung-2024.pdf');

  /** Posts the XML with each listed evidence's synthetic bytes as a multipart part. */
  const post = (xml: string, attach: readonly NachweisFixture[] = []) => {
    let req = request(gw.url).post('/api/v1/messages').field('message', xml);
    for (const n of attach) req = req.attach('attachment', nachweisContent(n.dateiname), { filename: n.dateiname, contentType: n.mimeType });
    return req;
  };
  const uuidOf = (xml: string): string => /<xzsab:nachrichtenUUID>([^<]+)</.exec(xml)![1]!;

  /** Expects a GW_EVIDENCE_MISMATCH naming exactly `issues` ([path, rule]) and nothing of the evidence itself. */
  async function refusedFor(res: request.Response, listed: readonly NachweisFixture[], issues: Array<[string, string]>, xml: string): Promise<void> {
    expect(res.status, res.text).to.equal(422);
    expect(res.body.code, res.text).to.equal('GW_EVIDENCE_MISMATCH');
    expect((res.body.errors as Array<{ path: string; rule: string }>).map((i) => [i.path, i.rule])).to.deep.equal(issues);
    for (const n of listed) {
      expect(res.text).to.not.include(n.dateiname);
      expect(res.text).to.not.include(n.sha512);
    }
    const rejections = await gw.services.store.listRejections(20);
    expect(rejections.find((r) => r.messageUuid === uuidOf(xml))?.code).to.equal('GW_EVIDENCE_MISMATCH');
  }

  /** An application of Magdeburg with both documents attached, the ZSA's Nachforderung and the citizen's Nachreichung. */
  async function caseWithNachreichung(): Promise<{ vorgangId: string; antragUuid: string; nachreichungUuid: string }> {
    const vorgangId = randomUUID();
    const antrag = wohngeldAntrag({ vorgangId });
    expect((await post(antrag, [MIETVERTRAG, LOHN])).status).to.equal(202);
    const nachforderung = wohngeldNachforderung({ vorgangId, antragUuid: uuidOf(antrag), author: 'zsa:lsa', reader: 'fv:15003000-wohngeld' });
    expect((await post(nachforderung)).status).to.equal(202);
    const nachreichung = wohngeldNachreichung({ vorgangId, nachforderungUuid: uuidOf(nachforderung), nachweise: [HEIZKOSTEN] });
    const res = await post(nachreichung, [HEIZKOSTEN]);
    expect(res.status, res.text).to.equal(202);
    return { vorgangId, antragUuid: uuidOf(antrag), nachreichungUuid: uuidOf(nachreichung) };
  }

  it('refuses an application listing a document it does not attach, naming the entry and the rule', async () => {
    const xml = wohngeldAntrag({ nachweise: [MIETVERTRAG, LOHN] });
    const res = await post(xml, [MIETVERTRAG]);
    await refusedFor(res, [MIETVERTRAG, LOHN], [['/wohngeld.antrag.0201/nachweise/nachweis[2]/sha512', 'evidence.not-attached']], xml);
  });

  it('accepts the application with every listed document attached, and keeps the attachments', async () => {
    const res = await post(wohngeldAntrag({ nachweise: [MIETVERTRAG, LOHN] }), [MIETVERTRAG, LOHN]);
    expect(res.status, res.text).to.equal(202);
    const m = await gw.services.store.getMessage(res.body.gatewayId as string);
    expect(m!.attachments.map((a) => a.sha512).sort()).to.deep.equal([MIETVERTRAG.sha512, LOHN.sha512].sort());
  });

  it('accepts a case file listing the evidence of the application and of a Nachreichung, without attaching it again', async () => {
    const c = await caseWithNachreichung();
    const res = await post(wohngeldWeiterleitung({ vorgangId: c.vorgangId, antragUuid: c.antragUuid, nachreichungUuids: [c.nachreichungUuid], nachweise: [MIETVERTRAG, LOHN, HEIZKOSTEN] }));
    expect(res.status, res.text).to.equal(202);
    expect((await gw.services.store.getMessage(res.body.gatewayId as string))!.endpointId).to.equal('fv-15003000-wohngeld');
  });

  it('refuses a case file listing evidence that only another Vorgang holds', async () => {
    const other = await caseWithNachreichung(); // HEIZKOSTEN is there; the case below never had it
    const vorgangId = randomUUID();
    const antrag = wohngeldAntrag({ vorgangId });
    expect((await post(antrag, [MIETVERTRAG, LOHN])).status).to.equal(202);
    const foreign = nachweis('06', 'heizkostenabrechnung-2024.pdf');
    expect(foreign.sha512).to.equal(HEIZKOSTEN.sha512);
    const xml = wohngeldWeiterleitung({ vorgangId, antragUuid: uuidOf(antrag), nachreichungUuids: [other.nachreichungUuid], nachweise: [MIETVERTRAG, LOHN, foreign] });
    await refusedFor(await post(xml), [MIETVERTRAG, LOHN, foreign], [['/wohngeld.weiterleitung.0205/nachweise/nachweis[3]/sha512', 'evidence.not-attached']], xml);
  });

  it('refuses a case file listing an unknown hash', async () => {
    const c = await caseWithNachreichung();
    const unknown: NachweisFixture = { ...nachweis('99', 'sonstiges.pdf'), sha512: 'ab'.repeat(64) };
    const xml = wohngeldWeiterleitung({ vorgangId: c.vorgangId, antragUuid: c.antragUuid, nachreichungUuids: [c.nachreichungUuid], nachweise: [MIETVERTRAG, unknown, HEIZKOSTEN] });
    await refusedFor(await post(xml), [unknown], [['/wohngeld.weiterleitung.0205/nachweise/nachweis[2]/sha512', 'evidence.not-attached']], xml);
  });

  it('refuses an entry whose size is not that of the attachment with its hash', async () => {
    const c = await caseWithNachreichung();
    const resized: NachweisFixture = { ...LOHN, groesse: LOHN.groesse! + 1 };
    const xml = wohngeldWeiterleitung({ vorgangId: c.vorgangId, antragUuid: c.antragUuid, nachreichungUuids: [c.nachreichungUuid], nachweise: [MIETVERTRAG, resized, HEIZKOSTEN] });
    await refusedFor(await post(xml), [resized], [['/wohngeld.weiterleitung.0205/nachweise/nachweis[2]/groesse', 'evidence.size-mismatch']], xml);
  });

  it('refuses a Nachreichung listing a document it does not attach; an entry without size is checked by hash alone', async () => {
    const c = await caseWithNachreichung();
    const xml = wohngeldNachreichung({ vorgangId: c.vorgangId, nachweise: [{ ...nachweis('07', 'kontoauszug.pdf'), groesse: undefined }] });
    await refusedFor(await post(xml), [], [['/wohngeld.nachreichung.0204/nachweise/nachweis[1]/sha512', 'evidence.not-attached']], xml);
    const unsized = { ...nachweis('07', 'kontoauszug.pdf'), groesse: undefined };
    const res = await post(wohngeldNachreichung({ vorgangId: c.vorgangId, nachweise: [unsized] }), [unsized]);
    expect(res.status, res.text).to.equal(202);
  });
});
