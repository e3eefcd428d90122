import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OVERRIDE_TTL_MS, Router } from '../../gateway/routing/router.js';
import { createStore } from '../../gateway/store/index.js';
import type { MessageStore } from '../../gateway/store/types.js';
import { testConfig } from '../support/gateway.js';

const AGS = '15003000';

describe('routing: a delegation switch on one instance reaches the others within OVERRIDE_TTL_MS', () => {
  let dir: string;
  let store: MessageStore;
  let now: number;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zsa-routing-switch-'));
    // one store shared by two routers: what two gateway instances on one PostgreSQL see
    store = await createStore({ kind: 'sqlite', thread: 'inline', path: join(dir, 'db.sqlite') });
    now = Date.UTC(2026, 10, 2, 9, 0, 0);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the switching instance routes by the new mode at once, another one once its overrides are older than the bound', async () => {
    const cfg = testConfig({ dataDir: dir });
    const a = new Router(cfg, store, () => now);
    const b = new Router(cfg, store, () => now);
    expect(await b.delegation(AGS, 'hund')).to.include({ mode: 'e2e', source: 'config' });
    await a.setDelegation(AGS, 'hund', 'none', 'admin:test', 'synthetic switch');
    expect(await a.delegation(AGS, 'hund')).to.include({ mode: 'none', source: 'runtime' });
    // b read the overrides just now: it may keep them for less than the bound …
    now += OVERRIDE_TTL_MS - 1;
    expect(await b.delegation(AGS, 'hund')).to.include({ mode: 'e2e' });
    // … and no longer
    now += 1;
    expect(await b.delegation(AGS, 'hund')).to.include({ mode: 'none', source: 'runtime' });
  });

  it('a read that began before a local switch does not bring the old mode back after it', async () => {
    const cfg = testConfig({ dataDir: dir });
    let release: (() => void) | undefined;
    const slow: Pick<MessageStore, 'delegationOverrides' | 'setDelegation'> = {
      delegationOverrides: async () => {
        const before = await store.delegationOverrides();
        await new Promise<void>((ok) => (release = ok));
        return before;
      },
      setDelegation: (c, from) => store.setDelegation(c, from),
    };
    const r = new Router(cfg, slow as MessageStore, () => now);
    const stale = r.delegation(AGS, 'hund');
    await new Promise((ok) => setImmediate(ok));
    await r.setDelegation(AGS, 'hund', 'none', 'admin:test', 'synthetic switch');
    release!(); // the read begun before the switch ends only now
    expect(await stale).to.include({ mode: 'e2e' });
    // the next read goes to the store (release the new read too) and sees the switch
    const next = r.delegation(AGS, 'hund');
    await new Promise((ok) => setImmediate(ok));
    release!();
    expect(await next).to.include({ mode: 'none', source: 'runtime' });
  });
});
