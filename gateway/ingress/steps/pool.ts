import { Piscina } from 'piscina';
import type { IngressMediaType } from '../../config/schema.js';
import { GatewayError } from '../../errors.js';
import type { MessageHeader } from '../../model/index.js';
import type { Submitter } from '../form-ingress.js';
import type { DeliveryMapping } from '../mapping-step.js';
import type { IngressSteps, Prepared, StepsInit } from './contract.js';
import { fromWireDelivery, fromWirePrepared, owned, transfersOf, type StepReply, type StepTask } from './wire.js';

/** Heap limits of one ingress worker (MB): bounds what a worker can hold; a worker over them is ended and replaced, its task fails with GW_INTERNAL. */
export interface WorkerHeapLimits {
  /** V8's young generation (per worker; smaller means more frequent, shorter scavenges and less RSS). */
  youngMb: number;
  oldMb: number;
}

/**
 * The ingress steps in worker threads (piscina; ADR 0047): each of `threads` workers loads
 * the schema sets and mappings once (worker.ts) and runs one step at a time, so the main
 * thread keeps only HTTP, routing and the store hand-off. Each payload crosses once per step
 * as a moved copy of its bytes (wire.ts).
 *
 * `start` starts every worker and resolves once all have loaded (the gateway is not ready
 * before). A failure of the pool itself (a worker that cannot load or dies) is GW_INTERNAL, and
 * GW_NOT_READY once `close` began: never a refusal of the message. Under tsx (sources run as
 * .ts) the workers start with worker-tsx.mjs, which registers tsx; the build loads worker.js.
 */
export class PooledSteps implements IngressSteps {
  private readonly pool: Piscina<StepTask, StepReply>;
  private closing: Promise<void> | undefined;

  constructor(init: StepsInit, readonly threads: number, limits?: WorkerHeapLimits) {
    const source = import.meta.url.endsWith('.ts');
    this.pool = new Piscina<StepTask, StepReply>({
      filename: new URL(source ? './worker-tsx.mjs' : './worker.js', import.meta.url).href,
      name: 'default',
      minThreads: threads,
      maxThreads: threads,
      // the workers hold compiled schemas: they live as long as the gateway, never ended for idleness
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData: init,
      // tasks by message events, not Atomics.wait between tasks: the steps are asynchronous (JSONata), and in a profile the
      // blocking wait and wake-up cost more CPU per message on a busy machine than the event loop (ADR 0047)
      atomics: 'disabled',
      ...(limits && { resourceLimits: { maxYoungGenerationSizeMb: limits.youngMb, maxOldGenerationSizeMb: limits.oldMb } }),
    });
  }

  /** Resolves once every worker has loaded its schema sets and mappings; rejects with why one could not. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.threads }, () => this.run({ kind: 'ready' })));
  }

  async check(xml: Buffer): Promise<Prepared> {
    return this.prepared(await this.run({ kind: 'check', xml: owned(xml) }));
  }

  async fromForm(body: Buffer, mediaType: IngressMediaType, submitter: Submitter): Promise<Prepared> {
    return this.prepared(await this.run({ kind: 'form', body: owned(body), mediaType, submitter }));
  }

  async deliver(name: string, payload: Buffer, h: Pick<MessageHeader, 'standard' | 'version' | 'messageType'>): Promise<DeliveryMapping> {
    const reply = await this.run({ kind: 'deliver', name, payload: owned(payload), header: { standard: h.standard, version: h.version, messageType: h.messageType } });
    if (reply.kind !== 'delivered') throw unexpected(reply);
    return fromWireDelivery(reply.outcome);
  }

  close(): Promise<void> {
    return (this.closing ??= this.pool.destroy());
  }

  private prepared(reply: StepReply): Prepared {
    if (reply.kind !== 'prepared') throw unexpected(reply);
    return fromWirePrepared(reply.prepared);
  }

  private async run(task: StepTask): Promise<StepReply> {
    if (this.closing) throw stopping();
    try {
      return await this.pool.run(task, { transferList: transfersOf(task) });
    } catch (cause) {
      if (this.closing) throw stopping(cause);
      throw new GatewayError('GW_INTERNAL', 'an ingress worker thread failed', { cause });
    }
  }
}

function stopping(cause?: unknown): GatewayError {
  return new GatewayError('GW_NOT_READY', 'The gateway is stopping: no more messages are taken.', cause === undefined ? {} : { cause });
}

function unexpected(reply: StepReply): GatewayError {
  return new GatewayError('GW_INTERNAL', `an ingress worker answered ${reply.kind} to a task of another kind`);
}
