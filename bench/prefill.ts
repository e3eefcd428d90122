/**
 * Pre-fills a gateway's store for `bench:ingest -- --prefill N` (ADR 0036): N messages
 * shaped like one template the gateway itself stored (header, route, endpoint), written with
 * the store's own insert (gateway/store/sqlite/messages.ts `accept`: message row, its
 * transitions, outbox row, the running counts' triggers) on a direct connection in large
 * transactions, payloads sealed with the gateway's own at-rest key. The oldest N − B become
 * `delivered` (transition written, outbox row removed) in bulk SQL; the newest B stay queued
 * — the backlog of a receiver that was down. The gateway must not be running.
 */
import { createHash, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { GatewayConfig } from '../gateway/config/schema.js';
import { loadAtRestRing } from '../gateway/crypto/config-keys.js';
import type { MessageHeader } from '../gateway/model/index.js';
import { PayloadSealer } from '../gateway/store/sealing.js';
import { createQueryBuilder, openDatabase, SqlRunner, type SqliteContext } from '../gateway/store/sqlite/connection.js';
import { accept } from '../gateway/store/sqlite/messages.js';
import { migrate } from '../gateway/store/sqlite/migrations.js';
import type { StoredMessage } from '../gateway/store/types.js';

export interface PrefillOptions {
  /** Messages to write. */
  total: number;
  /** How many of the newest stay undelivered (queued at the template's endpoint). */
  backlog: number;
  /** Receive times are spread evenly over this many days before now. */
  spreadDays?: number;
  /** Progress lines (every 100,000 messages). */
  log?: (line: string) => void;
}

const CHUNK = 10_000;

/** Writes the messages; resolves with how long it took (ms). */
export function prefillStore(cfg: GatewayConfig, template: StoredMessage, payload: Buffer, o: PrefillOptions): number {
  const t0 = performance.now();
  const dataDir = resolve(cfg.store.dataDir);
  const ring = loadAtRestRing(cfg.crypto.atRest, dataDir, () => undefined);
  const sealer = new PayloadSealer(ring);
  const db = openDatabase(resolve(dataDir, 'gateway.db'));
  try {
    migrate(db);
    const spreadMs = (o.spreadDays ?? 30) * 86_400_000;
    const end = Date.now() - 60_000;
    let at = end - spreadMs;
    const step = spreadMs / Math.max(1, o.total);
    const ctx: SqliteContext = { sql: new SqlRunner(db), qb: createQueryBuilder(), now: () => Math.floor(at) };
    const sha512 = createHash('sha512').update(payload).digest('hex');
    const history = o.total - o.backlog;
    const deliver = db.prepare(
      `INSERT INTO transitions (message_id, from_state, to_state, at, reason, attempt)
         SELECT id, 'queued', 'delivered', received_at + 150, 'prefill: delivered', 1 FROM messages WHERE seq > ?`,
    );
    const markDelivered = db.prepare(`UPDATE messages SET state = 'delivered', attempts = 1, updated_at = received_at + 150 WHERE seq > ?`);
    const dropOutbox = db.prepare(`DELETE FROM outbox WHERE message_id IN (SELECT id FROM messages WHERE seq > ?)`);
    const lastSeq = db.prepare('SELECT coalesce(max(seq), 0) FROM messages').pluck();
    for (let done = 0; done < o.total; ) {
      const n = Math.min(CHUNK, o.total - done);
      const delivered = Math.max(0, Math.min(n, history - done));
      db.transaction(() => {
        const before = Number(lastSeq.get());
        for (let i = 0; i < n; i++) {
          const id = randomUUID();
          const header: MessageHeader = { ...headerOf(template), messageUuid: randomUUID(), vorgangId: randomUUID() };
          accept(ctx, { id, header, payload, payloadSha512: sha512, attachments: [], routeName: template.routeName, endpointId: template.endpointId, routeReason: 'prefill', warnings: [] }, sealer.seal(id, payload));
          at += step;
          if (i + 1 === delivered) {
            // the first `delivered` rows of this chunk become history
            deliver.run(before);
            markDelivered.run(before);
            dropOutbox.run(before);
          }
        }
      })();
      done += n;
      if (o.log && done % 100_000 < CHUNK) o.log(`prefill: ${done} of ${o.total} messages written`);
    }
    // no ANALYZE: the gateway never runs it, so the plans measured are the plans a store that grew by itself gets
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return performance.now() - t0;
}

function headerOf(m: StoredMessage): MessageHeader {
  return {
    messageUuid: m.messageUuid,
    messageType: m.messageType,
    namespace: m.namespace,
    standard: m.standard,
    version: m.version,
    createdAt: m.headerCreatedAt,
    author: m.author,
    reader: m.reader,
    vorgangId: m.vorgangId,
    leika: m.leika,
    ags: m.ags,
    test: m.test,
  };
}
