import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const GATEWAY_ID = /^[0-9a-f-]{36}$/i;

/**
 * The agent's small local journal of messages a local target accepted, by gateway id
 * (`<stateDir>/accepted.journal`, one id per line). An id is appended and fsync'd after the
 * target accepted and before the gateway is acknowledged, so a message the gateway hands out
 * again — because the agent crashed, or the gateway restarted, between the local accept and
 * the acknowledgement — is recognised, counted as a duplicate and acknowledged without a
 * second local delivery. Keeps the newest `capacity` ids; when the file holds twice that many
 * lines it is rewritten (temp file, fsync, rename) with the newest `capacity`.
 *
 * A crash after the target accepted but before the append still delivers the message twice:
 * the agent is at-least-once (docs/agent.md), the journal only narrows the window.
 */
export class AcceptJournal {
  private readonly file: string;
  private readonly ids: string[] = [];
  private readonly known = new Set<string>();
  private fd: number;

  constructor(stateDir: string, private readonly capacity = 50_000) {
    this.file = join(stateDir, 'accepted.journal');
    let torn = false;
    if (existsSync(this.file)) {
      // a torn last line (crash mid-append) is not an id and is skipped
      const text = readFileSync(this.file, 'utf8');
      for (const line of text.split('\n')) if (GATEWAY_ID.test(line)) this.remember(line.toLowerCase());
      torn = text.length > 0 && !text.endsWith('\n');
    }
    this.fd = openSync(this.file, 'a', 0o600);
    if (torn) writeSync(this.fd, '\n'); // the next id starts on a line of its own
  }

  has(gatewayId: string): boolean {
    return this.known.has(gatewayId.toLowerCase());
  }

  /** Appends the id durably (write + fsync) before it returns. */
  add(gatewayId: string): void {
    const id = gatewayId.toLowerCase();
    if (this.known.has(id)) return;
    writeSync(this.fd, `${id}\n`);
    fsyncSync(this.fd);
    this.remember(id);
    if (this.ids.length >= 2 * this.capacity) this.compact();
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private remember(id: string): void {
    if (this.known.has(id)) return;
    this.known.add(id);
    this.ids.push(id);
  }

  private compact(): void {
    const keep = this.ids.splice(0, this.ids.length - this.capacity);
    for (const id of keep) this.known.delete(id);
    const tmp = `${this.file}.part`;
    const fd = openSync(tmp, 'w', 0o600);
    writeSync(fd, this.ids.map((id) => `${id}\n`).join(''));
    fsyncSync(fd);
    closeSync(fd);
    closeSync(this.fd);
    renameSync(tmp, this.file);
    this.fd = openSync(this.file, 'a', 0o600);
  }
}
