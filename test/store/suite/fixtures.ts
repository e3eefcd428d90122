import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { GatewayError, type ErrorCode } from '../../../gateway/errors.js';
import type { MessageStore, NewMessage, OutboxItem } from '../../../gateway/store/types.js';

/**
 * Opens stores for one test. `open()` gives a fresh, migrated store on its own database;
 * `reopen(store)` closes `store` and opens its database again (what survives is what was
 * committed). Every store opened is closed after the test.
 */
export interface StoreHarness {
  open(): Promise<MessageStore>;
  reopen(store: MessageStore): Promise<MessageStore>;
}

export const EP_A = 'fv-a';
export const EP_B = 'fv-b';
export const EP_MAILBOX = 'mailbox-zsa';

export interface MessageOverrides {
  id?: string;
  messageUuid?: string;
  author?: string;
  endpointId?: string;
  vorgangId?: string;
  ags?: string;
  messageType?: string;
  payload?: string | Buffer;
  warnings?: string[];
  test?: boolean;
}

export function sha512(b: Buffer): string {
  return createHash('sha512').update(b).digest('hex');
}

/** A valid, routed message as ingress hands it to the store; unique ids unless overridden. */
export function newMessage(o: MessageOverrides = {}): NewMessage {
  const messageUuid = o.messageUuid ?? randomUUID();
  const payload = Buffer.isBuffer(o.payload) ? o.payload : Buffer.from(o.payload ?? `<hund.anmeldung.0101 uuid="${messageUuid}"/>`);
  return {
    id: o.id ?? randomUUID(),
    header: {
      messageUuid,
      messageType: o.messageType ?? 'hund.anmeldung.0101',
      namespace: 'urn:xoev-de:xzsa:hund:1.0',
      standard: 'XZSA',
      version: '1.0',
      createdAt: '2025-03-01T10:00:00+01:00',
      author: o.author ?? 'efa:hund-portal',
      reader: 'zsa:hund',
      vorgangId: o.vorgangId ?? `vg-${randomUUID()}`,
      leika: '99108012000000',
      ags: o.ags ?? '15003000',
      test: o.test ?? false,
    },
    payload,
    payloadSha512: sha512(payload),
    attachments: [],
    routeName: 'hund-delegated',
    endpointId: o.endpointId ?? EP_A,
    routeReason: 'AGS 15003000 delegated hund (e2e) to the ZSA',
    warnings: o.warnings ?? [],
  };
}

/** Accepts the messages one after another (distinct, ordered seq) and returns their gateway ids. */
export async function acceptAll(store: MessageStore, msgs: NewMessage[]): Promise<string[]> {
  const ids: string[] = [];
  for (const m of msgs) {
    const r = await store.accept(m);
    expect(r.kind).to.equal('created');
    ids.push(r.receipt.gatewayId);
  }
  return ids;
}

export function claim(store: MessageStore, capacity: Record<string, number>, opts: { owner?: string; leaseMs?: number; now?: Date } = {}): Promise<OutboxItem[]> {
  return store.claimDue({ owner: opts.owner ?? 'worker-1', leaseMs: opts.leaseMs ?? 60_000, capacity, ...(opts.now ? { now: opts.now } : {}) });
}

/** Claims the one due item of `endpointId` and expects exactly one. */
export async function claimOne(store: MessageStore, endpointId: string, opts: { owner?: string; leaseMs?: number; now?: Date } = {}): Promise<OutboxItem> {
  const items = await claim(store, { [endpointId]: 1 }, opts);
  expect(items, `one due item on ${endpointId}`).to.have.length(1);
  return items[0]!;
}

/** Expects `p` to reject with a GatewayError of `code`. */
export async function expectGatewayError(p: Promise<unknown>, code: ErrorCode): Promise<GatewayError> {
  let outcome: unknown;
  try {
    await p;
  } catch (err) {
    outcome = err;
  }
  expect(outcome, `expected a ${code} error`).to.be.instanceOf(GatewayError);
  expect((outcome as GatewayError).code).to.equal(code);
  return outcome as GatewayError;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function states(store: MessageStore, messageId: string): Promise<string[]> {
  return (await store.history(messageId)).map((t) => t.to);
}

export function isIso(s: string): boolean {
  return !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s;
}
