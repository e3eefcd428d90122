import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { createStore, SqliteMessageStore } from '../../gateway/store/index.js';
import { BUSY_TIMEOUT_MS, openDatabase } from '../../gateway/store/sqlite/connection.js';
import { migrate, MIGRATIONS } from '../../gateway/store/sqlite/migrations.js';
import type { MessageStore } from '../../gateway/store/types.js';
import { messageStoreSuite } from './message-store.suite.js';

const root = mkdtempSync(join(tmpdir(), 'zsa-store-sqlite-'));
const pathOf = new WeakMap<MessageStore, string>();
let n = 0;

messageStoreSuite(
  'sqlite',
  async (reopen) => {
    const path = reopen ? pathOf.get(reopen) : join(root, `t${++n}`, 'gateway.db');
    if (path === undefined) throw new Error('reopen: this store was not opened by this factory');
    const store = await createStore({ kind: 'sqlite', path });
    pathOf.set(store, path);
    return store;
  },
  async () => rmSync(root, { recursive: true, force: true }),
);

describe('SQLite store: connection and schema', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'zsa-store-schema-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the folder and opens with WAL, synchronous=FULL, foreign keys and a busy timeout', async () => {
    const path = join(dir, 'nested', 'data', 'gateway.db');
    const store = (await createStore({ kind: 'sqlite', path, thread: 'inline' })) as SqliteMessageStore;
    try {
      expect(existsSync(path)).to.equal(true);
      expect(store.kind).to.equal('sqlite');
      expect(store.diagnostics()).to.deep.equal({ journalMode: 'wal', synchronous: 2, foreignKeys: true, busyTimeoutMs: BUSY_TIMEOUT_MS, schemaVersion: MIGRATIONS.at(-1)!.version });
    } finally {
      await store.close();
    }
  });

  it('applies each migration once, across migrate() calls and reopening', async () => {
    const path = join(dir, 'gateway.db');
    const first = await createStore({ kind: 'sqlite', path });
    await first.migrate();
    await first.close();
    const second = await createStore({ kind: 'sqlite', path });
    await second.close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all()).to.deep.equal(MIGRATIONS.map((m) => m.version));
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
      expect(tables).to.deep.equal(['attachment_uploads', 'delegation_changes', 'fit_attachments', 'fit_events', 'fit_replies', 'fit_submissions', 'mailbox', 'message_counts', 'message_forms', 'messages', 'outbox', 'outbox_counts', 'rejections', 'retention_log', 'schema_version', 'transitions', 'vorgang_events', 'xta_fetches']);
    } finally {
      db.close();
    }
  });

  it('refuses a database whose schema is newer than this code', async () => {
    const path = join(dir, 'gateway.db');
    await (await createStore({ kind: 'sqlite', path })).close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(MIGRATIONS.at(-1)!.version + 1, 'from the future', Date.now());
    db.close();
    let error: unknown;
    await createStore({ kind: 'sqlite', path }).catch((e: unknown) => (error = e));
    expect(String(error)).to.match(/newer than this gateway supports/);
  });

  it('enforces foreign keys: a transition for an unknown message is refused', async () => {
    const db = openDatabase(join(dir, 'fk.db'));
    try {
      migrate(db);
      expect(() => db.prepare("INSERT INTO transitions (message_id, to_state, at, reason, attempt) VALUES ('nope', 'queued', 0, 'x', 0)").run()).to.throw(/FOREIGN KEY/);
    } finally {
      db.close();
    }
  });
});
