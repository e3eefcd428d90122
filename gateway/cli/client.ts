import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ProblemDetails } from '../errors.js';

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
  const contentType: Record<string, string> = body && !(body.data instanceof FormData) ? { 'content-type': body.type } : {};
  try {
    res = await fetch(base + path, {
      method,
      headers: { ...headers, ...contentType, 'x-actor': headers['x-actor'] ?? `cli:${process.env['USER'] ?? 'unknown'}` },
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
export async function multipartBody(xmlFile: string, attachmentFiles: string[]): Promise<FormData> {
  const form = new FormData();
  form.append('message', new Blob([await readFile(xmlFile)], { type: 'application/xml' }), basename(xmlFile));
  for (const f of attachmentFiles) form.append('attachment', new Blob([await readFile(f)], { type: guessType(f) }), basename(f));
  return form;
}

function guessType(file: string): string {
  const ext = file.toLowerCase().split('.').pop();
  return ext === 'pdf' ? 'application/pdf' : ext === 'png' ? 'image/png' : ext === 'jpg' || ext === 'jpeg' ? 'image/jpeg' : ext === 'xml' ? 'application/xml' : 'application/octet-stream';
}
