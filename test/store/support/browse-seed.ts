import type Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../gateway/store/sqlite/connection.js';
import { migrate } from '../../../gateway/store/sqlite/migrations.js';
import type { BrowseQuery } from '../../../gateway/store/browse-types.js';
import { Rng } from '../../../gateway/demo/rng.js';

/**
 * Synthetic store contents for the message browser's query-plan test and `npm run
 * bench:browse`: `n` messages over 30 days in arrival order, five Sachsen-Anhalt
 * municipalities of the demo (AGS from the Gemeindeverzeichnis: 15003000 Magdeburg,
 * 15002000 Halle (Saale), 15001000 Dessau-Roßlau, 15083490 Sülzetal, 15091375 Lutherstadt
 * Wittenberg), the pilot services' LeiKa keys (99102013104000 Hundesteuer Anmeldung,
 * 99120008001000 Wohngeld), four Vorgang messages per case, 1 % dead, 0.5 % retrying.
 * Inserted with plain SQL in one transaction into the migrated schema (all indexes in place).
 */
export const SEED = {
  ags: ['15003000', '15002000', '15001000', '15083490', '15091375'],
  leika: ['99102013104000', '99120008001000'],
  types: ['hund.anmeldung.0101', 'hund.steuerfestsetzung.0102', 'hund.freigabe.0103', 'wohngeld.antrag.0201', 'wohngeld.nachforderung.0203'],
  days: 30,
} as const;

export interface SeededStore {
  dir: string;
  path: string;
  db: Database.Database;
  /** received_at of the first and the last message (epoch ms). */
  firstMs: number;
  lastMs: number;
  /** A message from the middle: its gateway id, UUID, Vorgang, endpoint. */
  sample: { id: string; messageUuid: string; vorgangId: string; endpointId: string; seq: number };
  close(): void;
}

export function seedBrowseStore(n: number, lastMs = Date.parse('2026-11-30T12:00:00Z')): SeededStore {
  const dir = mkdtempSync(join(tmpdir(), 'zsa-browse-'));
  const path = join(dir, 'gateway.db');
  const db = openDatabase(path);
  migrate(db);
  // a throw-away database: no fsync per page while seeding
  db.pragma('synchronous = OFF');
  db.pragma('journal_mode = OFF');
  db.pragma('cache_size = -400000');
  const rng = new Rng(20261130);
  const rnd = () => rng.next();
  const span = SEED.days * 24 * 3_600_000;
  const firstMs = lastMs - span;
  const insert = db.prepare(`INSERT INTO messages (id, message_uuid, author, reader, message_type, namespace, standard, version, vorgang_id, leika, ags, test,
    header_created_at, state, attempts, route_name, endpoint_id, size, sha512, payload, received_at, updated_at, last_error)
    VALUES (?, ?, ?, ?, ?, 'urn:zsa-gateway:xzsa:1.0', 'xzsa', '1.0', ?, ?, ?, 0, ?, ?, ?, ?, ?, 1800, ?, x'', ?, ?, ?)`);
  const sha = 'ab'.repeat(64);
  let sample: SeededStore['sample'] | undefined;
  // Bulk load: the messages indexes the migrations created are dropped and re-created from
  // their own stored definitions after the insert (one sort per index instead of a million
  // random B-tree inserts); the UNIQUE constraints' indexes stay in place throughout.
  const indexes = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL`).all() as Array<{ name: string; sql: string }>;
  for (const ix of indexes) db.exec(`DROP INDEX ${ix.name}`);
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const at = firstMs + Math.floor((span * i) / n);
      const ags = SEED.ags[Math.floor(rnd() * SEED.ags.length)]!;
      const t = Math.floor(rnd() * SEED.types.length);
      const type = SEED.types[t]!;
      const leika = type.startsWith('hund') ? SEED.leika[0] : SEED.leika[1];
      const r = rnd();
      const state = r < 0.01 ? 'dead' : r < 0.015 ? 'retrying' : r < 0.03 ? 'in_mailbox' : 'delivered';
      const endpoint = `fv-${ags}-${type.startsWith('hund') ? 'hund' : 'wohngeld'}`;
      const id = rng.uuid();
      const uuid = rng.uuid();
      // four messages per case: the case id is a fixed function of the case number
      const vorgang = `00000000-0000-4000-8000-${Math.floor(i / 4).toString(16).padStart(12, '0')}`;
      const iso = new Date(at).toISOString();
      insert.run(id, uuid, t === 0 || t === 3 ? `efa:${type.split('.')[0]}-lsa` : 'zsa:lsa', `ags:${ags}`, type, vorgang, leika, ags, iso, state, state === 'delivered' ? 0 : 3, type.split('.')[0], endpoint, sha, at, at, state === 'dead' ? 'refused the message with 400' : null);
      if (i === Math.floor(n / 2)) sample = { id, messageUuid: uuid, vorgangId: vorgang, endpointId: endpoint, seq: Number((db.prepare('SELECT last_insert_rowid() AS s').get() as { s: number }).s) };
    }
  })();
  for (const ix of indexes) db.exec(ix.sql);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('cache_size = -2000');
  return { dir, path, db, firstMs, lastMs: firstMs + Math.floor((span * (n - 1)) / n), sample: sample!, close: () => { db.close(); rmSync(dir, { recursive: true, force: true }); } };
}

/** Every filter of the message browser, alone, with a cursor, and combined. */
export function browseCases(s: SeededStore): Array<[string, BrowseQuery]> {
  const day = 24 * 3_600_000;
  const filters: Array<[string, BrowseQuery]> = [
    ['no filter', {}],
    ['gateway id', { gatewayId: s.sample.id }],
    ['message UUID', { messageUuid: s.sample.messageUuid }],
    ['message UUID in upper case', { messageUuid: s.sample.messageUuid.toUpperCase() }],
    ['Vorgang', { vorgangId: s.sample.vorgangId }],
    ['type', { messageType: SEED.types[1] }],
    ['AGS', { ags: SEED.ags[3] }],
    ['LeiKa', { leika: SEED.leika[1] }],
    ['state dead', { state: 'dead' }],
    ['endpoint', { endpointId: s.sample.endpointId }],
    ['time range (one day)', { fromMs: s.firstMs + 10 * day, toMs: s.firstMs + 11 * day }],
    ['time from (last hour)', { fromMs: s.lastMs - 3_600_000 }],
    ['AGS + type + state + time', { ags: SEED.ags[0], messageType: SEED.types[0], state: 'delivered', fromMs: s.firstMs + 5 * day, toMs: s.firstMs + 20 * day }],
    ['LeiKa + AGS', { leika: SEED.leika[0], ags: SEED.ags[2] }],
    ['state + endpoint', { state: 'dead', endpointId: s.sample.endpointId }],
  ];
  return filters.flatMap(([name, q]) => [[name, q], [`${name}, next page`, { ...q, beforeSeq: s.sample.seq }]] as Array<[string, BrowseQuery]>);
}

