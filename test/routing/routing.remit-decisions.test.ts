import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '../../gateway/errors.js';
import { RemitGuard } from '../../gateway/routing/remit.js';
import { Router } from '../../gateway/routing/router.js';
import { createStore } from '../../gateway/store/index.js';
import type { MessageHeader, MessageStore } from '../../gateway/store/types.js';
import { testConfig } from '../support/gateway.js';

const MD = '15003000';
const HAL = '15002000';
const LEIKA_WOHNGELD = '99107023037000';

function header(over: Partial<MessageHeader>): MessageHeader {
  return {
    messageUuid: randomUUID(), messageType: 'hund.anmeldung.0101', namespace: 'urn:zsa-gateway:xzsa:1.0', standard: 'XZSA', version: '1.0',
    createdAt: '2026-11-22T00:00:00Z', author: 'efa:hund-lsa', reader: 'zsa:lsa', vorgangId: randomUUID(), leika: '99102013104000', ags: MD, test: false,
    ...over,
  };
}

/**
 * The remit decision on its own (gateway/routing/remit.ts), in the order the pipeline runs
 * it: author → route (remit scope before the Vorgang) → case and `from`. Covers the default
 * for routes without `from` (foreign standards) and `from` conditions per delegation.
 */
describe('routing: remit and case-party decisions', () => {
  let dir: string;
  let store: MessageStore;
  let router: Router;
  let guard: RemitGuard;

  /** 'ok', or `<code>` / `<code>:<rule>` of the refusal. */
  async function verdict(h: MessageHeader): Promise<string> {
    try {
      const author = guard.author(h);
      const { decision, context } = await router.decideWithContext(h, (scope) => guard.checkScope(author, h, scope));
      await guard.authorize(author, h, decision, context, []);
      return 'ok';
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      const rule = err.extra['rule'];
      return typeof rule === 'string' && err.code === 'GW_FORBIDDEN' ? `${err.code}:${rule}` : err.code;
    }
  }

  /** Stores `h` as accepted (as the pipeline would after an 'ok'), an opening message as one (the store refuses a taken Vorgang). */
  async function accept(h: MessageHeader): Promise<void> {
    const { decision: d, context } = await router.decideWithContext(h);
    const payload = Buffer.from(`<synthetic/>`);
    await store.accept({ id: randomUUID(), header: h, payload, payloadSha512: createHash('sha512').update(payload).digest('hex'), attachments: [], routeName: d.routeName, endpointId: d.endpointId, routeReason: d.reason, warnings: [], opensVorgang: context.route.startsVorgang === true });
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zsa-remit-'));
    store = await createStore({ kind: 'sqlite', path: join(dir, 'db.sqlite') });
    await store.migrate();
    const cfg = testConfig({ dataDir: dir });
    cfg.endpoints.push({ id: 'beteiligung-0002', connector: 'mailbox', config: { mailbox: 'beteiligung-0002' } }, { id: 'beteiligung-0001', connector: 'mailbox', config: { mailbox: 'beteiligung-0001' } });
    cfg.participants.push(
      { id: 'cockpit-0001', kind: 'municipality', kennung: 'xyz:0001', name: 'Cockpit (Test)', endpoint: 'beteiligung-0001' },
      { id: 'toeb-0002', kind: 'municipality', kennung: 'xyz:0002', name: 'Träger öffentlicher Belange (Test)', endpoint: 'beteiligung-0002' },
      { id: 'efa-wohngeld-2', kind: 'efa-service', kennung: 'efa:wohngeld-zwei', name: 'Second Wohngeld portal (Test)', endpoint: 'efa-wohngeld-lsa', services: ['wohngeld'] },
    );
    // A foreign standard without AGS and LeiKa and without `from`: the defaults decide.
    cfg.routes.unshift(
      { name: 'beteiligung-start', match: { messageType: 'kommunal.Initiieren.*', standard: 'XBeteiligung' }, startsVorgang: true, targets: [{ to: 'reader' }] },
      { name: 'beteiligung-folge', match: { messageType: 'kommunal.*', standard: 'XBeteiligung' }, startsVorgang: false, targets: [{ to: 'reader' }] },
    );
    router = new Router(cfg, store);
    guard = new RemitGuard(router, store);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('routes without `from` (foreign standards)', () => {
    const beteiligung = (over: Partial<MessageHeader>) => header({ messageType: 'kommunal.Initiieren.0401', standard: 'XBeteiligung', version: '1.2', leika: '', ags: '', reader: 'xyz:0002', author: 'xyz:0001', ...over });

    it('opens a case for any configured participant within its remit, never for an unconfigured author or a participant outside its remit', async () => {
      expect(await verdict(beteiligung({}))).to.equal('ok');
      expect(await verdict(beteiligung({ author: 'xyz:0003' }))).to.equal('GW_FORBIDDEN:remit.author');
      expect(await verdict(beteiligung({ author: 'op:betrieb' }))).to.equal('GW_FORBIDDEN:remit.author');
      expect(await verdict(beteiligung({ author: 'efa:hund-lsa' }))).to.equal('GW_FORBIDDEN:remit.service');
      expect(await verdict(beteiligung({ author: 'zsa:lsa' }))).to.equal('GW_FORBIDDEN:remit.service');
    });

    it('lets only the case parties follow up: the opener and the participant the opening was delivered to', async () => {
      const opening = beteiligung({});
      await accept(opening);
      const follow = (author: string, reader: string) => beteiligung({ messageType: 'kommunal.Aktualisieren.0402', vorgangId: opening.vorgangId, author, reader });
      expect(await verdict(follow('xyz:0002', 'xyz:0001'))).to.equal('ok');
      expect(await verdict(follow('xyz:0001', 'xyz:0002'))).to.equal('ok');
      expect(await verdict(follow(`ags:${HAL}`, 'xyz:0002'))).to.equal('GW_FORBIDDEN:vorgang.party');
      // a second opening of the same Vorgang passes the remit (nothing read there) and is refused where it would be stored
      const second = beteiligung({ vorgangId: opening.vorgangId });
      expect(await verdict(second)).to.equal('ok');
      const refused = await accept(second).then(() => 'ok', (err: unknown) => (err instanceof GatewayError ? err.code : String(err)));
      expect(refused).to.equal('GW_VORGANG_EXISTS');
    });
  });

  it('refuses gateway.* types from every participant in any letter case (pass-through names the type in a header)', async () => {
    for (const messageType of ['gateway.quittung.0901', 'Gateway.quittung.0901', 'GATEWAY.fehler.0902']) {
      expect(await verdict(header({ messageType, author: 'zsa:lsa' })), messageType).to.equal('GW_FORBIDDEN:remit.gateway-type');
    }
  });

  it('takes the citizen\'s answer (Nachreichung, from: origin) only from the service that opened the case', async () => {
    const antrag = header({ messageType: 'wohngeld.antrag.0201', leika: LEIKA_WOHNGELD, ags: MD, author: 'efa:wohngeld-lsa' });
    expect(await verdict(antrag)).to.equal('ok');
    await accept(antrag);
    const answer = (author: string) => header({ messageType: 'wohngeld.nachreichung.0204', leika: LEIKA_WOHNGELD, ags: MD, vorgangId: antrag.vorgangId, author, reader: 'zsa:lsa' });
    expect(await verdict(answer('efa:wohngeld-lsa'))).to.equal('ok');
    expect(await verdict(answer('efa:wohngeld-zwei'))).to.equal('GW_FORBIDDEN:vorgang.party');
    expect(await verdict(answer(`ags:${MD}`))).to.equal('GW_FORBIDDEN:route.from');
    // the case's AGS and service are fixed: no re-pointing to Halle or to another service
    expect(await verdict(header({ messageType: 'wohngeld.nachreichung.0204', leika: LEIKA_WOHNGELD, ags: HAL, vorgangId: antrag.vorgangId, author: 'efa:wohngeld-lsa', reader: 'zsa:lsa' }))).to.equal('GW_FORBIDDEN:vorgang.ags');
    expect(await verdict(header({ messageType: 'hund.steuerfestsetzung.0102', ags: MD, vorgangId: antrag.vorgangId, author: 'zsa:lsa', reader: `ags:${MD}` }))).to.equal('GW_FORBIDDEN:vorgang.service');
  });

  it('picks the target by the author where a rule says `when.author`, and explains it (ADR 0021)', async () => {
    await router.setDelegation(HAL, 'wohngeld', 'backoffice', 'test', 'target by author');
    const antrag = header({ messageType: 'wohngeld.antrag.0201', leika: LEIKA_WOHNGELD, ags: HAL, author: 'efa:wohngeld-lsa' });
    await accept(antrag);
    const nachforderung = (author: string, reader: string) => router.decide(header({ messageType: 'wohngeld.nachforderung.0203', leika: LEIKA_WOHNGELD, ags: HAL, vorgangId: antrag.vorgangId, author, reader }));
    const byZsa = await nachforderung('zsa:lsa', `ags:${HAL}`);
    const byMunicipality = await nachforderung(`ags:${HAL}`, 'efa:wohngeld-lsa');
    expect([byZsa.endpointId, byMunicipality.endpointId]).to.deep.equal(['fv-15002000-wohngeld', 'efa-wohngeld-lsa']);
    expect(byZsa.steps).to.include('rule "when delegation is backoffice or prozessschritt:vollstaendigkeitspruefung and the author is a zsa → fachverfahren" applies');
    // an author of no configured participant meets no `when.author` rule (the remit refuses it before storing)
    const unknown = await nachforderung('efa:unbekannt', 'efa:wohngeld-lsa').then(() => 'routed', (e: GatewayError) => e.code);
    expect(unknown).to.equal('GW_ROUTE_NO_MATCH');
  });

  describe('the Nachforderung follows the delegation of the completeness check', () => {
    const cases: Array<[string, string, string, string]> = [
      // [delegation of Halle's wohngeld, author, reader, verdict]
      ['none', `ags:${HAL}`, 'efa:wohngeld-lsa', 'ok'],
      ['none', 'fv:15002000-wohngeld', 'efa:wohngeld-lsa', 'ok'],
      ['none', 'zsa:lsa', `ags:${HAL}`, 'GW_FORBIDDEN:remit.delegation'],
      ['e2e', 'zsa:lsa', 'efa:wohngeld-lsa', 'ok'],
      ['e2e', `ags:${HAL}`, 'efa:wohngeld-lsa', 'GW_FORBIDDEN:route.from'],
      ['backoffice', 'zsa:lsa', `ags:${HAL}`, 'ok'],
      ['backoffice', 'zsa:lsa', 'efa:wohngeld-lsa', 'GW_FORBIDDEN:remit.citizen-contact'],
      ['prozessschritt:vollstaendigkeitspruefung', 'zsa:lsa', `ags:${HAL}`, 'ok'],
      // backoffice and the delegated step: the municipality sends the ZSA's Nachforderung on to the citizen (ADR 0021)
      ['backoffice', `ags:${HAL}`, 'efa:wohngeld-lsa', 'ok'],
      ['prozessschritt:vollstaendigkeitspruefung', 'fv:15002000-wohngeld', 'efa:wohngeld-lsa', 'ok'],
      ['prozessschritt:vollstaendigkeitspruefung', 'fv:15002000-hund', 'efa:wohngeld-lsa', 'GW_FORBIDDEN:remit.service'],
    ];
    for (const [mode, author, reader, expected] of cases) {
      it(`${mode}: from ${author} to ${reader} → ${expected}`, async () => {
        await router.setDelegation(HAL, 'wohngeld', mode, 'test', 'remit decision table');
        const antrag = header({ messageType: 'wohngeld.antrag.0201', leika: LEIKA_WOHNGELD, ags: HAL, author: 'efa:wohngeld-lsa' });
        await accept(antrag);
        expect(await verdict(header({ messageType: 'wohngeld.nachforderung.0203', leika: LEIKA_WOHNGELD, ags: HAL, vorgangId: antrag.vorgangId, author, reader }))).to.equal(expected);
      });
    }
  });
});
