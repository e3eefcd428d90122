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

/** One pool of worker threads, shared by every PooledSteps of the process with the same StepsInit and size. */
interface SharedPool {
  key: string;
  piscina: Piscina<StepTask, StepReply>;
  leases: number;
  /** Every worker loaded (or why one could not). */
  ready: Promise<void>;
}

/**
 * The pools of this process by StepsInit and size. A gateway process has one; a test process
 * starts dozens of gateways with the same configuration, and under tsx a worker takes seconds
 * to load, so a pool outlives its last lease as long as no pool of another configuration is
 * asked for (then every idle pool ends). Idle workers do not keep the process alive.
 */
const pools = new Map<string, SharedPool>();

function leasePool(init: StepsInit, threads: number, limits: WorkerHeapLimits | undefined): SharedPool {
  const key = JSON.stringify([init, threads, limits ?? null]);
  let pool = pools.get(key);
  if (pool === undefined) {
    for (const idle of [...pools.values()].filter((p) => p.leases === 0)) endPool(idle);
    const piscina = startPiscina(init, threads, limits);
    // one `ready` task per worker: each runs on a worker of its own once that one has loaded
    const ready = Promise.all(Array.from({ length: threads }, () => piscina.run({ kind: 'ready' }))).then(() => undefined);
    ready.catch(() => undefined); // start() reports it; a pool nobody starts must not raise an unhandled rejection
    pool = { key, piscina, leases: 0, ready };
    pools.set(key, pool);
  }
  pool.leases++;
  return pool;
}

function endPool(pool: SharedPool): void {
  if (pools.get(pool.key) === pool) pools.delete(pool.key);
  pool.piscina.destroy().catch(() => undefined);
}

function startPiscina(init: StepsInit, threads: number, limits: WorkerHeapLimits | undefined): Piscina<StepTask, StepReply> {
  const source = import.meta.url.endsWith('.ts');
  return new Piscina<StepTask, StepReply>({
    filename: new URL(source ? './worker-tsx.mjs' : './worker.js', import.meta.url).href,
    name: 'default',
    minThreads: threads,
    maxThreads: threads,
    // the workers hold compiled schemas: they live as long as the pool, never ended for idleness
    idleTimeout: Number.POSITIVE_INFINITY,
    workerData: init,
    // tasks by message events, not Atomics.wait between tasks: the steps are asynchronous (JSONata), and in a profile the
    // blocking wait and wake-up cost more CPU per message on a busy machine than the event loop (ADR 0047)
    atomics: 'disabled',
    // no per-task run/wait-time histograms: nobody reads them, and each task would pay for them
    recordTiming: false,
    ...(limits && { resourceLimits: { maxYoungGenerationSizeMb: limits.youngMb, maxOldGenerationSizeMb: limits.oldMb } }),
  });
}

/**
 * The ingress steps in worker threads (piscina; ADR 0047): each of `threads` workers loads
 * the schema sets and mappings once (worker.ts) and runs one step at a time, so the main
 * thread keeps only HTTP, routing and the store hand-off. Each payload crosses once per step
 * as a moved copy of its bytes (wire.ts). Gateways of one process with the same configuration
 * share the threads (leasePool).
 *
 * `start` resolves once every worker has loaded (the gateway is not ready before). A failure
 * of the pool itself (a worker that cannot load or dies) is GW_INTERNAL, and GW_NOT_READY once
 * `close` began: never a refusal of the message. Under tsx (sources run as .ts) the workers
 * start with worker-tsx.mjs, which registers tsx; the build loads worker.js.
 */
export class PooledSteps implements IngressSteps {
  private readonly pool: SharedPool;
  private closed = false;

  constructor(init: StepsInit, readonly threads: number, limits?: WorkerHeapLimits) {
    this.pool = leasePool(init, threads, limits);
  }

  /** Resolves once every worker has loaded its schema sets and mappings; rejects (GW_INTERNAL) with why one could not, and the pool is ended. */
  async start(): Promise<void> {
    try {
      await this.pool.ready;
    } catch (cause) {
      endPool(this.pool);
      throw new GatewayError('GW_INTERNAL', 'an ingress worker thread could not load the schema sets and mappings', { cause });
    }
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

  /** Ends this lease (idempotent): later calls get GW_NOT_READY; the threads stay for the next gateway of the process with the same configuration. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.pool.leases--;
    }
    return Promise.resolve();
  }

  private prepared(reply: StepReply): Prepared {
    if (reply.kind !== 'prepared') throw unexpected(reply);
    return fromWirePrepared(reply.prepared);
  }

  private async run(task: StepTask): Promise<StepReply> {
    if (this.closed) throw stopping();
    try {
      return await this.pool.piscina.run(task, { transferList: transfersOf(task) });
    } catch (cause) {
      if (this.closed) throw stopping(cause);
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
