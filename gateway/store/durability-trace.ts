/**
 * Evidence that a 2xx means durably stored (issue 11): one clock shared by the store's worker
 * thread and the main thread (an Atomics counter on a SharedArrayBuffer, so every event of
 * either thread gets a distinct, totally ordered tick), the store worker's record of each
 * batch whose COMMIT returned (with the ids of the messages it accepted and the connection's
 * `synchronous` setting then), and the HTTP layer's record of each answer as it is written.
 * A message was answered after its fsync exactly when its batch's tick is below its answer's.
 *
 * Off unless a test hands one to `startGateway`/`createStore`; it costs one atomic add and
 * one small message per batch when on.
 */
export interface CommitEvent {
  tick: number;
  messageIds: string[];
  /** SQLite's `PRAGMA synchronous` at the commit: 2 = FULL (the WAL is fsync'd at every COMMIT). */
  synchronous: number;
}

export interface AnswerEvent {
  tick: number;
  messageId: string;
  status: number;
}

export class DurabilityTrace {
  /** Shared with the store worker (workerData). */
  readonly clock = new SharedArrayBuffer(4);
  readonly commits: CommitEvent[] = [];
  readonly answers: AnswerEvent[] = [];

  /** Records that the answer for `messageId` is being written now. */
  answer(messageId: string, status: number): void {
    this.answers.push({ tick: tick(this.clock), messageId, status });
  }
}

/** The next tick of the shared clock (called by either thread). */
export function tick(clock: SharedArrayBuffer): number {
  return Atomics.add(new Int32Array(clock), 0, 1) + 1;
}
