import type { Logger } from 'pino';

/**
 * One started piece of the gateway process (ADR 0044): a builder in gateway/compose/ returns
 * the thing it built plus one or more parts. `close` must also work when `start` never ran
 * (a later builder failed), and must not swallow its errors.
 */
export interface Part {
  /** Named in the logs when its start or close fails. */
  readonly name: string;
  /** Called once, in the start order the composition root gives; resources opened while building need none. */
  start?(): void | Promise<void>;
  /** Called once at shutdown, in reverse start order; also for a part that was built but never started. */
  close(): void | Promise<void>;
}

/**
 * Tracks the parts of one gateway process, so that whatever was opened is closed again: on a
 * normal shutdown in the reverse of the start order; when a builder or a start fails, at once,
 * before the error reaches the caller (no thread, file, timer or port is left behind).
 */
export class Assembly {
  private readonly owned: Part[] = [];
  private order: readonly Part[] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  /** Takes a part as soon as it holds something (an open store, a thread, a timer); returns it. */
  own<P extends Part>(part: P): P {
    this.owned.push(part);
    return part;
  }

  /**
   * Runs the builders (`build`); when one throws, closes every part owned so far (reverse
   * build order) and rethrows the builder's error.
   */
  async build<T>(build: () => Promise<T>): Promise<T> {
    try {
      return await build();
    } catch (err) {
      await this.closeAfterFailure();
      throw err;
    }
  }

  /**
   * Starts `order` — exactly the owned parts — one after the other. When a start throws,
   * closes every owned part (in reverse start order) and rethrows.
   */
  async start(order: readonly Part[]): Promise<void> {
    // Both are wiring mistakes: a part never owned would not be closed after a failure; one left out would close at the wrong point.
    const stray = order.find((p) => !this.owned.includes(p));
    const missing = this.owned.find((p) => !order.includes(p));
    if (stray || missing) {
      await this.closeAfterFailure();
      throw new Error(stray ? `part ${stray.name} is started but was never owned` : `part ${missing!.name} is owned but has no place in the start order`);
    }
    this.order = order;
    for (const part of order) {
      try {
        await part.start?.();
      } catch (err) {
        this.log.error({ part: part.name, err: err instanceof Error ? err.message : String(err) }, 'gateway start failed; closing what was started');
        await this.closeAfterFailure();
        throw err;
      }
    }
  }

  /**
   * Closes the parts in reverse start order, then owned parts outside the start order in
   * reverse build order. Every part is closed even when one fails; then the promise rejects
   * with that failure (an AggregateError for several). Idempotent: the same promise every call.
   */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      const ordered = [...this.order].reverse();
      const rest = this.owned.filter((p) => !this.order.includes(p)).reverse();
      const failures: unknown[] = [];
      for (const part of [...ordered, ...rest]) {
        try {
          await part.close();
        } catch (err) {
          this.log.error({ part: part.name, err: err instanceof Error ? err.message : String(err) }, 'closing a gateway part failed');
          failures.push(err);
        }
      }
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) throw new AggregateError(failures, `${failures.length} gateway parts failed to close`);
    })());
  }

  /** After a failed build or start: the close errors are logged (by close); the caller gets the original error. */
  private async closeAfterFailure(): Promise<void> {
    await this.close().catch(() => undefined);
  }
}
