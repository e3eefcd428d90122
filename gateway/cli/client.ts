import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Agent, fetch as undiciFetch, FormData as UndiciFormData } from 'undici';
import type { Schemas } from '../api/contract-types.js';

/** A refusal as the contract describes it (problem details with a GW_ code). */
type ProblemDetails = Schemas['Problem'];

/**
 * What the CLI presents to the gateway (ADR 0012): a Bearer token (`--token` /
 * `ZSA_GATEWAY_TOKEN`), OAuth2 client credentials to fetch one (`--client-id`,
 * `--client-secret` / `ZSA_GATEWAY_CLIENT_ID`, `ZSA_GATEWAY_CLIENT_SECRET`), and/or a client
 * certificate for mTLS (`--cert`, `--key`, `--ca` for the gateway's CA). The CLI decides
 * nothing: the gateway enforces roles and answers 401/403.
 */
export interface Credentials {
  token?: string;
  clientId?: string;
  clientSecret?: string;
  cert?: string;
  key?: string;
  ca?: string;
}

let credentials: Credentials = {};
let fetchedToken: Promise<string> | null = null;
let agent: Agent | null = null;

/** Called once by main.ts before a command runs; environment variables fill what options left out. */
export function useCredentials(c: Credentials): void {
  const env = process.env;
  credentials = {
    ...c,
    token: c.token ?? env['ZSA_GATEWAY_TOKEN'],
    clientId: c.clientId ?? env['ZSA_GATEWAY_CLIENT_ID'],
    clientSecret: c.clientSecret ?? env['ZSA_GATEWAY_CLIENT_SECRET'],
  };
  fetchedToken = null;
  agent = c.cert || c.key || c.ca
    ? new Agent({ connect: { ...(c.cert ? { cert: readFileSync(c.cert) } : {}), ...(c.key ? { key: readFileSync(c.key) } : {}), ...(c.ca ? { ca: readFileSync(c.ca) } : {}) } })
    : null;
}

type FetchInit = { method: string; headers: Record<string, string>; body?: BodyInit };
/** fetch through the mTLS agent when a certificate or CA was given, else the global fetch. */
async function send(url: string, init: FetchInit): Promise<Response> {
  if (!agent) return fetch(url, init);
  let body: unknown = init.body;
  if (body instanceof FormData) {
    const f = new UndiciFormData();
    for (const [k, v] of body.entries()) f.append(k, v);
    body = f;
  }
  return (await undiciFetch(url, { ...init, body: body as never, dispatcher: agent })) as unknown as Response;
}

/**
 * `POST /token` with the client credentials (form body). Answers the access token; an
 * OAuth2 error becomes ApiError with the `error` and its description.
 */
export async function fetchToken(base: string, clientId: string, clientSecret: string, scope?: string): Promise<Schemas['TokenAnswer']> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, ...(scope ? { scope } : {}) });
  let res: Response;
  try {
    res = await send(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  } catch (cause) {
    throw new Error(`cannot reach the gateway at ${base} (is it running? set --url or ZSA_GATEWAY_URL)`, { cause });
  }
  const text = await res.text();
  // 200: TokenAnswer; 400/401: OAuthError; 429: problem details that also carry the OAuth2 members (the contract's /token)
  const body = (text ? JSON.parse(text) : {}) as Partial<Schemas['TokenAnswer'] & Schemas['OAuthError']>;
  if (!res.ok || !body.access_token) throw new ApiError(res.status, null, `${body.error ?? 'token request failed'}: ${body.error_description ?? text}`);
  return { access_token: body.access_token, token_type: 'Bearer', expires_in: body.expires_in ?? 0, scope: body.scope ?? '' };
}

async function authHeader(base: string): Promise<Record<string, string>> {
  const c = credentials;
  if (c.token) return { authorization: `Bearer ${c.token}` };
  if (c.clientId && c.clientSecret) {
    fetchedToken ??= fetchToken(base, c.clientId, c.clientSecret).then((t) => t.access_token);
    return { authorization: `Bearer ${await fetchedToken}` };
  }
  return {};
}

/** Base URL of the running gateway the CLI talks to. */
export function gatewayUrl(explicit?: string): string {
  return (explicit ?? process.env['ZSA_GATEWAY_URL'] ?? `http://127.0.0.1:${process.env['PORT'] ?? 8080}`).replace(/\/$/, '');
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemDetails | null,
    text: string,
  ) {
    super(problem ? `${problem.title} (${problem.code}): ${problem.detail}` : `HTTP ${status}: ${text.slice(0, 500)}`);
  }
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * One call to the gateway API; non-2xx answers become ApiError carrying the problem details.
 * A FormData body gets its content type (with the multipart boundary) from fetch itself.
 */
export async function api<T>(base: string, method: string, path: string, body?: { type: string; data: BodyInit }, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
  let res: Response;
  if (credentials.clientId && !credentials.token) await authHeader(base); // token errors are the gateway's answer, not "cannot reach"
  const contentType: Record<string, string> = body && !(body.data instanceof FormData) ? { 'content-type': body.type } : {};
  try {
    const auth = await authHeader(base);
    res = await send(base + path, {
      method,
      headers: { ...headers, ...contentType, ...auth, 'x-actor': headers['x-actor'] ?? `cli:${process.env['USER'] ?? 'unknown'}` },
      ...(body ? { body: body.data } : {}),
    });
  } catch (cause) {
    throw new Error(`cannot reach the gateway at ${base} (is it running? set --url or ZSA_GATEWAY_URL)`, { cause });
  }
  const text = await res.text();
  const isJson = (res.headers.get('content-type') ?? '').includes('json');
  const parsed: unknown = isJson && text ? JSON.parse(text) : text;
  if (!res.ok) throw new ApiError(res.status, isJson ? (parsed as ProblemDetails) : null, text);
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** Builds the multipart body for `send` with attachments. */
/** The media type a message file is sent as: by its extension, `.csv` and `.json` for the documents an ingress mapping takes (ADR 0025), else XML. */
export function messageTypeOf(file: string): 'text/csv' | 'application/json' | 'application/xml' {
  const ext = file.toLowerCase().split('.').pop();
  return ext === 'csv' ? 'text/csv' : ext === 'json' ? 'application/json' : 'application/xml';
}

export async function multipartBody(messageFile: string, attachmentFiles: string[]): Promise<FormData> {
  const form = new FormData();
  form.append('message', new Blob([await readFile(messageFile)], { type: messageTypeOf(messageFile) }), basename(messageFile));
  for (const f of attachmentFiles) form.append('attachment', new Blob([await readFile(f)], { type: guessType(f) }), basename(f));
  return form;
}

function guessType(file: string): string {
  const ext = file.toLowerCase().split('.').pop();
  return ext === 'pdf' ? 'application/pdf' : ext === 'png' ? 'image/png' : ext === 'jpg' || ext === 'jpeg' ? 'image/jpeg' : ext === 'xml' ? 'application/xml' : 'application/octet-stream';
}
