/**
 * Submissions the simulators make besides plain XZSA (client.ts): a Fachverfahren's answer in
 * its own dialect, which the gateway maps at ingress (`mappings.ingress`, ADR 0025), and a
 * message with files (the citizen's evidence, a Bescheid PDF) as multipart/form-data — both
 * through the public HTTP API, as any participant sends them (docs/api.md).
 */
import { readFile, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { SubmitError, type GatewayClient } from './client.js';

/** Media types a document is submitted in: XZSA or a dialect (XML by its root element), form or REST JSON, a CSV file. */
export type SubmitMediaType = 'application/xml' | 'application/json' | 'text/csv';

/** A file sent along with a message (multipart `attachment` part). */
export interface SubmitFile {
  name: string;
  mediaType: string;
  bytes: Buffer;
}

/** POSTs one submission to the gateway; resolves with the gateway id, throws SubmitError unless 202. */
async function post(client: GatewayClient, init: RequestInit): Promise<string> {
  const res = await fetch(`${client.baseUrl}/api/v1/messages`, { method: 'POST', ...init });
  const json = (await res.json().catch(() => ({}))) as { gatewayId?: string; code?: string; detail?: string };
  if (res.status !== 202 || json.gatewayId === undefined) throw new SubmitError(res.status, json.code ?? 'unknown', json.detail ?? '');
  return json.gatewayId;
}

/**
 * Submits one document as it is, in `mediaType`: the gateway picks the ingress mapping by
 * media type, root element or record type and the submitting participant, maps, validates and
 * routes it, and keeps the document as the message's `original` form. Throws SubmitError with
 * the gateway's code (e.g. GW_MAPPING_FAILED naming mapping, rule and path).
 */
export function submitDialect(client: GatewayClient, body: Buffer, mediaType: SubmitMediaType): Promise<string> {
  return post(client, { headers: { 'content-type': mediaType === 'text/csv' ? 'text/csv; charset=utf-8' : mediaType }, body: new Uint8Array(body) });
}

/**
 * A file-drop answer (e.g. Sülzetal's HST-RUECK CSV) with the PDF files that lie beside it:
 * submitted as it is (multipart when there are PDFs), then all removed — kept when the
 * gateway refuses them.
 */
export async function submitDialectFile(client: GatewayClient, file: string, mediaType: SubmitMediaType, pdfs: readonly string[] = []): Promise<string> {
  const doc = await readFile(file);
  const files = await Promise.all(pdfs.map(async (f) => ({ name: basename(f), mediaType: 'application/pdf', bytes: await readFile(f) })));
  const id = files.length === 0 ? await submitDialect(client, doc, mediaType) : await submitWithFiles(client, doc, mediaType, files);
  await Promise.all([file, ...pdfs].map((f) => rm(f, { force: true })));
  return id;
}

/** Submits a message (XZSA, form JSON or a dialect document) as the multipart `message` part, with `files` as attachments. */
export function submitWithFiles(client: GatewayClient, message: Buffer | string, mediaType: SubmitMediaType, files: readonly SubmitFile[]): Promise<string> {
  const form = new FormData();
  form.append('message', new Blob([typeof message === 'string' ? Buffer.from(message) : new Uint8Array(message)], { type: mediaType }), mediaType === 'text/csv' ? 'message.csv' : mediaType === 'application/json' ? 'message.json' : 'message.xml');
  for (const f of files) form.append('attachment', new Blob([new Uint8Array(f.bytes)], { type: f.mediaType }), f.name);
  return post(client, { body: form });
}
