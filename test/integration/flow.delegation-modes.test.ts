import { expect } from 'chai';
import request from 'supertest';
import { withListedEvidence } from '../support/evidence.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import {
  hundAnmeldung, hundFreigabe, hundSteuerfestsetzung, wohngeldAntrag, wohngeldNachforderung, wohngeldNachreichung,
  wohngeldPruefergebnis, wohngeldWeiterleitung, type FixtureOptions,
} from '../support/xzsa-fixtures.js';

/**
 * The message paths of each delegation mode (ADR 0021, gateway/config/demo.yaml), played over
 * HTTP against the demo configuration (auth.mode off: the header's author is checked by the
 * remit as on every channel). Each step posts one message and asserts the mailbox it reached,
 * or the rule that refused it:
 *   e2e            the ZSA does the whole process, citizen contact included;
 *   backoffice     the whole process, but messages to and from the citizen go through the municipality;
 *   prozessschritt the completeness check only: the ZSA's results go to the municipality, the
 *                  citizen's evidence straight to the check;
 *   none           the municipality alone, the ZSA has no part.
 */
describe('flow: each delegation mode has its own message paths', function () {
  this.timeout(120_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    gw = await startTestGateway(testConfig());
  });
  after(() => gw?.stop());

  const uuidOf = (xml: string): string => /<xzsab:nachrichtenUUID>([^<]+)</.exec(xml)![1]!;
  const vorgangOf = (xml: string): string => /<xzsab:vorgangsID>([^<]+)</.exec(xml)![1]!;

  /** Posts the message and returns the mailbox it reached (its endpoint, once it lies there, listed). */
  async function reached(xml: string): Promise<string> {
    const res = await withListedEvidence(gw.url, xml); // with the evidence files it lists
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    const id = res.body.gatewayId as string;
    const endpoint = await waitFor(`${id} in its mailbox`, async () => {
      const m = await gw.services.store.getMessage(id);
      return m?.state === 'in_mailbox' ? m.endpointId : undefined;
    });
    const listed = await request(gw.url).get(`/api/v1/mailboxes/${endpoint}/messages`);
    expect(listed.body.items.map((i: { messageId: string }) => i.messageId)).to.include(id);
    return endpoint;
  }

  /** Posts the message and returns the rule that refused it (403) or the error code. */
  async function refused(xml: string): Promise<string> {
    const res = await withListedEvidence(gw.url, xml); // with the evidence files it lists
    expect(res.status, JSON.stringify(res.body)).to.be.oneOf([403, 422]);
    return (res.body.rule as string | undefined) ?? (res.body.code as string);
  }

  /** Switches a delegation at runtime through the admin API, naming the municipality by its ARS. */
  async function delegate(ars: string, service: string, mode: string): Promise<void> {
    const res = await request(gw.url).put(`/api/v1/admin/municipalities/${ars}/delegations/${service}`).send({ mode, reason: 'delegation modes flow test' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  }

  /** The Wohngeld case of one municipality: the messages of each party, with the Vorgang's references filled in. */
  function wohngeldCase(ags: string) {
    const antrag = wohngeldAntrag({ ags, author: 'efa:wohngeld-lsa', reader: 'zsa:lsa' });
    const ref: FixtureOptions = { ags, vorgangId: vorgangOf(antrag) };
    const antragUuid = uuidOf(antrag);
    const municipality = `ags:${ags}`;
    const fv = `fv:${ags}-wohngeld`;
    return {
      antrag,
      zsaNachforderung: (reader: string) => wohngeldNachforderung({ ...ref, antragUuid, author: 'zsa:lsa', reader }),
      nachforderungBy: (author: string) => wohngeldNachforderung({ ...ref, antragUuid, author, reader: 'efa:wohngeld-lsa' }),
      nachreichung: (reader: string) => wohngeldNachreichung({ ...ref, author: 'efa:wohngeld-lsa', reader }),
      nachreichungBy: (author: string) => wohngeldNachreichung({ ...ref, author, reader: 'zsa:lsa' }),
      pruefergebnis: () => wohngeldPruefergebnis({ ...ref, antragUuid, author: 'zsa:lsa', reader: fv }),
      weiterleitung: () => wohngeldWeiterleitung({ ...ref, antragUuid, author: 'zsa:lsa', reader: fv }),
      municipality,
      fv,
    };
  }

  /** The Hund case of one municipality up to the draft; the release needs the draft's UUID. */
  function hundCase(ags: string) {
    const anmeldung = hundAnmeldung({ ags, author: 'efa:hund-lsa', reader: 'zsa:lsa' });
    const ref: FixtureOptions = { ags, vorgangId: vorgangOf(anmeldung) };
    const draft = (reader: string) => hundSteuerfestsetzung({ ...ref, anmeldungUuid: uuidOf(anmeldung), author: 'zsa:lsa', reader });
    const release = (draftXml: string, author: string) => hundFreigabe({ ...ref, entwurfUuid: uuidOf(draftXml), author, reader: 'efa:hund-lsa' });
    return { anmeldung, draft, release };
  }

  it('e2e: the ZSA writes to the citizen and gets the citizen\'s answer itself (Wohngeld Halle switched by ARS, Hund Sülzetal)', async () => {
    await delegate('150020000000', 'wohngeld', 'e2e');
    const w = wohngeldCase('15002000');
    expect(await reached(w.antrag)).to.equal('zsa-wohngeld');
    expect(await reached(w.zsaNachforderung('efa:wohngeld-lsa'))).to.equal('efa-wohngeld-lsa');
    expect(await refused(w.nachforderungBy(w.municipality))).to.equal('route.from'); // the municipality has no citizen contact here
    expect(await reached(w.nachreichung('zsa:lsa'))).to.equal('zsa-wohngeld');
    expect(await reached(w.weiterleitung())).to.equal('fv-15002000-wohngeld');

    const h = hundCase('15083490');
    expect(await reached(h.anmeldung)).to.equal('zsa-hund');
    const draft = h.draft('ags:15083490');
    expect(await reached(draft)).to.equal('fv-15083490-hund');
    expect(await reached(h.release(draft, 'ags:15083490'))).to.equal('efa-hund-lsa');
  });

  it('backoffice: the ZSA does the work, every message to and from the citizen goes through the municipality (Wohngeld Halle, Hund Dessau-Roßlau)', async () => {
    await delegate('150020000000', 'wohngeld', 'backoffice');
    const w = wohngeldCase('15002000');
    expect(await reached(w.antrag)).to.equal('zsa-wohngeld');
    expect(await refused(w.zsaNachforderung('efa:wohngeld-lsa'))).to.equal('remit.citizen-contact');
    expect(await reached(w.zsaNachforderung(w.municipality))).to.equal('fv-15002000-wohngeld');
    expect(await reached(w.nachforderungBy(w.fv))).to.equal('efa-wohngeld-lsa'); // the municipality sends it on
    expect(await reached(w.nachreichung(w.municipality))).to.equal('fv-15002000-wohngeld');
    expect(await reached(w.nachreichungBy(w.fv))).to.equal('zsa-wohngeld'); // and forwards the answer
    expect(await reached(w.weiterleitung())).to.equal('fv-15002000-wohngeld');

    const h = hundCase('15001000');
    expect(await reached(h.anmeldung)).to.equal('zsa-hund');
    expect(await refused(h.draft('efa:hund-lsa'))).to.equal('remit.citizen-contact');
    const draft = h.draft('ags:15001000');
    expect(await reached(draft)).to.equal('fv-15001000-hund');
    expect(await reached(h.release(draft, 'ags:15001000'))).to.equal('efa-hund-lsa');
  });

  it('prozessschritt: the ZSA only checks completeness; its results go to the municipality, the evidence to the check (Wohngeld Landkreis Wittenberg)', async () => {
    const w = wohngeldCase('15091000');
    expect(await reached(w.antrag)).to.equal('zsa-wohngeld');
    expect(await reached(w.pruefergebnis())).to.equal('fv-15091000-wohngeld');
    expect(await refused(w.zsaNachforderung('efa:wohngeld-lsa'))).to.equal('remit.citizen-contact');
    expect(await reached(w.zsaNachforderung(w.municipality))).to.equal('fv-15091000-wohngeld');
    expect(await reached(w.nachforderungBy(w.municipality))).to.equal('efa-wohngeld-lsa');
    expect(await reached(w.nachreichung('zsa:lsa'))).to.equal('zsa-wohngeld');
    expect(await refused(w.nachreichungBy(w.fv))).to.equal('route.from'); // no forwarding: the evidence went to the check already
    expect(await reached(w.weiterleitung())).to.equal('fv-15091000-wohngeld');
  });

  it('none: the municipality alone, the ZSA may not write into the case (Wohngeld Halle switched back, Hund Halle)', async () => {
    await delegate('15002000', 'wohngeld', 'none');
    const w = wohngeldCase('15002000');
    expect(await reached(w.antrag)).to.equal('fv-15002000-wohngeld');
    expect(await refused(w.zsaNachforderung(w.municipality))).to.equal('remit.delegation');
    expect(await reached(w.nachforderungBy(w.municipality))).to.equal('efa-wohngeld-lsa');
    expect(await reached(w.nachreichung(w.municipality))).to.equal('fv-15002000-wohngeld');

    const h = hundCase('15002000');
    expect(await reached(h.anmeldung)).to.equal('fv-15002000-hund');
    expect(await refused(h.draft('ags:15002000'))).to.equal('remit.delegation');
  });
});
