import { readFileSync } from 'node:fs';
import { Agent, fetch, FormData, type Response } from 'undici';
import type { AttachmentRef } from './attachments.js';
import type { AgentConfig } from './config.js';

/** Problem details as the gateway answers them (docs/errors.md); only the fields the agent reads. */
export interface GatewayProblem {
  code?: string;
  title?: string;
  detail?: string;
  status?: number;
  errors?: Array<{ message: string; path?: string; rule?: string }>;
}

/**
 * A request the gateway answered with an error, or could not be sent. `retryable` is true for
 * network errors, timeouts, 408, 429 and 5xx: the agent tries again with backoff. Anything else
 * (400, 403, 404, 409, 413, 415, 422 …) is the gateway's final word on this request.
 */
export class GatewayRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly problem: GatewayProblem | null,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GatewayRequestError';
  }
}

/** One leased mailbox item as `POST …/fetch` hands it out. */
export interface FetchedItem {
  mailbox: string;
  item: number;
  leaseToken: string;
  leaseUntil: string;
  gatewayId: string;
  messageUuid: string;
  messageType: string;
  vorgangId: string;
  /** Name of the mapped form (`X-Message-Form`), when the route mapped the message for this receiver. */
  form?: string;
  contentType: string;
  body: Buffer;
}

export interface SubmitAnswer {
  status: number;
  gatewayId?: string;
  duplicate: boolean;
}

const RETRYABLE = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * The agent's connection to the gateway: its own TLS settings (gateway CA, client certificate
 * for mTLS) and its own OAuth2 token, renewed shortly before it expires and once after a 401.
 * Nothing here is shared with the CLI's process-wide client. Never logs or returns secrets.
 */
export class GatewayClient {
  private readonly base: string;
  private readonly dispatcher: Agent;
  private token: { value: string; until: number } | null = null;
  private tokenPending: Promise<string> | null = null;

  constructor(private readonly cfg: AgentConfig['gateway']) {
    this.base = cfg.url.replace(/\/$/, '');
    this.dispatcher = new Agent({
      connect: {
        ...(cfg.ca && { ca: readFileSync(cfg.ca) }),
        ...(cfg.clientCert && { cert: readFileSync(cfg.clientCert.cert), key: readFileSync(cfg.clientCert.key) }),
      },
      // a long poll holds the connection up to waitSeconds: allow for it beyond the usual timeouts
      headersTimeout: cfg.timeoutMs + cfg.waitSeconds * 1000,
      bodyTimeout: cfg.timeoutMs,
    });
  }

  /**
   * Leases the next item of `mailbox`, waiting up to `waitSeconds` on the gateway (long poll).
   * Resolves null when nothing came (204). Throws GatewayRequestError (403 when the mailbox
   * is not this participant's).
   */
  async fetchNext(mailbox: string, waitSeconds: number, signal: AbortSignal): Promise<FetchedItem | null> {
    const res = await this.call('POST', `/api/v1/mailboxes/${encodeURIComponent(mailbox)}/fetch?wait=${waitSeconds}`, undefined, signal, waitSeconds * 1000);
    if (res.status === 204) {
      await res.body?.cancel();
      return null;
    }
    const h = (name: string): string => res.headers.get(name) ?? '';
    const form = res.headers.get('x-message-form');
    return {
      mailbox,
      item: Number(h('x-mailbox-item')),
      leaseToken: h('x-lease-token'),
      leaseUntil: h('x-lease-until'),
      gatewayId: h('x-gateway-id'),
      messageUuid: h('x-message-uuid'),
      messageType: h('x-message-type'),
      vorgangId: h('x-vorgang-id'),
      ...(form !== null && { form }),
      contentType: h('content-type') || 'application/octet-stream',
      body: Buffer.from(await res.arrayBuffer()),
    };
  }

  /**
   * Acknowledges a leased item. Resolves 'acknowledged', or 'lease-gone' when the gateway
   * answers 409 GW_LEASE_INVALID (the lease ran out: the item will be handed out again and the
   * journal recognises it). Other failures throw GatewayRequestError.
   */
  async ack(item: FetchedItem, signal: AbortSignal): Promise<'acknowledged' | 'lease-gone'> {
    try {
      const res = await this.call('POST', `/api/v1/mailboxes/${encodeURIComponent(item.mailbox)}/messages/${item.item}/ack`, { type: 'application/json', data: JSON.stringify({ leaseToken: item.leaseToken }) }, signal);
      await res.body?.cancel();
      return 'acknowledged';
    } catch (err) {
      if (err instanceof GatewayRequestError && err.status === 409 && err.problem?.code === 'GW_LEASE_INVALID') return 'lease-gone';
      throw err;
    }
  }

  /**
   * The attachment references of a message (`GET /api/v1/messages/{id}`, `attachments[]`): what
   * the agent must fetch and check before it hands the message on. Throws GatewayRequestError.
   */
  async attachmentRefs(gatewayId: string, signal: AbortSignal): Promise<AttachmentRef[]> {
    const res = await this.call('GET', `/api/v1/messages/${encodeURIComponent(gatewayId)}`, undefined, signal);
    const body = (await res.json()) as { attachments?: unknown };
    const refs = Array.isArray(body.attachments) ? body.attachments : [];
    return refs.map((r, i) => {
      const a = (r ?? {}) as Record<string, unknown>;
      if (typeof a['name'] !== 'string' || typeof a['sha512'] !== 'string' || !/^[0-9a-f]{128}$/i.test(a['sha512']) || !Number.isSafeInteger(a['size'])) {
        throw new GatewayRequestError(`message ${gatewayId}: attachment reference ${i + 1} is incomplete`, res.status, null, false);
      }
      return { name: a['name'], mediaType: typeof a['mediaType'] === 'string' ? a['mediaType'] : 'application/octet-stream', sha512: a['sha512'].toLowerCase(), size: a['size'] as number };
    });
  }

  /** One attachment (`GET /api/v1/attachments/{sha512}`): its bytes as sent (a JWE when the gateway sealed it to the participant's key) and their media type. */
  async attachment(sha512: string, signal: AbortSignal): Promise<{ contentType: string; body: Buffer }> {
    const res = await this.call('GET', `/api/v1/attachments/${sha512}`, undefined, signal);
    return { contentType: res.headers.get('content-type') ?? 'application/octet-stream', body: Buffer.from(await res.arrayBuffer()) };
  }

  /**
   * Submits an answer (`POST /api/v1/messages`): the message as its body, or a multipart form
   * (part `message`, parts `attachment`) for an answer with attachments. 202 stored, 200 the same
   * message was stored before (`duplicate`). Anything else throws.
   */
  async submit(data: Buffer | FormData, contentType: string | undefined, signal: AbortSignal): Promise<SubmitAnswer> {
    const res = await this.call('POST', '/api/v1/messages', { type: contentType, data }, signal);
    const body = (await res.json().catch(() => ({}))) as { gatewayId?: string; duplicate?: boolean };
    return { status: res.status, ...(body.gatewayId !== undefined && { gatewayId: body.gatewayId }), duplicate: body.duplicate === true };
  }

  /** Closes the connection pool; the same promise on every call. */
  close(): Promise<void> {
    return (this.closing ??= this.dispatcher.close());
  }
  private closing: Promise<void> | null = null;

  /** One request; a FormData body sets its own multipart content type (`type` undefined). */
  private async call(method: string, path: string, body: { type: string | undefined; data: string | Buffer | FormData } | undefined, signal: AbortSignal, extraMs = 0, renewed = false): Promise<Response> {
    const headers: Record<string, string> = { 'x-actor': 'zsa-gateway-agent' };
    if (body?.type !== undefined) headers['content-type'] = body.type;
    const token = await this.bearer(signal);
    if (token) headers['authorization'] = `Bearer ${token}`;
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers,
        ...(body && { body: body.data }),
        dispatcher: this.dispatcher,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.cfg.timeoutMs + extraMs)]),
      });
    } catch (cause) {
      if (signal.aborted) throw cause;
      throw new GatewayRequestError(`cannot reach the gateway at ${this.base}: ${describe(cause)}`, null, null, true, { cause });
    }
    if (res.status === 401 && this.cfg.oauth && !renewed) {
      await res.body?.cancel();
      this.token = null;
      return this.call(method, path, body, signal, extraMs, true);
    }
    if (res.status >= 400) throw await refusal(res, `${method} ${path.split('?')[0]}`);
    return res;
  }

  /** The current access token (none for mTLS-only or anonymous), fetched once and renewed 30 s before it expires. */
  private async bearer(signal: AbortSignal): Promise<string | null> {
    const o = this.cfg.oauth;
    if (!o) return null;
    if (this.token && Date.now() < this.token.until) return this.token.value;
    this.tokenPending ??= this.fetchToken(o.clientId, readFileSync(o.clientSecretFile, 'utf8').split(/\r?\n/)[0]!.trim(), signal).finally(() => {
      this.tokenPending = null;
    });
    return this.tokenPending;
  }

  private async fetchToken(clientId: string, clientSecret: string, signal: AbortSignal): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
    let res: Response;
    try {
      res = await fetch(`${this.base}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        dispatcher: this.dispatcher,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.cfg.timeoutMs)]),
      });
    } catch (cause) {
      if (signal.aborted) throw cause;
      throw new GatewayRequestError(`cannot reach the gateway at ${this.base}: ${describe(cause)}`, null, null, true, { cause });
    }
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!res.ok || typeof body.access_token !== 'string') {
      // 400/401 invalid_client: wrong id or secret, which waiting does not fix; 429 lockout and 5xx pass
      throw new GatewayRequestError(`token request for client ${clientId} refused (${res.status} ${body.error ?? ''}: ${body.error_description ?? ''})`, res.status, { code: body.error ?? 'token' }, RETRYABLE(res.status));
    }
    const lifeMs = Math.max(0, (body.expires_in ?? 300) * 1000 - 30_000);
    this.token = { value: body.access_token, until: Date.now() + lifeMs };
    return body.access_token;
  }
}

async function refusal(res: Response, what: string): Promise<GatewayRequestError> {
  const text = await res.text().catch(() => '');
  let problem: GatewayProblem | null = null;
  try {
    problem = (res.headers.get('content-type') ?? '').includes('json') ? (JSON.parse(text) as GatewayProblem) : null;
  } catch {
    problem = null;
  }
  const rule = problem?.errors?.find((e) => e.rule)?.rule;
  const detail = problem ? `${problem.code ?? ''}${rule ? `, rule ${rule}` : ''}: ${problem.detail ?? problem.title ?? ''}` : text.slice(0, 200);
  return new GatewayRequestError(`${what}: gateway answered ${res.status} ${detail}`, res.status, problem, RETRYABLE(res.status));
}

function describe(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err instanceof Error ? err.message : String(err)}${cause}`;
}
