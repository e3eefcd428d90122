import { expect } from 'chai';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BreakGlassGrants, openGrantStore, type GrantStore } from '../../gateway/auth/break-glass.js';
import { LEGACY_GRANT_FILE } from '../../gateway/auth/grant-store.js';
import { STATE_BACKENDS } from '../support/state-db.js';

const GRANT = { grantedBy: 'participant:admin', grantee: 'betrieb', reason: 'Störung Vorgang (Test)', messageId: null, vorgangId: 'v-1' };

type Backend = Awaited<ReturnType<(typeof STATE_BACKENDS)['sqlite']>>;

for (const [kind, make] of Object.entries(STATE_BACKENDS)) {
  describe(`auth: break-glass grants kept in ${kind}`, function () {
    this.timeout(120_000); // creating and dropping a database waits for the shared server
    let b: Backend;
    let now: Date;
    const stores: GrantStore[] = [];
    /** One gateway instance (postgres), or the same data folder after a restart (sqlite). */
    const instance = async () => {
      const s = await openGrantStore(b.backend);
      stores.push(s);
      return new BreakGlassGrants(s, () => now);
    };

    beforeEach(async () => {
      b = await make();
      now = new Date('2026-11-22T10:00:00Z');
    });
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
      await b.cleanup();
    });

    it('a grant recorded on one instance is in force on another at once, for its grantee, until it expires', async () => {
      const first = await instance();
      const other = await instance();
      expect(await other.find('betrieb', 'm-9', 'v-1')).to.equal(undefined);
      const g = await first.add(GRANT, 30);
      expect((await other.find('betrieb', 'm-9', 'v-1'))?.id).to.equal(g.id);
      expect((await other.find('betrieb', 'm-9', 'v-2'))).to.equal(undefined);
      expect(await other.find('someone-else', 'm-9', 'v-1')).to.equal(undefined);
      expect((await other.list()).map((x) => [x.id, x.active])).to.deep.equal([[g.id, true]]);

      now = new Date('2026-11-22T10:30:00Z'); // expiresAt is exclusive
      expect(await other.find('betrieb', 'm-9', 'v-1')).to.equal(undefined);
      expect((await first.list())[0]).to.include({ id: g.id, active: false });
    });

    it('lists grants newest first; a grant for every operator or for one message matches only that', async () => {
      const gw = await instance();
      const a = await gw.add({ ...GRANT, grantee: null }, 10);
      const c = await gw.add({ ...GRANT, vorgangId: null, messageId: 'm-7' }, 10);
      expect((await gw.list()).map((x) => x.id)).to.deep.equal([c.id, a.id]);
      expect((await gw.find('anyone', 'm-1', 'v-1'))?.id).to.equal(a.id);
      expect((await gw.find('betrieb', 'm-7', 'v-9'))?.id).to.equal(c.id);
      expect(await gw.find('betrieb', 'm-8', 'v-9')).to.equal(undefined);
    });

    it('keeps grants across a restart', async () => {
      const first = await instance();
      const g = await first.add(GRANT, 30);
      await stores[0]!.close();
      const restarted = await instance();
      expect((await restarted.find('betrieb', 'm-9', 'v-1'))?.id).to.equal(g.id);
    });

    if (kind === 'sqlite') {
      it('imports the grants file of earlier versions once, keeping ids; a torn last line is left out', async () => {
        const dir = (b.backend as { dataDir: string }).dataDir;
        const old = { ...GRANT, id: 'g-old', grantedAt: '2026-11-22T09:50:00.000Z', expiresAt: '2026-11-22T10:20:00.000Z' };
        writeFileSync(join(dir, LEGACY_GRANT_FILE), `${JSON.stringify(old)}\n{"id":"g-torn","gra`);
        const gw = await instance();
        expect((await gw.list()).map((x) => x.id)).to.deep.equal(['g-old']);
        expect((await gw.find('betrieb', 'm-1', 'v-1'))?.id).to.equal('g-old');
        expect(existsSync(join(dir, LEGACY_GRANT_FILE))).to.equal(false);
        expect(existsSync(join(dir, `${LEGACY_GRANT_FILE}.imported`))).to.equal(true);
      });
    }
  });
}
