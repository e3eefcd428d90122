import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../files/durable.js';

/** What `zsa-gateway agent status` shows: counts since the state folder was created, and the latest events. */
export interface AgentStatus {
  pid: number;
  startedAt: string;
  updatedAt: string;
  /** The last poll of any mailbox that the gateway answered (200 or 204). */
  lastPollAt: string | null;
  /** Accepted by a local target (each gateway id once, unless the agent crashed between the local accept and its journal entry). */
  delivered: number;
  /** Handed out again after a local target had accepted it: recognised by the journal, acknowledged, not delivered again. */
  duplicates: number;
  /** Local deliveries refused or failed (each try counts; the message is not acknowledged and comes again). */
  failed: number;
  /** Answers the gateway stored (202, or 200 duplicate). */
  answersSent: number;
  /** Answers the gateway refused for good (moved to failed/). */
  answersFailed: number;
  /** Per mailbox: last poll and whether the loop still runs. */
  mailboxes: Record<string, { lastPollAt: string | null; state: 'polling' | 'stopped'; lastError?: string }>;
  /** The newest errors (at most 20): time, where, and a message without message content. */
  errors: Array<{ at: string; where: string; message: string }>;
}

const MAX_ERRORS = 20;

/**
 * The agent's status file `<stateDir>/status.json`: loaded at start (counts continue across
 * restarts), rewritten durably (temp, fsync, rename) after every change the agent counts, so
 * `agent status` reads a whole file even while the agent runs or after it was killed.
 */
export class StatusFile {
  readonly file: string;
  readonly status: AgentStatus;
  private writing: Promise<void> = Promise.resolve();

  constructor(stateDir: string, mailboxes: readonly string[]) {
    this.file = statusFileIn(stateDir);
    const now = new Date().toISOString();
    const before = readStatus(stateDir);
    this.status = {
      pid: process.pid,
      startedAt: now,
      updatedAt: now,
      lastPollAt: before?.lastPollAt ?? null,
      delivered: before?.delivered ?? 0,
      duplicates: before?.duplicates ?? 0,
      failed: before?.failed ?? 0,
      answersSent: before?.answersSent ?? 0,
      answersFailed: before?.answersFailed ?? 0,
      mailboxes: Object.fromEntries(mailboxes.map((m) => [m, { lastPollAt: before?.mailboxes?.[m]?.lastPollAt ?? null, state: 'polling' as const }])),
      errors: before?.errors ?? [],
    };
  }

  count(what: 'delivered' | 'duplicates' | 'failed' | 'answersSent' | 'answersFailed'): void {
    this.status[what] += 1;
  }

  polled(mailbox: string): void {
    const at = new Date().toISOString();
    this.status.lastPollAt = at;
    const m = this.status.mailboxes[mailbox];
    if (m) {
      m.lastPollAt = at;
      delete m.lastError;
    }
  }

  error(where: string, message: string): void {
    this.status.errors = [...this.status.errors, { at: new Date().toISOString(), where, message }].slice(-MAX_ERRORS);
    const m = this.status.mailboxes[where];
    if (m) m.lastError = message;
  }

  stopped(mailbox: string): void {
    const m = this.status.mailboxes[mailbox];
    if (m) m.state = 'stopped';
  }

  /** Writes the current status; writes are serialised, and the returned promise resolves once this one is on disk. */
  save(): Promise<void> {
    this.status.updatedAt = new Date().toISOString();
    const text = `${JSON.stringify(this.status, null, 2)}\n`;
    this.writing = this.writing.then(() => writeFileDurably(this.file, text));
    return this.writing;
  }
}

export function statusFileIn(stateDir: string): string {
  return join(stateDir, 'status.json');
}

/** The last status the agent wrote into `stateDir`, or null when there is none yet. */
export function readStatus(stateDir: string): AgentStatus | null {
  const file = statusFileIn(stateDir);
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as AgentStatus;
}
