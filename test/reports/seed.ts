import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';

/**
 * Writes messages with a hand-made history straight into a migrated store file, so the
 * figures can be checked against durations chosen by the test. Synthetic ids only.
 */
export interface SeedMessage {
  id: string;
  vorgang: string;
  type: string;
  route: string;
  ags: string;
  leika: string;
  endpoint: string;
  /** ISO: stored by the gateway. */
  received: string;
  /** ms before `received` the sender created the message (header time). */
  createdBefore?: number;
  /** ms after `received` it was delivered; absent = still queued. */
  deliveredAfter?: number;
  size?: number;
  attachmentSizes?: number[];
  author?: string;
  reader?: string;
}

export const MIN = 60_000;
export const HOUR = 60 * MIN;

export function seedMessages(path: string, messages: readonly SeedMessage[]): void {
  const db = new Database(path);
  try {
    const insert = db.prepare(`INSERT INTO messages (id, message_uuid, author, reader, message_type, namespace, standard, version, vorgang_id, leika, ags, test, header_created_at, state, attempts, route_name, endpoint_id, size, sha512, payload, warnings, attachments, received_at, updated_at)
      VALUES (?, ?, ?, ?, ?, 'urn:test', 'xzsa', '1.0', ?, ?, ?, 0, ?, ?, 0, ?, ?, ?, ?, x'', '[]', ?, ?, ?)`);
    const transition = db.prepare('INSERT INTO transitions (message_id, from_state, to_state, at, reason, attempt) VALUES (?, ?, ?, ?, ?, 0)');
    db.transaction(() => {
      for (const [i, m] of messages.entries()) {
        const at = Date.parse(m.received);
        const delivered = m.deliveredAfter === undefined ? undefined : at + m.deliveredAfter;
        const attachments = (m.attachmentSizes ?? []).map((size, k) => ({ name: `nachweis-${k}.pdf`, mediaType: 'application/pdf', sha512: createHash('sha512').update(`${m.id}-${k}`).digest('hex'), size }));
        insert.run(
          m.id,
          `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          m.author ?? 'efa:hund-lsa',
          m.reader ?? 'zsa:lsa',
          m.type,
          m.vorgang,
          m.leika,
          m.ags,
          new Date(at - (m.createdBefore ?? 0)).toISOString(),
          delivered === undefined ? 'queued' : 'delivered',
          m.route,
          m.endpoint,
          m.size ?? 1000,
          createHash('sha512').update(m.id).digest('hex'),
          JSON.stringify(attachments),
          at,
          delivered ?? at,
        );
        let from: string | null = null;
        for (const to of ['received', 'validated', 'routed', 'queued']) {
          transition.run(m.id, from, to, at, `seeded ${to}`);
          from = to;
        }
        if (delivered !== undefined) transition.run(m.id, 'queued', 'delivered', delivered, 'seeded delivered');
      }
    })();
  } finally {
    db.close();
  }
}

export function seedClosedEvent(path: string, vorgangId: string, afterMessageId: string, at: string): void {
  const db = new Database(path);
  try {
    db.prepare("INSERT INTO vorgang_events (vorgang_id, kind, deadline, after_message_id, notice_message_id, at) VALUES (?, 'closed', 'nachreichung', ?, NULL, ?)").run(vorgangId, afterMessageId, Date.parse(at));
  } finally {
    db.close();
  }
}
