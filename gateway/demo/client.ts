import type { Answer, Schemas } from '../api/contract-types.js';

/**
 * The simulators' way into the gateway: its public HTTP API, as any participant uses it
 * (docs/api.md, answers typed by the contract gateway/api/openapi.yaml). The demo runs with
 * `auth.mode: off`, so the header's author is who writes; the remit and the route's `from`
 * still check it.
 */
export interface MailboxItem {
  item: string;
  leaseToken: string;
  body: Buffer;
  contentType: string;
  messageType: string;
  vorgangId: string;
  messageUuid: string;
  /** Mapping whose form the body is; undefined for the XZSA payload itself. */
  form: string | undefined;
}

export class SubmitError extends Error {
  constructor(readonly status: number, readonly code: string, detail: string) {
    super(`gateway answered ${status} ${code}: ${detail}`);
  }
}

export class GatewayClient {
  constructor(readonly baseUrl: string) {}

  /** Submits one message (XML, or form JSON for an ingress mapping); resolves with the gateway id, throws SubmitError unless 202. */
  async submit(body: string | Buffer, contentType: 'application/xml' | 'application/json'): Promise<string> {
    const res = await fetch(`${this.baseUrl}/api/v1/messages`, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : new Uint8Array(body) });
    // 202: the receipt; any refusal: problem details (an unreadable body counts as neither)
    const json = (await res.json().catch(() => ({}))) as Partial<Answer<'submitMessage', 202> & Schemas['Problem']>;
    if (res.status !== 202 || json.gatewayId === undefined) throw new SubmitError(res.status, json.code ?? 'unknown', json.detail ?? '');
    return json.gatewayId;
  }

  /** The bytes of an attachment of one of the caller's messages, by its sha512; throws SubmitError unless 200. */
  async attachment(sha512: string): Promise<Buffer> {
    const res = await fetch(`${this.baseUrl}/api/v1/attachments/${sha512}`);
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) throw new SubmitError(res.status, 'attachment.fetch', 'attachment');
    return body;
  }

  /** The oldest free item of a pull mailbox, leased; undefined when the mailbox is empty. */
  async fetchItem(mailbox: string, signal?: AbortSignal): Promise<MailboxItem | undefined> {
    const res = await fetch(`${this.baseUrl}/api/v1/mailboxes/${mailbox}/fetch`, { method: 'POST', ...(signal ? { signal } : {}) });
    if (res.status === 204) return undefined;
    if (res.status !== 200) throw new SubmitError(res.status, 'mailbox.fetch', mailbox);
    const h = (name: string): string => res.headers.get(name) ?? '';
    return {
      item: h('x-mailbox-item'),
      leaseToken: h('x-lease-token'),
      body: Buffer.from(await res.arrayBuffer()),
      contentType: h('content-type'),
      messageType: h('x-message-type'),
      vorgangId: h('x-vorgang-id'),
      messageUuid: h('x-message-uuid'),
      form: res.headers.get('x-message-form') ?? undefined,
    };
  }

  /** Acknowledges a fetched item: the message is `delivered`. */
  async ack(mailbox: string, item: MailboxItem): Promise<void> {
    const res = await fetch(`${this.baseUrl}/api/v1/mailboxes/${mailbox}/messages/${item.item}/ack`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ leaseToken: item.leaseToken }),
    });
    const json = (await res.json().catch(() => ({}))) as Partial<Answer<'ackMailboxItem'> & Schemas['Problem']>;
    if (res.status !== 200 || json.acknowledged === undefined) throw new SubmitError(res.status, json.code ?? 'mailbox.ack', json.detail ?? mailbox);
  }
}

/** Waits `ms`, or less when `signal` aborts; leaves no listener behind. */
export const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Polls one mailbox with `workers` parallel loops until `signal` aborts: fetch, hand the item
 * to `handle`, acknowledge. An item whose handler throws is not acknowledged (it reappears
 * after the lease) and the error goes to `onError`.
 */
export async function pollMailbox(client: GatewayClient, mailbox: string, handle: (item: MailboxItem) => Promise<void>, o: { signal: AbortSignal; onError: (err: unknown) => void; workers?: number; idleMs?: number }): Promise<void> {
  const loop = async (): Promise<void> => {
    while (!o.signal.aborted) {
      let item: MailboxItem | undefined;
      try {
        item = await client.fetchItem(mailbox, o.signal);
        if (item) {
          await handle(item);
          await client.ack(mailbox, item);
        }
      } catch (err) {
        if (o.signal.aborted) return;
        o.onError(err);
      }
      if (!item) await sleep(o.idleMs ?? 50, o.signal);
    }
  };
  await Promise.all(Array.from({ length: o.workers ?? 2 }, loop));
}
