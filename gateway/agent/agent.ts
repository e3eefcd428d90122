import { mkdirSync, readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { decryptWith } from '../crypto/jwe.js';
import { PrivateKeyRing } from '../crypto/keyring.js';
import { GatewayError } from '../errors.js';
import { createGatewayLogger } from '../logging.js';
import { backoffDelay, type BackoffPolicy } from '../outbox/backoff.js';
import { AnswerOutbox } from './answers.js';
import { checkedAttachment, type LocalAttachment } from './attachments.js';
import type { AgentConfig } from './config.js';
import { GatewayClient, GatewayRequestError, type FetchedItem } from './gateway-client.js';
import { AcceptJournal } from './journal.js';
import { sleep } from './sleep.js';
import { StatusFile } from './status.js';
import { deliverLocally, LocalRefusal, targetFor, type LocalMessage } from './targets.js';

/**
 * How the agent ended: `stopped` by stop(); `refused` when the gateway refused its credentials
 * or a mailbox (401/403), which retrying does not fix; `broken` when the agent could not go on
 * locally (its state folder cannot be written).
 */
export type AgentEnd = { reason: 'stopped' } | { reason: 'refused' | 'broken'; message: string };

/** Time kept free before a lease ends: no new local try starts later than this. */
const LEASE_MARGIN_MS = 2_000;
/** An empty mailbox is asked again no sooner than this after the previous question. */
const MIN_EMPTY_POLL_MS = 1_000;

/**
 * The pull agent (`zsa-gateway agent`, ADR 0039): inside the municipality's network, with no
 * inbound port, it long-polls each configured mailbox, opens JWE payloads with the
 * participant's key, hands each message to its local target, and acknowledges it at the
 * gateway only after the target accepted it. Answers of the Fachverfahren go the other way
 * (answers.ts).
 *
 * Delivery is at-least-once: an item whose local delivery fails is not acknowledged and comes
 * again (within its lease the agent retries itself; after it, the gateway hands it out again).
 * The accept journal turns a re-delivery after "accepted locally, not yet acknowledged" into a
 * counted duplicate that is acknowledged without a second local delivery.
 */
export class PullAgent {
  private readonly log: Logger;
  private readonly client: GatewayClient;
  private readonly journal: AcceptJournal;
  readonly status: StatusFile;
  private readonly controller = new AbortController();
  private readonly policy: BackoffPolicy;
  private ring: PrivateKeyRing | undefined;
  private answers: AnswerOutbox | undefined;
  private loops: Promise<void>[] = [];
  private endWith: AgentEnd | null = null;
  private ended!: (end: AgentEnd) => void;
  /** Resolves once every loop has ended (after stop(), or when the gateway refused the agent). */
  readonly done: Promise<AgentEnd>;
  /** The port of the local answer endpoint, when `answers.listenPort` is configured (0 picks a free one). */
  answerPort: number | undefined;

  constructor(private readonly cfg: AgentConfig, opts: { log?: Logger } = {}) {
    this.log = opts.log ?? createGatewayLogger({ level: cfg.log.level });
    mkdirSync(cfg.stateDir, { recursive: true, mode: 0o700 });
    this.client = new GatewayClient(cfg.gateway);
    this.journal = new AcceptJournal(cfg.stateDir);
    this.status = new StatusFile(cfg.stateDir, cfg.mailboxes.map((m) => m.mailbox));
    this.policy = { initialMs: cfg.backoff.initialMs, maxMs: cfg.backoff.maxMs, multiplier: 2, jitter: 0.2 };
    this.done = new Promise((ok) => (this.ended = ok));
  }

  /** Loads the decryption key, starts one loop per mailbox and the answer outbox. Throws GW_CONFIG_INVALID for an unusable key. */
  async start(): Promise<void> {
    if (this.cfg.decryptionKey !== undefined) {
      let jwk: unknown;
      try {
        jwk = JSON.parse(readFileSync(this.cfg.decryptionKey, 'utf8'));
      } catch (cause) {
        throw new GatewayError('GW_CONFIG_INVALID', 'the decryption key is not a JWK (JSON)', { cause, issues: [{ message: 'not a JWK (JSON object)', path: 'decryptionKey', layer: 'config' }] });
      }
      this.ring = await PrivateKeyRing.fromJwks([jwk], 'decryptionKey');
    }
    const signal = this.controller.signal;
    await this.status.save();
    this.loops = this.cfg.mailboxes.map((m) => this.guard(m.mailbox, this.pollLoop(m.mailbox, m.targets, signal)));
    if (this.cfg.answers?.folder !== undefined) {
      this.answers = new AnswerOutbox({ ...this.cfg.answers, folder: this.cfg.answers.folder }, this.client, this.status, this.log, this.cfg.backoff);
      if (this.cfg.answers.listenPort !== undefined) this.answerPort = await this.answers.listen(this.cfg.answers.listenPort);
      this.loops.push(this.guard('answers', this.answers.run(signal)));
    }
    this.log.info({ mailboxes: this.cfg.mailboxes.map((m) => m.mailbox), answers: this.answers !== undefined, answerPort: this.answerPort }, 'agent started');
    void Promise.all(this.loops).then(() => this.finish());
  }

  /** Stops polling, lets a running local delivery and its acknowledgement end (aborted requests are not acknowledged), saves the status. */
  stop(): Promise<AgentEnd> {
    this.endWith ??= { reason: 'stopped' };
    this.controller.abort();
    return this.done;
  }

  /** A loop that throws (the journal or state folder cannot be written) ends the agent: it must not acknowledge what it cannot journal. */
  private guard(where: string, loop: Promise<void>): Promise<void> {
    return loop.catch((err: unknown) => {
      const message = `${where}: ${(err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err))}`;
      this.log.fatal({ where, err: message }, 'agent cannot go on');
      this.endWith ??= { reason: 'broken', message };
      this.controller.abort();
    });
  }

  private async finish(): Promise<void> {
    await this.answers?.close();
    await this.client.close();
    await this.status.save().catch(() => undefined);
    this.journal.close();
    const end = this.endWith ?? { reason: 'stopped' };
    this.log.info({ end: end.reason }, 'agent stopped');
    this.ended(end);
  }

  /** The gateway refused the agent itself: record, log and stop everything (retrying cannot help). */
  private refuse(where: string, err: GatewayRequestError): void {
    const message = err.status === 403
      ? `the gateway refuses mailbox "${where}" to this agent's participant (403 ${err.problem?.code ?? ''}): check the credentials (gateway.clientCert, gateway.oauth) and mailboxes in the agent configuration`
      : `the gateway refuses this agent's credentials (${err.status} ${err.problem?.code ?? ''}): check gateway.oauth / gateway.clientCert`;
    this.status.error(where, message);
    this.status.stopped(where);
    this.log.error({ mailbox: where, status: err.status, code: err.problem?.code }, message);
    this.endWith ??= { reason: 'refused', message };
    this.controller.abort();
  }

  private async pollLoop(mailbox: string, targets: AgentConfig['mailboxes'][number]['targets'], signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      let item: FetchedItem | null;
      const asked = Date.now();
      try {
        item = await this.client.fetchNext(mailbox, this.cfg.gateway.waitSeconds, signal);
        failures = 0;
        this.status.polled(mailbox);
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof GatewayRequestError && (err.status === 401 || err.status === 403 || (err.status === 400 && err.problem?.code === 'invalid_client'))) {
          this.refuse(mailbox, err);
          break;
        }
        failures += 1;
        const message = err instanceof Error ? err.message : String(err);
        this.status.error(mailbox, message);
        await this.status.save();
        this.log.warn({ mailbox, failures, err: message }, 'poll failed; trying again');
        await sleep(backoffDelay(this.policy, failures), signal);
        continue;
      }
      if (item === null) {
        await this.status.save();
        // waitSeconds 0, or a gateway without the long poll, answers at once: poll at most once a second then
        if (Date.now() - asked < MIN_EMPTY_POLL_MS) await sleep(MIN_EMPTY_POLL_MS - (Date.now() - asked), signal);
        continue;
      }
      await this.handle(item, targets, signal);
    }
  }

  /**
   * One leased item: a known gateway id is a duplicate (acknowledged, not delivered again);
   * otherwise open it, hand it to its target (retrying within the lease), journal it, then
   * acknowledge. Never throws; what failed is counted, logged and left to the lease.
   */
  private async handle(item: FetchedItem, targets: AgentConfig['mailboxes'][number]['targets'], signal: AbortSignal): Promise<void> {
    const facts = { mailbox: item.mailbox, item: item.item, gatewayId: item.gatewayId, messageType: item.messageType };
    if (this.journal.has(item.gatewayId)) {
      this.status.count('duplicates');
      await this.status.save();
      this.log.info(facts, 'handed out again after local accept: duplicate, acknowledged without delivering again');
      await this.acknowledge(item, signal);
      return;
    }
    const target = targetFor(targets, item.messageType);
    let opened: Omit<LocalMessage, 'attachments'>;
    try {
      if (target === undefined) throw new LocalRefusal(`no target of mailbox ${item.mailbox} takes message type ${item.messageType}`);
      opened = await this.open(item);
    } catch (err) {
      await this.failed(item, err, signal);
      return;
    }
    // attachments are fetched and checked in the retried part: a network error or a mangled
    // transfer is tried again within the lease, as a refused local delivery is
    let msg: LocalMessage | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        msg ??= { ...opened, attachments: await this.attachmentsOf(item, signal) };
        const detail = await deliverLocally(target, msg, signal);
        this.journal.add(item.gatewayId);
        this.status.count('delivered');
        await this.status.save();
        this.log.info({ ...facts, target: target.kind, detail }, 'accepted by the local target');
        break;
      } catch (err) {
        if (signal.aborted) return;
        const wait = backoffDelay(this.policy, attempt);
        const retry = Date.now() + wait < Date.parse(item.leaseUntil) - LEASE_MARGIN_MS;
        await this.failed(item, err, signal, retry ? wait : 0);
        if (!retry || signal.aborted) return; // the lease runs out: the gateway hands the item out again
      }
    }
    await this.acknowledge(item, signal);
  }

  /**
   * Fetches every attachment the message references, opens the ones the gateway sealed to the
   * participant's key, and checks each against its reference (sha512 and size). Throws
   * (LocalRefusal, GatewayRequestError) when one cannot be fetched, opened or does not match:
   * the message is then not handed on and not acknowledged.
   */
  private async attachmentsOf(item: FetchedItem, signal: AbortSignal): Promise<LocalAttachment[]> {
    const refs = await this.client.attachmentRefs(item.gatewayId, signal);
    const out: LocalAttachment[] = [];
    for (const [i, ref] of refs.entries()) {
      const got = await this.client.attachment(ref.sha512, signal);
      const data = /^application\/jose\b/i.test(got.contentType) ? (await this.decrypt(got.body, `attachment ${i + 1}`)).payload : got.body;
      try {
        out.push(checkedAttachment(ref, i, data));
      } catch (err) {
        throw new LocalRefusal(`message ${item.gatewayId}: ${(err as Error).message}; not handed on`);
      }
    }
    return out;
  }

  /** Opens a JWE with the configured key; LocalRefusal without a key or when it does not open. */
  private async decrypt(jwe: Buffer, what: string): Promise<{ payload: Buffer; cty: string | undefined }> {
    if (this.ring === undefined) throw new LocalRefusal(`the ${what} is encrypted (JWE) but no decryptionKey is configured`);
    try {
      const opened = await decryptWith(jwe, this.ring);
      return { payload: Buffer.from(opened.payload), cty: opened.header.cty };
    } catch (err) {
      throw new LocalRefusal(`the ${what} (JWE) cannot be opened with the configured key (${err instanceof GatewayError ? err.code : 'error'})`, { cause: err });
    }
  }

  /** Opens a JWE payload with the configured key (its `cty` is the media type); other payloads pass as they are. */
  private async open(item: FetchedItem): Promise<Omit<LocalMessage, 'attachments'>> {
    const base = { gatewayId: item.gatewayId, messageUuid: item.messageUuid, messageType: item.messageType, vorgangId: item.vorgangId, mailbox: item.mailbox, ...(item.form !== undefined && { form: item.form }) };
    if (!/^application\/jose\b/i.test(item.contentType)) return { ...base, contentType: item.contentType, payload: item.body };
    const opened = await this.decrypt(item.body, 'payload');
    return { ...base, contentType: opened.cty ?? 'application/xml', payload: opened.payload };
  }

  private async failed(item: FetchedItem, err: unknown, signal: AbortSignal, retryInMs = 0): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    this.status.count('failed');
    this.status.error(item.mailbox, message);
    await this.status.save();
    this.log.warn({ mailbox: item.mailbox, item: item.item, gatewayId: item.gatewayId, messageType: item.messageType, err: message, retryInMs }, 'not accepted locally; not acknowledged');
    if (retryInMs > 0) await sleep(retryInMs, signal);
    else await sleep(backoffDelay(this.policy, 1), signal); // do not spin on an item that reappears at once
  }

  /**
   * Acknowledges at the gateway, retrying network errors and 5xx until the lease is over. A
   * lost lease (409) or a gateway gone for longer is not an error to worry about: the item
   * comes again and the journal recognises it.
   */
  private async acknowledge(item: FetchedItem, signal: AbortSignal): Promise<void> {
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        const outcome = await this.client.ack(item, signal);
        this.log.info({ mailbox: item.mailbox, item: item.item, gatewayId: item.gatewayId, outcome }, outcome === 'acknowledged' ? 'acknowledged' : 'lease ran out before the acknowledgement; the item will come again');
        return;
      } catch (err) {
        if (signal.aborted) return;
        const message = err instanceof Error ? err.message : String(err);
        this.status.error(item.mailbox, `acknowledgement failed: ${message}`);
        await this.status.save();
        const wait = backoffDelay(this.policy, attempt);
        if (!(err instanceof GatewayRequestError && err.retryable) || Date.now() + wait > Date.parse(item.leaseUntil)) {
          this.log.warn({ mailbox: item.mailbox, item: item.item, gatewayId: item.gatewayId, err: message }, 'not acknowledged; the item will come again after its lease');
          return;
        }
        await sleep(wait, signal);
      }
    }
  }
}
