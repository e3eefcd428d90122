import type { Updateable } from 'kysely';
import { GatewayError } from '../../errors.js';
import { canTransition, type MessageState } from '../../model/states.js';
import type { MessagesTable } from '../tables.js';
import type { SqliteContext } from './connection.js';
import { toState } from './rows.js';
import { template, type QueryTemplate } from './template.js';

const SELECT_STATE = template('select-state', (qb, p: { id: string }) => qb.selectFrom('messages').select('state').where('id', '=', p.id));

type TransitionParams = { message_id: string; from_state: string | null; to_state: string; at: number; reason: string; attempt: number };
const INSERT_TRANSITION = template('insert-transition', (qb, p: TransitionParams) =>
  qb.insertInto('transitions').values({ message_id: p.message_id, from_state: p.from_state, to_state: p.to_state, at: p.at, reason: p.reason, attempt: p.attempt }),
);

type StateSet = Omit<Updateable<MessagesTable>, 'state' | 'updated_at' | 'id' | 'seq'>;
/** One compiled UPDATE per combination of extra columns (callers use a handful). */
const updateTemplates = new Map<string, QueryTemplate<Record<string, unknown>, unknown>>();
function updateStateTemplate(keys: string[]): QueryTemplate<Record<string, unknown>, unknown> {
  const name = keys.join(',');
  let t = updateTemplates.get(name);
  if (t === undefined) {
    t = template(`update-state(${name})`, (qb, p: Record<string, unknown>) =>
      qb
        .updateTable('messages')
        .set({ ...(Object.fromEntries(keys.map((k) => [k, p[k]])) as StateSet), state: p['state'] as string, updated_at: p['updated_at'] as number })
        .where('id', '=', p['id'] as string),
    );
    updateTemplates.set(name, t);
  }
  return t;
}

/**
 * The one way a stored message changes state: checks the state machine (states.ts),
 * updates the message and writes the transition row, inside the caller's transaction.
 * Returns the state it came from.
 * Throws GW_NOT_FOUND for an unknown message and GW_STATE_CONFLICT when `to` may not
 * follow the current state.
 */
export function changeState(
  ctx: SqliteContext,
  messageId: string,
  to: MessageState,
  reason: string,
  attempt: number,
  set: StateSet = {},
): MessageState {
  const row = ctx.sql.first(SELECT_STATE, { id: messageId });
  if (row === undefined) throw new GatewayError('GW_NOT_FOUND', `Message ${messageId} does not exist.`);
  const from = toState(row.state);
  if (!canTransition(from, to)) {
    throw new GatewayError('GW_STATE_CONFLICT', `Message ${messageId} cannot go from ${from} to ${to}.`, {
      extra: { messageId, from, to },
    });
  }
  const at = ctx.now();
  const keys = Object.keys(set).sort();
  ctx.sql.run(updateStateTemplate(keys), { ...set, state: to, updated_at: at, id: messageId });
  ctx.sql.run(INSERT_TRANSITION, { message_id: messageId, from_state: from, to_state: to, at, reason, attempt });
  return from;
}

/** One multi-row INSERT per number of creation steps (accept has 3 to 5): `from_i`, `to_i`, `reason_i` per row. */
const creationTemplates = new Map<number, QueryTemplate<Record<string, unknown>, unknown>>();
function insertCreationTemplate(rows: number): QueryTemplate<Record<string, unknown>, unknown> {
  let t = creationTemplates.get(rows);
  if (t === undefined) {
    t = template(`insert-creation(${rows})`, (qb, p: Record<string, unknown>) =>
      qb.insertInto('transitions').values(
        Array.from({ length: rows }, (_, i) => ({
          message_id: p['message_id'] as string,
          from_state: p[`from_${i}`] as string | null,
          to_state: p[`to_${i}`] as string,
          at: p['at'] as number,
          reason: p[`reason_${i}`] as string,
          attempt: 0,
        })),
      ),
    );
    creationTemplates.set(rows, t);
  }
  return t;
}

/**
 * Writes the transitions of a message that is inserted directly in the last state of
 * `path` (accept: received → validated → routed → (mapped →) queued | dead), after checking that the state
 * machine allows each step. The first step is the creation (from = null). One INSERT for
 * all steps (rows in path order, so their seq keeps the order of the history).
 */
export function recordCreation(
  ctx: SqliteContext,
  messageId: string,
  path: ReadonlyArray<{ state: MessageState; reason: string }>,
  at: number,
): void {
  const params: Record<string, unknown> = { message_id: messageId, at };
  let from: MessageState | null = null;
  path.forEach((step, i) => {
    if (from !== null && !canTransition(from, step.state)) {
      throw new GatewayError('GW_STATE_CONFLICT', `Message ${messageId} cannot go from ${from} to ${step.state}.`);
    }
    params[`from_${i}`] = from;
    params[`to_${i}`] = step.state;
    params[`reason_${i}`] = step.reason;
    from = step.state;
  });
  if (path.length > 0) ctx.sql.run(insertCreationTemplate(path.length), params);
}
