import type { Updateable } from 'kysely';
import { GatewayError } from '../../errors.js';
import { canTransition, type MessageState } from '../states.js';
import type { MessagesTable } from '../tables.js';
import type { SqliteContext } from './connection.js';
import { toState } from './rows.js';

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
  set: Omit<Updateable<MessagesTable>, 'state' | 'updated_at' | 'id' | 'seq'> = {},
): MessageState {
  const row = ctx.sql.first(ctx.qb.selectFrom('messages').select('state').where('id', '=', messageId));
  if (row === undefined) throw new GatewayError('GW_NOT_FOUND', `Message ${messageId} does not exist.`);
  const from = toState(row.state);
  if (!canTransition(from, to)) {
    throw new GatewayError('GW_STATE_CONFLICT', `Message ${messageId} cannot go from ${from} to ${to}.`, {
      extra: { messageId, from, to },
    });
  }
  const at = ctx.now();
  ctx.sql.run(ctx.qb.updateTable('messages').set({ ...set, state: to, updated_at: at }).where('id', '=', messageId));
  ctx.sql.run(
    ctx.qb.insertInto('transitions').values({ message_id: messageId, from_state: from, to_state: to, at, reason, attempt }),
  );
  return from;
}

/**
 * Writes the transitions of a message that is inserted directly in the last state of
 * `path` (accept: received → validated → routed → queued), after checking that the state
 * machine allows each step. The first step is the creation (from = null).
 */
export function recordCreation(
  ctx: SqliteContext,
  messageId: string,
  path: ReadonlyArray<{ state: MessageState; reason: string }>,
  at: number,
): void {
  let from: MessageState | null = null;
  const rows = path.map((step) => {
    if (from !== null && !canTransition(from, step.state)) {
      throw new GatewayError('GW_STATE_CONFLICT', `Message ${messageId} cannot go from ${from} to ${step.state}.`);
    }
    const row = { message_id: messageId, from_state: from, to_state: step.state, at, reason: step.reason, attempt: 0 };
    from = step.state;
    return row;
  });
  ctx.sql.run(ctx.qb.insertInto('transitions').values(rows));
}
