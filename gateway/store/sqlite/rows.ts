import type { Selectable } from 'kysely';
import type { AttachmentRef } from '../../model/index.js';
import type { DelegationChange, Receipt, StoredMessage, StoredRejection, Transition } from '../types.js';
import { isMessageState, type MessageState } from '../../model/states.js';
import type { DelegationChangesTable, EpochMs, MessagesTable, RejectionsTable, TransitionsTable } from '../tables.js';

/** Message columns without the payload (lists and reads must not drag the blob along). */
export const MESSAGE_COLUMNS = [
  'id',
  'seq',
  'message_uuid',
  'author',
  'reader',
  'message_type',
  'namespace',
  'standard',
  'version',
  'vorgang_id',
  'leika',
  'ags',
  'test',
  'header_created_at',
  'state',
  'attempts',
  'route_name',
  'endpoint_id',
  'size',
  'sha512',
  'payload_format',
  'payload_purged_at',
  'warnings',
  'attachments',
  'last_error',
  'received_at',
  'updated_at',
  'mapping',
] as const satisfies ReadonlyArray<keyof MessagesTable>;

export type MessageRow = Pick<Selectable<MessagesTable>, (typeof MESSAGE_COLUMNS)[number]>;

export function iso(ms: EpochMs): string {
  return new Date(ms).toISOString();
}

export function isoOrNull(ms: EpochMs | null): string | null {
  return ms === null ? null : iso(ms);
}

/** Reads a state column; a value outside the state machine means a corrupt row. */
export function toState(s: string): MessageState {
  if (!isMessageState(s)) throw new Error(`Unknown message state in the database: ${s}`);
  return s;
}

export function toStoredMessage(r: MessageRow): StoredMessage {
  return {
    id: r.id,
    seq: r.seq,
    messageUuid: r.message_uuid,
    messageType: r.message_type,
    namespace: r.namespace,
    standard: r.standard,
    version: r.version,
    author: r.author,
    reader: r.reader,
    vorgangId: r.vorgang_id,
    leika: r.leika,
    ags: r.ags,
    test: r.test === 1,
    headerCreatedAt: r.header_created_at,
    state: toState(r.state),
    attempts: r.attempts,
    routeName: r.route_name,
    endpointId: r.endpoint_id,
    size: r.size,
    sha512: r.sha512,
    payloadFormat: r.payload_format === 'jwe' ? 'jwe' : 'xml',
    receivedAt: iso(r.received_at),
    updatedAt: iso(r.updated_at),
    lastError: r.last_error,
    warnings: JSON.parse(r.warnings) as string[],
    mapping: r.mapping,
    attachments: JSON.parse(r.attachments) as AttachmentRef[],
    ...(r.payload_purged_at === null ? {} : { payloadPurgedAt: iso(r.payload_purged_at) }),
  };
}

export function toReceipt(r: Pick<MessageRow, 'id' | 'message_uuid' | 'author' | 'state' | 'received_at' | 'sha512'>): Receipt {
  return {
    gatewayId: r.id,
    messageUuid: r.message_uuid,
    author: r.author,
    state: toState(r.state),
    receivedAt: iso(r.received_at),
    sha512: r.sha512,
  };
}

export function toTransition(r: Selectable<TransitionsTable>): Transition {
  return {
    seq: r.seq,
    messageId: r.message_id,
    from: r.from_state === null ? null : toState(r.from_state),
    to: toState(r.to_state),
    at: iso(r.at),
    reason: r.reason,
    attempt: r.attempt,
  };
}

export function toDelegationChange(r: Selectable<DelegationChangesTable>): DelegationChange {
  return {
    seq: r.seq,
    ags: r.ags,
    service: r.service,
    mode: r.mode,
    previous: r.previous,
    actor: r.actor,
    reason: r.reason,
    at: iso(r.at),
  };
}

export function toStoredRejection(r: Selectable<RejectionsTable>): StoredRejection {
  return {
    seq: r.seq,
    at: iso(r.at),
    code: r.code,
    detail: r.detail,
    author: r.author,
    messageUuid: r.message_uuid,
    messageType: r.message_type,
    size: r.size,
    sha512: r.sha512,
    remote: r.remote,
  };
}

/** A caller's row limit as a whole number in [0, max]; `fallback` when not given. */
export function boundLimit(limit: number | undefined, fallback: number, max = 10_000): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.min(max, Math.max(0, Math.floor(limit)));
}
