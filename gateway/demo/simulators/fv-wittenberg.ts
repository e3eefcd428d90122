/**
 * SIMULATOR — the Wohngeld Fachverfahren of the Landkreis Wittenberg (AGS 15091000), not a real
 * system. It reads from a RabbitMQ queue the gateway's `amqp091` connector publishes to
 * (publisher confirms; the simulator acks after handling). When no broker answers at AMQP_URL,
 * the demo leaves the endpoint a pull mailbox and this simulator pulls it instead — the demo
 * prints which. The Landkreis delegates the completeness check (Prozessschritt): it gets the
 * ZSA's Nachforderung to send on to the citizen and the complete case file (fv-wohngeld.ts).
 */
import amqp, { type ChannelModel, type ConsumeMessage } from 'amqplib';
import { pollMailbox } from '../client.js';
import { formatOf } from '../tracker.js';
import { municipalityOf, type Received, type SimContext, type Simulator } from './context.js';
import { wohngeldAtFachverfahren } from './fv-wohngeld.js';

export const WITTENBERG = '15091000';

/** True when a broker accepts a connection at `url` within `timeoutMs`. */
export async function brokerAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const conn = await amqp.connect(url, { timeout: timeoutMs });
    await conn.close();
    return true;
  } catch {
    return false;
  }
}

export class WittenbergFachverfahrenSimulator implements Simulator {
  readonly name: string;
  readonly received: Received[] = [];
  private conn: ChannelModel | undefined;
  private loops: Promise<void>[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  /** `amqp` set: consume that queue; otherwise pull the endpoint's mailbox. */
  constructor(private readonly ctx: SimContext, private readonly amqpSource?: { url: string; queue: string; exchange: string }) {
    this.name = amqpSource ? 'Fachverfahren LK Wittenberg, AMQP (simulator)' : 'Fachverfahren LK Wittenberg, AMQP unavailable: pull mailbox fallback (simulator)';
  }

  async start(): Promise<void> {
    const m = municipalityOf(this.ctx, WITTENBERG);
    const handle = async (vorgangId: string, messageType: string, body: Buffer, form: string | undefined): Promise<void> => {
      const format = formatOf(form);
      const readable = await wohngeldAtFachverfahren(this.ctx, m, { vorgangId, messageType, xml: body.toString('utf8'), format });
      this.received.push({ messageType, format: this.amqpSource ? `${format} via AMQP` : format, readable });
    };
    if (!this.amqpSource) {
      this.loops = [pollMailbox(this.ctx.client, m.endpoints.wohngeld ?? 'fv-15091000-wohngeld', (i) => handle(i.vorgangId, i.messageType, i.body, i.form), { signal: this.ctx.signal, onError: (err) => this.ctx.warn(`Wittenberg simulator: ${String(err)}`) })];
      return;
    }
    this.conn = await amqp.connect(this.amqpSource.url);
    const ch = await this.conn.createChannel();
    await ch.prefetch(16);
    // The gateway's connector declares exchange and queue on connect; declaring here too lets the consumer start first.
    await ch.assertExchange(this.amqpSource.exchange, 'topic', { durable: false });
    await ch.assertQueue(this.amqpSource.queue, { durable: true, arguments: { 'x-queue-type': 'classic' } });
    await ch.bindQueue(this.amqpSource.queue, this.amqpSource.exchange, '#');
    await ch.consume(this.amqpSource.queue, (msg: ConsumeMessage | null) => {
      if (!msg) return;
      const headers = msg.properties.headers ?? {};
      const work = handle(String(headers['vorgangId'] ?? ''), String(headers['messageType'] ?? msg.properties.type ?? ''), msg.content, undefined)
        .then(() => ch.ack(msg), (err: unknown) => {
          this.ctx.warn(`Wittenberg simulator: ${String(err)}`);
          ch.nack(msg, false, true);
        });
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.loops);
    await Promise.allSettled([...this.inFlight]);
    await this.conn?.close().catch(() => undefined);
    this.conn = undefined;
  }

  /** Removes the demo's exchange and queue from the broker; called after the gateway (whose connector declares them) has closed. */
  async removeTopology(): Promise<void> {
    if (!this.amqpSource) return;
    const conn = await amqp.connect(this.amqpSource.url);
    try {
      const ch = await conn.createChannel();
      await ch.deleteQueue(this.amqpSource.queue);
      await ch.deleteExchange(this.amqpSource.exchange);
    } finally {
      await conn.close().catch(() => undefined);
    }
  }
}
