import { expect } from 'chai';
import type { StoreHarness } from './fixtures.js';
import { isIso } from './fixtures.js';

const HALLE = '15002000';
const DESSAU = '15001000';

/** Runtime delegation switches: set, overrides, history. */
export function delegationTests(h: StoreHarness): void {
  describe('delegations', () => {
    it('setDelegation records the switch with the mode in force before it', async () => {
      const store = await h.open();
      const c1 = await store.setDelegation({ ags: HALLE, service: 'hund', mode: 'e2e', actor: 'operator:anna', reason: 'Gemeinderatsbeschluss 12/2025' }, 'none');
      expect(c1).to.include({ ags: HALLE, service: 'hund', mode: 'e2e', previous: 'none', actor: 'operator:anna', reason: 'Gemeinderatsbeschluss 12/2025' });
      expect(isIso(c1.at)).to.equal(true);

      const c2 = await store.setDelegation({ ags: HALLE, service: 'hund', mode: 'backoffice', actor: 'operator:ben', reason: 'Umstellung' }, 'none');
      expect(c2.previous).to.equal('e2e');
      expect(c2.seq).to.be.greaterThan(c1.seq);

      const c3 = await store.setDelegation({ ags: DESSAU, service: 'wohngeld', mode: 'prozessschritt:vollstaendigkeit', actor: 'operator:anna', reason: 'Pilot' }, null);
      expect(c3.previous).to.equal(null);
    });

    it('delegationOverrides holds the latest mode per municipality and service', async () => {
      const store = await h.open();
      expect(await store.delegationOverrides()).to.deep.equal({});
      await store.setDelegation({ ags: HALLE, service: 'hund', mode: 'e2e', actor: 'a', reason: 'r' }, 'none');
      await store.setDelegation({ ags: HALLE, service: 'hund', mode: 'none', actor: 'a', reason: 'r' }, 'none');
      await store.setDelegation({ ags: HALLE, service: 'wohngeld', mode: 'backoffice', actor: 'a', reason: 'r' }, null);
      await store.setDelegation({ ags: DESSAU, service: 'hund', mode: 'e2e', actor: 'a', reason: 'r' }, null);
      expect(await store.delegationOverrides()).to.deep.equal({
        [`${HALLE}/hund`]: 'none',
        [`${HALLE}/wohngeld`]: 'backoffice',
        [`${DESSAU}/hund`]: 'e2e',
      });
    });

    it('delegationHistory lists every switch oldest first, optionally of one municipality', async () => {
      const store = await h.open();
      await store.setDelegation({ ags: HALLE, service: 'hund', mode: 'e2e', actor: 'a', reason: '1' }, 'none');
      await store.setDelegation({ ags: DESSAU, service: 'hund', mode: 'e2e', actor: 'a', reason: '2' }, 'none');
      await store.setDelegation({ ags: HALLE, service: 'hund', mode: 'backoffice', actor: 'a', reason: '3' }, 'none');
      expect((await store.delegationHistory()).map((c) => c.reason)).to.deep.equal(['1', '2', '3']);
      const halle = await store.delegationHistory(HALLE);
      expect(halle.map((c) => [c.mode, c.previous])).to.deep.equal([['e2e', 'none'], ['backoffice', 'e2e']]);
      expect(await store.delegationHistory('15099999')).to.deep.equal([]);
    });
  });
}
