import { createHash } from 'node:crypto';
import { GatewayError } from '../errors.js';
import type { AuditBreak, AuditEntry, AuditHead, AuditVerifyResult, NewAuditEntry } from './types.js';

/** prevHash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);
const FORMAT = 'zsa-gateway/audit/v1';
const MAX_DETAIL_CHARS = 16 * 1024;
const ACTION = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/;
const TARGET = /^[a-z][a-z-]*:[^\s]{1,400}$/;
const ACTOR = /^[^\s][^\n\r]{0,199}$/;

/**
 * Canonical JSON: object keys sorted (by UTF-16 code units), no whitespace, only plain JSON
 * values. Throws TypeError for anything JSON cannot carry faithfully (undefined, functions,
 * non-finite numbers, bigint, class instances such as Date).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  throw new TypeError(`not a plain JSON value (${typeof value})`);
}

/** The serialization that is hashed: a JSON array of every field but `hash`, detail as canonical JSON text. */
export function canonicalEntry(e: Omit<AuditEntry, 'hash' | 'detail'> & { detail: string }): string {
  return JSON.stringify([FORMAT, e.seq, e.at, e.actor, e.action, e.target, e.outcome, e.detail, e.prevHash]);
}

export function hashEntry(e: Omit<AuditEntry, 'hash' | 'detail'> & { detail: string }): string {
  return createHash('sha256').update(canonicalEntry(e)).digest('hex');
}

/** Validates what a caller wants to record and returns the canonical detail text. Throws GW_BAD_REQUEST. */
export function checkNewEntry(e: NewAuditEntry): { at: string; detail: string } {
  if (typeof e !== 'object' || e === null) throw new GatewayError('GW_BAD_REQUEST', 'Invalid audit entry: not an object.');
  const problems: string[] = [];
  if (typeof e.actor !== 'string' || !ACTOR.test(e.actor)) problems.push('actor must be 1-200 characters without line breaks');
  if (typeof e.action !== 'string' || !ACTION.test(e.action)) problems.push('action must be dotted lower-case words, e.g. payload.read');
  if (typeof e.target !== 'string' || !TARGET.test(e.target)) problems.push('target must be <kind>:<id>, e.g. message:<id>');
  if (e.outcome !== 'allowed' && e.outcome !== 'refused') problems.push('outcome must be allowed or refused');
  let detail = '{}';
  try {
    if (e.detail !== undefined) {
      if (typeof e.detail !== 'object' || e.detail === null || Array.isArray(e.detail)) throw new TypeError('not an object');
      detail = canonicalJson(e.detail);
    }
  } catch (err) {
    problems.push(`detail must be a plain JSON object (${(err as Error).message})`);
  }
  if (detail.length > MAX_DETAIL_CHARS) problems.push(`detail is longer than ${MAX_DETAIL_CHARS} characters`);
  const at = e.at ?? new Date();
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) problems.push('at must be a valid Date');
  if (problems.length > 0) throw new GatewayError('GW_BAD_REQUEST', `Invalid audit entry: ${problems.join('; ')}.`);
  return { at: at.toISOString(), detail };
}

/** A stored entry with its detail as stored (canonical text). */
export type StoredEntry = Omit<AuditEntry, 'detail'> & { detail: string };

export interface ChainSource {
  /** Every entry, seq ascending. */
  rows(): Iterable<StoredEntry>;
  /** The seq of the entry with this hash, if any. */
  seqOfHash(hash: string): number | undefined;
  /** The checkpoint kept beside the entries, if any. */
  checkpoint(): AuditHead | undefined;
}

/** The same as ChainSource for a database reached over the network (PostgreSQL). */
export interface AsyncChainSource {
  rows(): AsyncIterable<StoredEntry>;
  seqOfHash(hash: string): Promise<number | undefined>;
  checkpoint(): Promise<AuditHead | undefined>;
}

/** What the chain walk asks its driver for next. */
type WalkRequest = { need: 'row' } | { need: 'seqOfHash'; hash: string } | { need: 'checkpoint' };
type WalkAnswer = StoredEntry | AuditHead | number | undefined;

/**
 * Walks the chain and reports the first break:
 * - `removed`: a seq is missing, or the checkpoint/anchor names entries past the last one;
 * - `reordered`: an entry's prevHash names an entry that exists elsewhere in the log;
 * - `altered`: an entry does not match its own hash, its predecessor is not the entry it was
 *   chained to, or the last entry is not the one the checkpoint/anchor recorded.
 * The classification is a best guess where tampering is ambiguous (replacing entry n is
 * indistinguishable from removing it and inserting another); detection is not.
 */
export function verifyChain(src: ChainSource, anchor?: AuditHead): AuditVerifyResult {
  const rows = src.rows()[Symbol.iterator]();
  const walk = walkChain(anchor);
  for (let step = walk.next(); ; ) {
    if (step.done) return step.value;
    const q = step.value;
    step = walk.next(q.need === 'row' ? nextRow(rows.next()) : q.need === 'seqOfHash' ? src.seqOfHash(q.hash) : src.checkpoint());
  }
}

/** verifyChain for an AsyncChainSource: the same walk, the same findings. */
export async function verifyChainAsync(src: AsyncChainSource, anchor?: AuditHead): Promise<AuditVerifyResult> {
  const rows = src.rows()[Symbol.asyncIterator]();
  const walk = walkChain(anchor);
  for (let step = walk.next(); ; ) {
    if (step.done) return step.value;
    const q = step.value;
    step = walk.next(q.need === 'row' ? nextRow(await rows.next()) : q.need === 'seqOfHash' ? await src.seqOfHash(q.hash) : await src.checkpoint());
  }
}

const nextRow = (r: IteratorResult<StoredEntry>): StoredEntry | undefined => (r.done ? undefined : r.value);

/** The chain walk itself, written once for both drivers: it yields what it needs and receives the answer. */
function* walkChain(anchor: AuditHead | undefined): Generator<WalkRequest, AuditVerifyResult, WalkAnswer> {
  let expectedSeq = 1;
  let expectedPrev = GENESIS_HASH;
  let entries = 0;
  const broken = (firstBadSeq: number, reason: AuditBreak, detail: string): AuditVerifyResult => ({ ok: false, entries, firstBadSeq, reason, detail, warnings: [] });
  const seqOfHash = function* (hash: string): Generator<WalkRequest, number | undefined, WalkAnswer> {
    return (yield { need: 'seqOfHash', hash }) as number | undefined;
  };
  for (;;) {
    const r = (yield { need: 'row' }) as StoredEntry | undefined;
    if (r === undefined) break;
    entries++;
    if (r.seq !== expectedSeq) {
      return r.seq > expectedSeq
        ? broken(expectedSeq, 'removed', `Entry ${expectedSeq} is missing; the next entry is ${r.seq}.`)
        : broken(r.seq, 'altered', `Entry ${r.seq} has a seq out of the chain's range.`);
    }
    if (r.prevHash !== expectedPrev) {
      const elsewhere = yield* seqOfHash(r.prevHash);
      if (elsewhere !== undefined) return broken(r.seq, 'reordered', `Entry ${r.seq} was chained after entry ${elsewhere}, not after entry ${r.seq - 1}.`);
      if (r.seq === 1) return broken(1, 'altered', 'Entry 1 does not start the chain.');
      // The entry it was chained to is gone. If this entry is intact, its predecessor was
      // replaced; if not, entries were removed and the rest renumbered.
      return hashEntry(r) === r.hash
        ? broken(r.seq - 1, 'altered', `Entry ${r.seq - 1} is not the entry that entry ${r.seq} was chained to (replaced).`)
        : broken(r.seq, 'removed', `The entry that entry ${r.seq} was chained to is missing, and entry ${r.seq} was renumbered or altered.`);
    }
    if (hashEntry(r) !== r.hash) return broken(r.seq, 'altered', `Entry ${r.seq} does not match its hash.`);
    expectedPrev = r.hash;
    expectedSeq++;
  }
  const last: AuditHead = { seq: expectedSeq - 1, hash: expectedPrev };
  const checkpoint = (yield { need: 'checkpoint' }) as AuditHead | undefined;
  for (const [mark, name] of [[checkpoint, 'checkpoint'], [anchor, 'anchor']] as const) {
    if (mark === undefined) {
      if (name === 'checkpoint') return broken(Math.max(1, last.seq), 'altered', 'The head checkpoint is missing.');
      continue;
    }
    if (mark.seq > last.seq) return broken(last.seq + 1, 'removed', `The ${name} records entry ${mark.seq}, but the log ends at ${last.seq}.`);
    if (name === 'checkpoint' && mark.seq < last.seq) {
      return broken(mark.seq + 1, 'altered', `Entries ${mark.seq + 1}-${last.seq} were added without advancing the checkpoint (written outside the gateway).`);
    }
    const at = mark.seq === last.seq ? (last.hash === mark.hash ? mark.seq : undefined) : yield* seqOfHash(mark.hash);
    if (at !== mark.seq) return broken(Math.max(1, mark.seq), 'altered', `Entry ${mark.seq} is not the entry the ${name} recorded.`);
  }
  return { ok: true, entries, head: last, warnings: [] };
}
