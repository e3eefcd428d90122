import { expect } from 'chai';
import request from 'supertest';
import { requiredAuthConfig, tokenFor } from '../auth/oauth-fixture.js';
import { startTestGateway } from '../support/gateway.js';
import { randomUUID } from 'node:crypto';
import { hundAnmeldung, hundFreigabe, hundSteuerfestsetzung } from '../support/xzsa-fixtures.js';

const vorgangOf = (xml: string) => /<xzsab:vorgangsID>([^<]+)</.exec(xml)![1]!;

/**
 * Vorgang ids are chosen by the sender — random UUIDs in XZSA, but file numbers such as
 * `AZ-2025-0001` in other standards and on pass-through routes. A participant that is no
 * party of a case got 403 for an existing Vorgang and 404 for an unknown one, so it could
 * find out which cases exist. Now both get the same 403 (`vorgang.party`); operators and
 * admins, who may read every case, still get 404 for an unknown one.
 */
describe('auth: a non-party learns nothing about a case, by reading or by writing into it', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let existing: string;

  before(async () => {
    gw = await startTestGateway(requiredAuthConfig());
    const xml = hundAnmeldung({ ags: '15003000' });
    const r = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${await tokenFor(gw.url, 'efa-hund-lsa')}`).set('content-type', 'application/xml').send(xml);
    expect(r.status).to.equal(202);
    existing = vorgangOf(xml);
  });
  after(() => gw?.stop());

  const answer = async (as: Parameters<typeof tokenFor>[1], id: string) => {
    const r = await request(gw.url).get(`/api/v1/vorgaenge/${encodeURIComponent(id)}`).set('authorization', `Bearer ${await tokenFor(gw.url, as)}`);
    return { status: r.status, code: r.body.code, rule: r.body.rule ?? null, detail: String(r.body.detail ?? '').replace(id, '<id>') };
  };

  it('answers Halle the same for Magdeburg\'s case and for cases that do not exist', async () => {
    const foreign = await answer('halle', existing);
    expect(foreign).to.include({ status: 403, code: 'GW_FORBIDDEN', rule: 'vorgang.party' });
    for (const id of ['00000000-0000-4000-8000-000000000000', 'AZ-2025-0001']) expect(await answer('halle', id), id).to.deep.equal(foreign);
  });

  /**
   * A follow-up into someone else's case used to be refused only after routing had looked at
   * the case: `vorgang.ags` ("Vorgang … is a case of AGS 15003000"), `vorgang.service`, or the
   * release rule (whether the case holds a ZSA draft) — all different from an unknown Vorgang.
   */
  it('answers Halle\'s follow-ups into Magdeburg\'s case exactly as for a Vorgang that does not exist', async () => {
    const halle = await tokenFor(gw.url, 'halle');
    const post = async (xml: string, id: string) => {
      const r = await request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${halle}`).set('content-type', 'application/xml').send(xml);
      return { status: r.status, code: r.body.code, rule: r.body.rule ?? null, body: JSON.stringify({ ...r.body, instance: null }).split(id).join('<id>') };
    };
    const HAL = '15002000';
    const builds = [
      (v: string) => hundSteuerfestsetzung({ ags: HAL, vorgangId: v, author: `ags:${HAL}`, reader: `ags:${HAL}` }),
      (v: string) => hundFreigabe({ ags: HAL, vorgangId: v, author: `ags:${HAL}`, reader: 'efa:hund-lsa' }),
    ];
    for (const build of builds) {
      const unknown = randomUUID();
      const a = await post(build(existing), existing);
      const b = await post(build(unknown), unknown);
      expect(a.code, a.body).to.equal('GW_VORGANG_UNKNOWN');
      expect(a.body).not.to.contain('15003000');
      expect(a).to.deep.equal(b);
    }
  });

  it('still answers 404 to the operator for an unknown case, 200 for a known one', async () => {
    expect((await answer('betrieb', 'AZ-2025-0001')).status).to.equal(404);
    expect((await answer('betrieb', existing)).status).to.equal(200);
  });
});
