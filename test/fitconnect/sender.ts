import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CompactEncrypt, importJWK, type JWK } from 'jose';

/**
 * A FIT-Connect sender written from FITKO's public API description with `jose` and fetch
 * only — no gateway code — as an EfA online service's SDK does it. Knobs spoil one step.
 */
export const HALLE = '5a1c0e3e-3b0f-4f6a-9a51-150020000001';
export const MAGDEBURG = '5a1c0e3e-3b0f-4f6a-9a51-150030000001';
export const HUND = 'urn:de:fim:leika:leistung:99102013104000';
export const SCHEMA_URI = 'urn:zsa-gateway:fit-connect:submission-schema:hund-anmeldung:1.2';
export const PROBLEM = 'https://schema.fitko.de/fit-connect/submission-api/problems/';
export const EVENT = 'https://schema.fitko.de/fit-connect/events/';
/** Halle's synthetic Hund form (the mapping's golden input). */
export const FORM = readFileSync('mappings/efa-hund-form-to-xzsa/fixtures/halle-ags-reduction-transfer.input.json');
export const sha512 = (b: Uint8Array) => createHash('sha512').update(b).digest('hex');

export interface Knobs {
  destinationId?: string;
  identifier?: string;
  dataHash?: string;
  attachmentHash?: string;
  skipUpload?: boolean;
  extraInMetadata?: boolean;
  kid?: string;
  alg?: string;
  badMetadata?: boolean;
  form?: Buffer;
  useServiceType?: boolean;
  /** The metadata's `submissionSchema.schemaUri` (default: the Hund form's). */
  schemaUri?: string;
  /** The two attachments' bytes (default: two synthetic PDFs), e.g. the evidence files a Wohngeld form lists. */
  attachments?: [Buffer, Buffer];
  /** The metadata's `replyChannel` (reply channel, ADR 0033), e.g. `{ fitConnect: { encryptionPublicKey, processStandards } }`. */
  replyChannel?: Record<string, unknown>;
}

export interface Answer {
  status: number;
  json: any;
  text: string;
  type: string;
}

/** One HTTP call to the FIT-Connect API at `base` with a Bearer token. */
export async function call(base: string, token: string | undefined, method: string, path: string, body?: unknown, type = 'application/json'): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token !== undefined && { authorization: `Bearer ${token}` }), ...(body !== undefined && { 'content-type': type }) },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, text, type: res.headers.get('content-type') ?? '' };
}

/** The whole sender flow: destination, key, create, two attachments, metadata and data, submit. */
export async function send(base: string, token: string, k: Knobs = {}, keyOf = HALLE) {
  const destinationId = k.destinationId ?? keyOf;
  const dest = await call(base, token, 'GET', `/v1/destinations/${keyOf}`);
  expect(dest.status).to.equal(200);
  const jwk = (await call(base, token, 'GET', `/v1/destinations/${keyOf}/keys/${dest.json.encryptionKid}`)).json as JWK;
  expect(jwk.key_ops).to.deep.equal(['wrapKey']);
  expect(jwk.x5c).to.be.an('array').that.is.not.empty;
  // WebCrypto imports a wrapKey-only JWK without the encrypt usage jose asks for: import the bare key material, as SDKs do.
  const alg = k.alg ?? 'RSA-OAEP-256';
  const key = await importJWK({ kty: jwk.kty, n: jwk.n, e: jwk.e }, alg);
  const enc = (bytes: Uint8Array) => new CompactEncrypt(bytes).setProtectedHeader({ alg, enc: 'A256GCM', kid: k.kid ?? jwk.kid! }).encrypt(key);
  const attachments = k.attachments ?? [Buffer.from('%PDF-1.4 synthetic Schwerbehindertenausweis'), Buffer.from('%PDF-1.4 synthetic Ausbildungsnachweis')];
  const ids = [randomUUID(), randomUUID()];
  const svc = { identifier: k.identifier ?? HUND, name: 'Hund anmelden' };
  const created = await call(base, token, 'POST', '/v1/submissions', { destinationId, announcedAttachments: ids, ...(k.useServiceType ? { serviceType: svc } : { publicService: svc }) });
  if (created.status !== 201) return { created, submit: null as Answer | null };
  const { submissionId, caseId } = created.json as { submissionId: string; caseId: string };
  for (const [i, id] of ids.entries()) {
    if (k.skipUpload && i === 1) continue;
    const up = await call(base, token, 'PUT', `/v1/submissions/${submissionId}/attachments/${id}`, await enc(attachments[i]!), 'application/jose');
    expect(up.status, up.text).to.equal(204);
  }
  const form = k.form ?? FORM;
  const metadata = {
    $schema: 'https://schema.fitko.de/fit-connect/metadata/1.0.0/metadata.schema.json',
    contentStructure: {
      data: { hash: { type: 'sha512', content: k.dataHash ?? sha512(form) }, submissionSchema: { schemaUri: k.schemaUri ?? SCHEMA_URI, mimeType: 'application/json' } },
      attachments: [
        ...ids.map((id, i) => ({ attachmentId: id, hash: { type: 'sha512', content: i === 0 && k.attachmentHash ? k.attachmentHash : sha512(attachments[i]!) }, purpose: 'attachment', mimeType: 'application/pdf', filename: `nachweis-${i + 1}.pdf` })),
        ...(k.extraInMetadata ? [{ attachmentId: randomUUID(), hash: { type: 'sha512', content: sha512(attachments[0]!) }, purpose: 'attachment', mimeType: 'application/pdf' }] : []),
      ],
    },
    ...(k.badMetadata ? { contentStructure: { attachments: 'none' } } : {}),
    ...(k.replyChannel !== undefined && { replyChannel: k.replyChannel }),
  };
  const submit = await call(base, token, 'PUT', `/v1/submissions/${submissionId}`, {
    encryptedMetadata: await enc(Buffer.from(JSON.stringify(metadata))),
    encryptedData: await enc(form),
  });
  return { created, submit, submissionId, caseId, attachments, ids };
}
