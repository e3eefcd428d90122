/**
 * The life of a message in the gateway, in one place.
 *
 *   received → validated → routed ─┬─→ mapped ─┬─→ queued ─┬─→ delivered → acknowledged
 *                                  │           │           ├─→ in_mailbox → delivered (receiver acknowledged the pull)
 *                                  │           │           ├─→ retrying ⇄ (next attempt) → delivered | dead
 *                                  │           │           └─→ dead (permanent error or attempts exhausted) → queued (replay)
 *                                  ├───────────┘ (no mapping applies: routed → queued)
 *                                  └─→ dead (the route's mapping failed or produced invalid output; replay maps again)
 *
 * `mapped`: the route (or the receiver's declared version) named a mapping for the target;
 * the mapped form is stored with the message, validated against the target's schema, and
 * delivered instead of the payload (ADR 0020). A mapping that fails on a valid message is a
 * gateway bug, not the sender's fault: the message is kept and goes `dead` with the mapping
 * and its rule named in the transition reason.
 *
 * Input that fails parsing, validation or routing is answered with problem+json and never
 * becomes a message; it is recorded in the rejection log instead (see ADR 0004).
 *
 * Every transition is written with time, reason and attempt in the same transaction as
 * the state change itself (`transitions` table), so the history is the proof of what
 * happened to a message.
 */
export const MESSAGE_STATES = [
  'received',
  'validated',
  'routed',
  'mapped',
  'queued',
  'retrying',
  'in_mailbox',
  'delivered',
  'acknowledged',
  'dead',
] as const;

export type MessageState = (typeof MESSAGE_STATES)[number];

/** Which state may follow which. Checked by every store backend before it writes. */
export const ALLOWED_TRANSITIONS: Readonly<Record<MessageState, readonly MessageState[]>> = {
  received: ['validated'],
  validated: ['routed'],
  routed: ['mapped', 'queued', 'dead'],
  mapped: ['queued'],
  queued: ['delivered', 'in_mailbox', 'retrying', 'dead'],
  retrying: ['delivered', 'in_mailbox', 'retrying', 'dead'],
  in_mailbox: ['delivered', 'queued'],
  delivered: ['acknowledged'],
  acknowledged: [],
  dead: ['queued'],
};

/** States in which a message still waits for the gateway to do something. */
export const OPEN_STATES: readonly MessageState[] = ['received', 'validated', 'routed', 'mapped', 'queued', 'retrying', 'in_mailbox'];

export function isMessageState(s: string): s is MessageState {
  return (MESSAGE_STATES as readonly string[]).includes(s);
}

export function canTransition(from: MessageState, to: MessageState): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}
