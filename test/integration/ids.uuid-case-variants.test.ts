import { expect } from 'chai';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { applyMigrations, MIGRATIONS } from '../../gateway/store/sqlite/migrations.js';
import { requiredAuthConfig, tokenFor } from '../auth/oauth-fixture.js';
import { startTestGateway } from '../support/gateway.js';
import { hundAnmeldung, hundSteuerfestsetzung } from '../support/xzsa-fixtures.js';

/**
 * A UUID is case-insensitive: `7A1C…` and `7a1c…` are one message or one case. Message UUIDs
 * and Vorgang ids that are UUIDs are kept and looked up in one spelling (canonicalId), so a
 * case variant can neither open a second case beside an existing one nor pass duplicate
 * suppression, and a reader finds the case whichever spelling it uses.
 */
describe('ids: UUIDs differing only in letter case name the same message and case', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let efa: string;
  const vorgang = randomUUID();
  const uuid = randomUUID();
  const post = (xml: string, token: string) => request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${token}`).set('content-type', 'application/xml').send(xml);

  before(async () => {
    gw = await startTestGateway(requiredAuthConfig());
    efa = await tokenFor(gw.url, 'efa-hund-lsa');
    const r = await post(hundAnmeldung({ ags: '15003000', vorgangId: vorgang, messageUuid: uuid }), efa);
    expect(r.status, r.text).to.equal(202);
  });
  after(() => gw?.stop());

  it('an opening message with the Vorgang id in capitals is refused as an existing case', async () => {
    const r = await post(hundAnmeldung({ ags: '15003000', vorgangId: vorgang.toUpperCase() }), efa);
    expect(r.status, r.text).to.equal(409);
    expect(r.body.code).to.equal('GW_VORGANG_EXISTS');
  });

  it('the same message UUID in capitals is the same message: never accepted a second time', async () => {
    const r = await post(hundAnmeldung({ ags: '15003000', vorgangId: randomUUID(), messageUuid: uuid.toUpperCase() }), efa);
    expect(r.status, r.text).to.equal(409);
    expect(r.body.code).to.equal('GW_DUPLICATE_CONFLICT');
    expect((await gw.services.store.listMessages({ limit: 100 })).filter((m) => m.messageUuid.toLowerCase() === uuid)).to.have.length(1);
  });

  it('a follow-up naming the case in capitals joins the case, and the case reads under either spelling', async () => {
    const zsa = await tokenFor(gw.url, 'zsa-lsa');
    const d = await post(hundSteuerfestsetzung({ ags: '15003000', vorgangId: vorgang.toUpperCase(), anmeldungUuid: uuid, author: 'zsa:lsa', reader: 'ags:15003000' }), zsa);
    expect(d.status, d.text).to.equal(202);
    for (const spelling of [vorgang, vorgang.toUpperCase()]) {
      const r = await request(gw.url).get(`/api/v1/vorgaenge/${spelling}`).set('authorization', `Bearer ${efa}`);
      expect(r.status, r.text).to.equal(200);
      expect(JSON.stringify(r.body)).to.contain('hund.steuerfestsetzung.0102').and.contain('hund.anmeldung.0101');
    }
  });

  it('the migration brings stored UUIDs into one spelling, leaving a colliding pair as it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zsa-uuid-migration-'));
    try {
      const db = new Database(join(dir, 'db.sqlite'));
      applyMigrations(db, MIGRATIONS.filter((m) => m.version < 6), 'test');
      const insert = db.prepare(`INSERT INTO messages (id, message_uuid, author, reader, message_type, namespace, standard, version, vorgang_id, leika, ags, test, header_created_at, state, route_name, endpoint_id, size, sha512, payload, received_at, updated_at)
        VALUES (?, ?, 'efa:hund-lsa', 'zsa:lsa', 'hund.anmeldung.0101', 'ns', 'XZSA', '1.0', ?, '99102013104000', '15003000', 0, '', 'queued', 'r', 'e', 1, 'x', x'00', 0, 0)`);
      const up = 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE';
      insert.run('m1', up, up);
      insert.run('m2', 'FFFFFFFF-0000-4000-8000-000000000001', 'AZ-2025-0001');
      insert.run('m3', 'ffffffff-0000-4000-8000-000000000001', 'AZ-2025-0001');
      applyMigrations(db, MIGRATIONS, 'test');
      const rows = db.prepare('SELECT id, message_uuid, vorgang_id FROM messages ORDER BY id').all() as Array<{ id: string; message_uuid: string; vorgang_id: string }>;
      expect(rows).to.deep.equal([
        { id: 'm1', message_uuid: up.toLowerCase(), vorgang_id: up.toLowerCase() },
        { id: 'm2', message_uuid: 'FFFFFFFF-0000-4000-8000-000000000001', vorgang_id: 'AZ-2025-0001' },
        { id: 'm3', message_uuid: 'ffffffff-0000-4000-8000-000000000001', vorgang_id: 'AZ-2025-0001' },
      ]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
