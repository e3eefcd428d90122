import type Database from 'better-sqlite3';

/**
 * The SQLite schema, as ordered migrations. A migration is never edited once released:
 * a change is a new entry at the end. Tables follow gateway/store/tables.ts; times are
 * epoch milliseconds, flags 0/1, lists JSON text.
 *
 * `messages.seq` is the INTEGER PRIMARY KEY because only that column can AUTOINCREMENT in
 * SQLite (AUTOINCREMENT: a seq is never reused, even after deletes, so paging stays
 * stable); the gateway id is the key the other tables refer to (UNIQUE NOT NULL).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE messages (
  seq               INTEGER PRIMARY KEY AUTOINCREMENT,
  id                TEXT    NOT NULL UNIQUE,
  message_uuid      TEXT    NOT NULL,
  author            TEXT    NOT NULL,
  reader            TEXT    NOT NULL,
  message_type      TEXT    NOT NULL,
  namespace         TEXT    NOT NULL,
  standard          TEXT    NOT NULL,
  version           TEXT    NOT NULL,
  vorgang_id        TEXT    NOT NULL,
  leika             TEXT    NOT NULL,
  ags               TEXT    NOT NULL,
  test              INTEGER NOT NULL CHECK (test IN (0, 1)),
  header_created_at TEXT    NOT NULL,
  state             TEXT    NOT NULL,
  attempts          INTEGER NOT NULL DEFAULT 0,
  route_name        TEXT    NOT NULL,
  endpoint_id       TEXT    NOT NULL,
  size              INTEGER NOT NULL,
  sha512            TEXT    NOT NULL,
  payload           BLOB    NOT NULL,
  warnings          TEXT    NOT NULL DEFAULT '[]',
  attachments       TEXT    NOT NULL DEFAULT '[]',
  last_error        TEXT,
  received_at       INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  UNIQUE (author, message_uuid)
);
CREATE INDEX messages_vorgang_id ON messages (vorgang_id, seq);
CREATE INDEX messages_state ON messages (state, seq);
CREATE INDEX messages_endpoint_id ON messages (endpoint_id, seq);

CREATE TABLE transitions (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id TEXT    NOT NULL REFERENCES messages (id),
  from_state TEXT,
  to_state   TEXT    NOT NULL,
  at         INTEGER NOT NULL,
  reason     TEXT    NOT NULL,
  attempt    INTEGER NOT NULL
);
CREATE INDEX transitions_message_id ON transitions (message_id, seq);

CREATE TABLE outbox (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id  TEXT    NOT NULL UNIQUE REFERENCES messages (id),
  endpoint_id TEXT    NOT NULL,
  due_at      INTEGER NOT NULL,
  lease_owner TEXT,
  lease_token TEXT,
  lease_until INTEGER,
  attempts    INTEGER NOT NULL DEFAULT 0,
  dead        INTEGER NOT NULL DEFAULT 0 CHECK (dead IN (0, 1)),
  dead_at     INTEGER,
  created_at  INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (endpoint_id, dead, due_at, id);
CREATE INDEX outbox_lease_owner ON outbox (lease_owner) WHERE lease_owner IS NOT NULL;

CREATE TABLE mailbox (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  mailbox     TEXT    NOT NULL,
  message_id  TEXT    NOT NULL REFERENCES messages (id),
  enqueued_at INTEGER NOT NULL,
  lease_token TEXT,
  lease_until INTEGER,
  deliveries  INTEGER NOT NULL DEFAULT 0,
  acked_at    INTEGER,
  acked_by    TEXT,
  UNIQUE (mailbox, message_id)
);
CREATE INDEX mailbox_open ON mailbox (mailbox, id) WHERE acked_at IS NULL;

CREATE TABLE delegation_changes (
  seq      INTEGER PRIMARY KEY AUTOINCREMENT,
  ags      TEXT    NOT NULL,
  service  TEXT    NOT NULL,
  mode     TEXT    NOT NULL,
  previous TEXT,
  actor    TEXT    NOT NULL,
  reason   TEXT    NOT NULL,
  at       INTEGER NOT NULL
);
CREATE INDEX delegation_changes_key ON delegation_changes (ags, service, seq);

CREATE TABLE rejections (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  at           INTEGER NOT NULL,
  code         TEXT    NOT NULL,
  detail       TEXT    NOT NULL,
  author       TEXT,
  message_uuid TEXT,
  message_type TEXT,
  size         INTEGER NOT NULL,
  sha512       TEXT    NOT NULL,
  remote       TEXT
);
`,
  },
  {
    version: 2,
    name: 'payload sealing and format',
    // payload_key_id: the at-rest key that sealed `payload` (ADR 0009); NULL = stored in
    // the clear (rows written before encryption at rest, or a store opened without keys).
    // payload_format: `xml`, or `jwe` for a pass-through route's payload kept as received.
    // No index on payload_key_id: only the rewrap job asks for it (`!= active` scans anyway),
    // and every accept would pay for one more B-tree in the WAL.
    sql: `
ALTER TABLE messages ADD COLUMN payload_key_id TEXT;
ALTER TABLE messages ADD COLUMN payload_format TEXT NOT NULL DEFAULT 'xml' CHECK (payload_format IN ('xml', 'jwe'));
`,
  },
  {
    version: 3,
    name: 'retention: purged payloads and the retention log',
    // payload_purged_at: set when retention replaced the payload by an empty blob (ADR 0013);
    // metadata, history and attachment refs stay. retention_log: one row per purge, no
    // transition (the message's state does not change), never updated or deleted.
    sql: `
ALTER TABLE messages ADD COLUMN payload_purged_at INTEGER;
CREATE TABLE retention_log (
  seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id           TEXT    NOT NULL REFERENCES messages (id),
  vorgang_id           TEXT    NOT NULL,
  at                   INTEGER NOT NULL,
  reason               TEXT    NOT NULL,
  bytes_removed        INTEGER NOT NULL,
  attachments_removed  TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX retention_log_message_id ON retention_log (message_id);
`,
  },
  {
    version: 4,
    name: 'attachment uploaders',
    // Content is stored once per sha512, but who uploaded it is kept per participant: a
    // reference to stored bytes is accepted only from one of their uploaders (or within
    // the Vorgang that already carries them), see docs/security.md.
    sql: `
CREATE TABLE attachment_uploads (
  sha512      TEXT    NOT NULL,
  uploader    TEXT    NOT NULL,
  uploaded_at INTEGER NOT NULL,
  PRIMARY KEY (sha512, uploader)
) WITHOUT ROWID;
`,
  },
  {
    version: 5,
    name: 'mapped forms of a message',
    // ADR 0020: each message keeps its original and each mapped form, sealed at rest like
    // the payload; messages.mapping names the delivery mapping so a replay can map again.
    sql: `
ALTER TABLE messages ADD COLUMN mapping TEXT;
CREATE TABLE message_forms (
  message_id        TEXT    NOT NULL REFERENCES messages (id),
  name              TEXT    NOT NULL,
  role              TEXT    NOT NULL CHECK (role IN ('original', 'delivery')),
  mapping           TEXT    NOT NULL,
  format            TEXT    NOT NULL,
  media_type        TEXT    NOT NULL,
  size              INTEGER NOT NULL,
  sha512            TEXT    NOT NULL,
  payload           BLOB    NOT NULL,
  payload_key_id    TEXT,
  payload_purged_at INTEGER,
  created_at        INTEGER NOT NULL,
  PRIMARY KEY (message_id, name)
) WITHOUT ROWID;
`,
  },
  {
    version: 6,
    name: 'UUIDs in one spelling',
    // A UUID is case-insensitive: message UUIDs and Vorgang ids that are UUIDs are kept in
    // lower case (gateway/model/patterns.ts canonicalId), so a case variant cannot open a
    // second case or pass duplicate suppression. Rows written before keep their spelling
    // only where lower-casing would collide with another row of the same author (then both
    // stay visible as they were; such pairs are what this migration ends).
    sql: `
UPDATE messages SET vorgang_id = lower(vorgang_id) WHERE length(vorgang_id) = 36 AND vorgang_id GLOB '*[A-F]*' AND vorgang_id NOT GLOB '*[^0-9A-Fa-f-]*' AND substr(vorgang_id, 9, 1) = '-' AND substr(vorgang_id, 14, 1) = '-' AND substr(vorgang_id, 19, 1) = '-' AND substr(vorgang_id, 24, 1) = '-';
UPDATE retention_log SET vorgang_id = lower(vorgang_id) WHERE length(vorgang_id) = 36 AND vorgang_id GLOB '*[A-F]*' AND vorgang_id NOT GLOB '*[^0-9A-Fa-f-]*' AND substr(vorgang_id, 9, 1) = '-' AND substr(vorgang_id, 14, 1) = '-' AND substr(vorgang_id, 19, 1) = '-' AND substr(vorgang_id, 24, 1) = '-';
UPDATE messages SET message_uuid = lower(message_uuid)
 WHERE length(message_uuid) = 36 AND message_uuid GLOB '*[A-F]*' AND message_uuid NOT GLOB '*[^0-9A-Fa-f-]*' AND substr(message_uuid, 9, 1) = '-' AND substr(message_uuid, 14, 1) = '-' AND substr(message_uuid, 19, 1) = '-' AND substr(message_uuid, 24, 1) = '-'
   AND NOT EXISTS (SELECT 1 FROM messages m2 WHERE m2.author = messages.author AND m2.message_uuid = lower(messages.message_uuid));
`,
  },
  {
    version: 7,
    name: 'case events of deadlines',
    // ADR 0023: a reminder or close raised by the deadline watcher, recorded once even when
    // several instances raise it (UNIQUE; the second insert is ignored).
    sql: `
CREATE TABLE vorgang_events (
  seq               INTEGER PRIMARY KEY AUTOINCREMENT,
  vorgang_id        TEXT    NOT NULL,
  kind              TEXT    NOT NULL CHECK (kind IN ('reminder', 'closed')),
  deadline          TEXT    NOT NULL,
  after_message_id  TEXT    NOT NULL REFERENCES messages (id),
  notice_message_id TEXT    REFERENCES messages (id),
  at                INTEGER NOT NULL,
  UNIQUE (vorgang_id, deadline, kind, after_message_id)
);
CREATE INDEX vorgang_events_vorgang_id ON vorgang_events (vorgang_id, seq);
`,
  },
  {
    version: 8,
    name: 'FIT-Connect submissions, attachments and event log',
    // ADR 0027: a submission from creation to accept/reject; attachments as uploaded JWEs;
    // the case's event log as signed SETs (signed once, when the event happens).
    sql: `
CREATE TABLE fit_submissions (
  submission_id      TEXT    PRIMARY KEY,
  case_id            TEXT    NOT NULL,
  destination_id     TEXT    NOT NULL,
  author             TEXT    NOT NULL,
  leika              TEXT    NOT NULL,
  announced          TEXT    NOT NULL,
  status             TEXT    NOT NULL CHECK (status IN ('created', 'submitted', 'accepted', 'rejected', 'deleted')),
  message_id         TEXT    REFERENCES messages (id),
  encrypted_metadata TEXT,
  encrypted_data     TEXT,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);
CREATE INDEX fit_submissions_destination ON fit_submissions (destination_id, status, created_at);
CREATE INDEX fit_submissions_case ON fit_submissions (case_id);

CREATE TABLE fit_attachments (
  submission_id TEXT    NOT NULL REFERENCES fit_submissions (submission_id),
  attachment_id TEXT    NOT NULL,
  jwe           TEXT    NOT NULL,
  at            INTEGER NOT NULL,
  PRIMARY KEY (submission_id, attachment_id)
);

CREATE TABLE fit_events (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id       TEXT    NOT NULL,
  submission_id TEXT    NOT NULL REFERENCES fit_submissions (submission_id),
  event         TEXT    NOT NULL,
  token         TEXT    NOT NULL,
  at            INTEGER NOT NULL
);
CREATE INDEX fit_events_case ON fit_events (case_id, seq);
`,
  },
  {
    version: 9,
    name: 'backlog index for metrics and alerts',
    // ADR 0029: /metrics and the alert evaluator ask, on every scrape/evaluation, how many
    // messages wait per endpoint and state and since when. A partial covering index holds
    // exactly the open and dead rows, so that query reads the index only, never the table,
    // and delivered messages (the bulk of the table) cost nothing.
    sql: `
CREATE INDEX messages_backlog ON messages (state, endpoint_id, received_at)
  WHERE state IN ('received', 'validated', 'routed', 'mapped', 'queued', 'retrying', 'in_mailbox', 'dead');
`,
  },
  {
    version: 10,
    name: 'indexes of the message browser',
    // ADR 0030: every filter of the monitoring UI's message browser is answered from an
    // index walked in seq order (no sort, no scan of the table). The gateway id (UNIQUE),
    // Vorgang, state and endpoint had theirs; message UUID (the UNIQUE index leads with the
    // author), type, AGS, LeiKa and arrival time get one each. Time ranges are turned into
    // seq ranges through messages_received_at. The dead letters of one endpoint (rare rows
    // among many of that endpoint) get (state, endpoint_id). Six more B-trees per accepted message.
    sql: `
CREATE INDEX messages_message_uuid ON messages (message_uuid, seq);
CREATE INDEX messages_message_type ON messages (message_type, seq);
CREATE INDEX messages_ags ON messages (ags, seq);
CREATE INDEX messages_leika ON messages (leika, seq);
CREATE INDEX messages_received_at ON messages (received_at, seq);
CREATE INDEX messages_state_endpoint ON messages (state, endpoint_id, seq);
`,
  },
  {
    version: 11,
    name: 'indexes of the service figures',
    // ADR 0031: the figures and usage reports read a period by the time a message was stored
    // (received_at: messages_received_at of migration 10 serves it), open cases by their opening route (covering: the count never reads the
    // message rows), a message's first delivery (partial: only `delivered` transitions),
    // closes as incomplete by time. Each index costs every accept (the transitions index:
    // every delivery) one more B-tree insert; no other query needs them.
    sql: `
CREATE INDEX messages_route_received_at ON messages (route_name, received_at, vorgang_id, ags, leika);
CREATE INDEX transitions_delivered ON transitions (message_id, at) WHERE to_state = 'delivered';
CREATE INDEX vorgang_events_kind_at ON vorgang_events (kind, at);
`,
  },
  {
    version: 12,
    name: 'FIT-Connect replies',
    // ADR 0033: the reply key a sender names in its metadata (replyChannel.fitConnect), kept
    // past the purge of the submission's content; one reply per message to the sender's
    // mailbox on the case, so a reply id is stable and an acknowledged reply is not handed out again.
    sql: `
ALTER TABLE fit_submissions ADD COLUMN reply_key TEXT;

CREATE TABLE fit_replies (
  reply_id      TEXT    PRIMARY KEY,
  case_id       TEXT    NOT NULL,
  submission_id TEXT    NOT NULL REFERENCES fit_submissions (submission_id),
  message_id    TEXT    NOT NULL UNIQUE REFERENCES messages (id),
  mailbox_item  INTEGER NOT NULL,
  status        TEXT    NOT NULL CHECK (status IN ('available', 'accepted')),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX fit_replies_case ON fit_replies (case_id, created_at);
`,
  },
  {
    version: 13,
    name: 'running counts of messages and outbox rows',
    // ADR 0036: the counts that metrics, alerts, /admin/stats, the overview and admission
    // control read on every scrape or request were GROUP BYs over every open message, so
    // their cost grew with the backlog (1,000,000 undelivered messages: a scan of 1,000,000
    // index entries per scrape). Triggers keep them as running counts in the same
    // transaction as the change itself, so a read costs one small table and can never
    // disagree with the rows. Keyed by what the readers group by; a key whose count drops to
    // 0 keeps its row (a handful of rows per endpoint, service and AGS).
    sql: `
CREATE TABLE message_counts (
  state       TEXT    NOT NULL,
  endpoint_id TEXT    NOT NULL,
  leika       TEXT    NOT NULL,
  ags         TEXT    NOT NULL,
  n           INTEGER NOT NULL,
  PRIMARY KEY (state, endpoint_id, leika, ags)
) WITHOUT ROWID;
INSERT INTO message_counts (state, endpoint_id, leika, ags, n)
  SELECT state, endpoint_id, leika, ags, count(*) FROM messages GROUP BY state, endpoint_id, leika, ags;

CREATE TRIGGER message_counts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO message_counts (state, endpoint_id, leika, ags, n) VALUES (new.state, new.endpoint_id, new.leika, new.ags, 1)
    ON CONFLICT (state, endpoint_id, leika, ags) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER message_counts_delete AFTER DELETE ON messages BEGIN
  UPDATE message_counts SET n = n - 1 WHERE state = old.state AND endpoint_id = old.endpoint_id AND leika = old.leika AND ags = old.ags;
END;
CREATE TRIGGER message_counts_update AFTER UPDATE OF state, endpoint_id, leika, ags ON messages
  WHEN old.state IS NOT new.state OR old.endpoint_id IS NOT new.endpoint_id OR old.leika IS NOT new.leika OR old.ags IS NOT new.ags
BEGIN
  UPDATE message_counts SET n = n - 1 WHERE state = old.state AND endpoint_id = old.endpoint_id AND leika = old.leika AND ags = old.ags;
  INSERT INTO message_counts (state, endpoint_id, leika, ags, n) VALUES (new.state, new.endpoint_id, new.leika, new.ags, 1)
    ON CONFLICT (state, endpoint_id, leika, ags) DO UPDATE SET n = n + 1;
END;

CREATE TABLE outbox_counts (
  endpoint_id TEXT    NOT NULL,
  dead        INTEGER NOT NULL,
  n           INTEGER NOT NULL,
  PRIMARY KEY (endpoint_id, dead)
) WITHOUT ROWID;
INSERT INTO outbox_counts (endpoint_id, dead, n) SELECT endpoint_id, dead, count(*) FROM outbox GROUP BY endpoint_id, dead;

CREATE TRIGGER outbox_counts_insert AFTER INSERT ON outbox BEGIN
  INSERT INTO outbox_counts (endpoint_id, dead, n) VALUES (new.endpoint_id, new.dead, 1)
    ON CONFLICT (endpoint_id, dead) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER outbox_counts_delete AFTER DELETE ON outbox BEGIN
  UPDATE outbox_counts SET n = n - 1 WHERE endpoint_id = old.endpoint_id AND dead = old.dead;
END;
CREATE TRIGGER outbox_counts_update AFTER UPDATE OF endpoint_id, dead ON outbox
  WHEN old.endpoint_id IS NOT new.endpoint_id OR old.dead IS NOT new.dead
BEGIN
  UPDATE outbox_counts SET n = n - 1 WHERE endpoint_id = old.endpoint_id AND dead = old.dead;
  INSERT INTO outbox_counts (endpoint_id, dead, n) VALUES (new.endpoint_id, new.dead, 1)
    ON CONFLICT (endpoint_id, dead) DO UPDATE SET n = n + 1;
END;
`,
  },
  {
    version: 14,
    name: 'XTA fetches',
    // ADR 0040: XTA's close names only the message id; the lease token of the getMessage before it
    // is kept here (written in the fetch's transaction), so a close after a gateway restart works.
    // One row per message and mailbox: a new fetch replaces the old one's lease.
    sql: `
CREATE TABLE xta_fetches (
  mailbox     TEXT    NOT NULL,
  message_id  TEXT    NOT NULL,
  item_id     INTEGER NOT NULL,
  lease_token TEXT    NOT NULL,
  lease_until INTEGER NOT NULL,
  PRIMARY KEY (mailbox, message_id)
);
CREATE INDEX xta_fetches_lease_until ON xta_fetches (lease_until);
`,
  },
  {
    version: 15,
    name: 'retention: second stage deletes the records of purged messages (ADR 0049)',
    // The retention log becomes the tombstone of a deleted message: it loses its foreign key to
    // messages (a log row outlives its message) and gains `stage` ('payload' | 'records').
    // SQLite cannot drop a constraint, so the table is copied (seq kept, the AUTOINCREMENT
    // sequence follows the copied maximum). The indexes let the deletion find its candidates
    // without a scan, and let SQLite check each child table's foreign key by index when a
    // message row goes (otherwise every delete scans mailbox, vorgang_events and fit_submissions).
    sql: `
CREATE TABLE retention_log_v15 (
  seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id           TEXT    NOT NULL,
  vorgang_id           TEXT    NOT NULL,
  at                   INTEGER NOT NULL,
  reason               TEXT    NOT NULL,
  bytes_removed        INTEGER NOT NULL,
  attachments_removed  TEXT    NOT NULL DEFAULT '[]',
  stage                TEXT    NOT NULL DEFAULT 'payload' CHECK (stage IN ('payload', 'records'))
);
INSERT INTO retention_log_v15 (seq, message_id, vorgang_id, at, reason, bytes_removed, attachments_removed)
  SELECT seq, message_id, vorgang_id, at, reason, bytes_removed, attachments_removed FROM retention_log ORDER BY seq;
DROP TABLE retention_log;
ALTER TABLE retention_log_v15 RENAME TO retention_log;
CREATE INDEX retention_log_message_id ON retention_log (message_id);
CREATE INDEX messages_payload_purged_at ON messages (payload_purged_at, seq) WHERE payload_purged_at IS NOT NULL;
CREATE INDEX mailbox_message_id ON mailbox (message_id);
CREATE INDEX vorgang_events_after_message_id ON vorgang_events (after_message_id);
CREATE INDEX vorgang_events_notice_message_id ON vorgang_events (notice_message_id);
CREATE INDEX fit_submissions_message_id ON fit_submissions (message_id);
`,
  },
];

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Brings a SQLite database to the latest of `migrations` (ordered by version). Each
 * migration runs in its own IMMEDIATE transaction together with its `schema_version` row,
 * so a crash leaves a consistent version and another process migrating at the same time
 * is seen inside the write lock; calling again applies nothing. Fails when the database is
 * newer than this code (`what` names the database in that error). Returns the versions
 * applied now. Used by the message store and the audit log.
 */
export function applyMigrations(db: Database.Database, migrations: readonly Migration[], what: string, now: () => number = Date.now): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
  version    INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL,
  applied_at INTEGER NOT NULL
)`);
  const newest = (db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0;
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (newest > latest) {
    throw new Error(`${what} schema version ${newest} is newer than this gateway supports (${latest}).`);
  }
  const isApplied = db.prepare('SELECT 1 FROM schema_version WHERE version = ?');
  const insert = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
  const done: number[] = [];
  for (const m of migrations) {
    const appliedNow = db
      .transaction(() => {
        if (isApplied.get(m.version) !== undefined) return false;
        db.exec(m.sql);
        insert.run(m.version, m.name, now());
        return true;
      })
      .immediate();
    if (appliedNow) done.push(m.version);
  }
  return done;
}

/** Brings the message store's schema to the latest version (see applyMigrations). */
export function migrate(db: Database.Database, now: () => number = Date.now): number[] {
  return applyMigrations(db, MIGRATIONS, 'Database', now);
}
