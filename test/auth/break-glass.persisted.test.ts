import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BreakGlassGrants } from '../../gateway/auth/break-glass.js';

describe('auth: break-glass grants survive a restart', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'zsa-break-glass-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back every recorded grant, in force until it expires', () => {
    let now = new Date('2026-11-22T10:00:00Z');
    const file = join(dir, 'break-glass.jsonl');
    const first = new BreakGlassGrants(() => now, file);
    const g = first.add({ grantedBy: 'participant:admin', grantee: 'betrieb', reason: 'Störung Vorgang (Test)', messageId: null, vorgangId: 'v-1' }, 30);

    const restarted = new BreakGlassGrants(() => now, file);
    expect(restarted.list().map((x) => x.id)).to.deep.equal([g.id]);
    expect(restarted.find('betrieb', 'm-9', 'v-1')?.id).to.equal(g.id);
    expect(restarted.find('someone-else', 'm-9', 'v-1')).to.equal(undefined);

    now = new Date('2026-11-22T10:31:00Z');
    expect(restarted.find('betrieb', 'm-9', 'v-1')).to.equal(undefined);
    expect(restarted.list()[0]).to.include({ id: g.id, active: false });
  });
});
