import { expect } from 'chai';
import request from 'supertest';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { hundAnmeldung, hundFreigabe, hundSteuerfestsetzung } from '../support/xzsa-fixtures.js';

const AGS = '15003000'; // Magdeburg delegated Hund to the ZSA (e2e)
const uuidOf = (xml: string) => /<xzsab:nachrichtenUUID>([^<]+)</.exec(xml)![1]!;
const vorgangOf = (xml: string) => /<xzsab:vorgangsID>([^<]+)</.exec(xml)![1]!;

/**
 * The ZSA acts as Verwaltungshelfer: the Bescheid stays the municipality's. A ZSA draft
 * (hund.steuerfestsetzung) reaches the citizen's side only through the release
 * (hund.freigabe) of the municipality responsible for the AGS.
 */
describe('Verwaltungshelfer rule: no ZSA draft reaches the citizen without the municipality\'s release', function () {
  this.timeout(60_000);

  async function post(url: string, xml: string) {
    return request(url).post('/api/v1/messages').set('content-type', 'application/xml').send(xml);
  }

  describe('with the demo routes', () => {
    let gw: Awaited<ReturnType<typeof startTestGateway>>;
    before(async () => {
      gw = await startTestGateway(testConfig());
    });
    after(() => gw?.stop());

    async function caseWithDraft() {
      const anmeldung = hundAnmeldung({ ags: AGS });
      expect((await post(gw.url, anmeldung)).status).to.equal(202);
      const draft = hundSteuerfestsetzung({ ags: AGS, vorgangId: vorgangOf(anmeldung), anmeldungUuid: uuidOf(anmeldung), author: 'zsa:lsa', reader: `ags:${AGS}` });
      const d = await post(gw.url, draft);
      expect(d.status, JSON.stringify(d.body)).to.equal(202);
      expect((await gw.services.store.getMessage(d.body.gatewayId))!.endpointId).to.equal('fv-15003000-hund'); // to the municipality, not the citizen
      return { vorgangId: vorgangOf(anmeldung), draftUuid: uuidOf(draft) };
    }

    it('refuses a release forged by the ZSA', async () => {
      const c = await caseWithDraft();
      const res = await post(gw.url, hundFreigabe({ ags: AGS, vorgangId: c.vorgangId, entwurfUuid: c.draftUuid, author: 'zsa:lsa', reader: 'efa:hund-lsa' }));
      expect(res.status).to.equal(403);
      expect(res.body.code).to.equal('GW_RELEASE_NOT_AUTHORISED');
      expect(res.body.detail).to.contain('zsa:lsa');
    });

    it('refuses a release by another municipality (outside its remit, before the release rule is asked)', async () => {
      const c = await caseWithDraft();
      const res = await post(gw.url, hundFreigabe({ ags: AGS, vorgangId: c.vorgangId, entwurfUuid: c.draftUuid, author: 'ags:15002000', reader: 'efa:hund-lsa' }));
      expect(res.status).to.equal(403);
      expect(res.body).to.include({ code: 'GW_FORBIDDEN', rule: 'remit.ags' });
    });

    it('refuses a release in a Vorgang that holds no draft', async () => {
      const anmeldung = hundAnmeldung({ ags: AGS });
      expect((await post(gw.url, anmeldung)).status).to.equal(202);
      const res = await post(gw.url, hundFreigabe({ ags: AGS, vorgangId: vorgangOf(anmeldung), author: `ags:${AGS}`, reader: 'efa:hund-lsa' }));
      expect(res.status).to.equal(422);
      expect(res.body.code).to.equal('GW_RELEASE_REQUIRED');
    });

    it('lets a municipality that did not delegate the service send its own decision without a ZSA draft', async () => {
      const HAL = '15002000'; // Halle: Hund not delegated
      const anmeldung = hundAnmeldung({ ags: HAL });
      expect((await post(gw.url, anmeldung)).status).to.equal(202);
      const res = await post(gw.url, hundFreigabe({ ags: HAL, vorgangId: vorgangOf(anmeldung), author: 'fv:15002000-hund', reader: 'efa:hund-lsa' }));
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      expect((await gw.services.store.getMessage(res.body.gatewayId))!.endpointId).to.equal('efa-hund-lsa');
      // the ZSA still cannot write into that case
      const zsa = await post(gw.url, hundFreigabe({ ags: HAL, vorgangId: vorgangOf(anmeldung), author: 'zsa:lsa', reader: 'efa:hund-lsa' }));
      expect(zsa.status).to.equal(403);
    });

    it('lets the municipality\'s own release (or its Fachverfahren\'s) through to the citizen\'s side', async () => {
      for (const author of [`ags:${AGS}`, 'fv:15003000-hund']) {
        const c = await caseWithDraft();
        const res = await post(gw.url, hundFreigabe({ ags: AGS, vorgangId: c.vorgangId, entwurfUuid: c.draftUuid, author, reader: 'efa:hund-lsa' }));
        expect(res.status, JSON.stringify(res.body)).to.equal(202);
        expect((await gw.services.store.getMessage(res.body.gatewayId))!.endpointId).to.equal('efa-hund-lsa');
      }
    });
  });

  describe('with a route that would send the draft to the citizen', () => {
    let gw: Awaited<ReturnType<typeof startTestGateway>>;
    before(async () => {
      const cfg = testConfig();
      const draftRoute = cfg.routes.find((r) => r.name === 'hund-steuerfestsetzung')!;
      draftRoute.targets = [{ to: 'origin' }];
      gw = await startTestGateway(cfg);
    });
    after(() => gw?.stop());

    it('refuses the draft itself and stores nothing', async () => {
      const anmeldung = hundAnmeldung({ ags: AGS });
      expect((await post(gw.url, anmeldung)).status).to.equal(202);
      const res = await post(gw.url, hundSteuerfestsetzung({ ags: AGS, vorgangId: vorgangOf(anmeldung), author: 'zsa:lsa', reader: 'efa:hund-lsa' }));
      expect(res.status).to.equal(422);
      expect(res.body.code).to.equal('GW_RELEASE_REQUIRED');
      const v = await request(gw.url).get(`/api/v1/vorgaenge/${vorgangOf(anmeldung)}`);
      expect(v.body.messages.map((m: { messageType: string }) => m.messageType)).to.deep.equal(['hund.anmeldung.0101']);
    });
  });
});
