import type { JWK } from 'jose';
import { replyKeyOf } from './reply-key.js';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ParticipantConfig } from '../config/schema.js';
import { GatewayError, type Issue } from '../errors.js';
import type { AttachmentRef } from '../model/index.js';
import { routingAgs } from '../routing/region-key.js';
import type { FitSubmission } from '../store/fit-connect.js';
import { decryptPart, type FitDestination } from './destinations.js';
import { checkMetadata, type FitMetadata } from './metadata-schema.js';
import type { FitConnectDeps, ServiceSchemas } from './types.js';

const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

/** What a submit hands on to the pipeline once every check held. */
export interface CheckedSubmission {
  /** The form JSON with the gateway's ids set (`submission.id`, `.caseId`, `.leikaKey`). */
  form: Buffer;
  attachments: AttachmentRef[];
  /** The reply key from `replyChannel.fitConnect` (reply-key.ts), or null when the metadata name none. */
  replyKey: JWK | null;
}

type Settled<T> = Promise<{ ok: true; value: T } | { ok: false; error: unknown }>;

/** A started decryption whose failure is kept until its turn, so an earlier finding is reported first and no rejection goes unhandled. */
function settle<T>(p: Promise<T>): Settled<T> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

async function unsettle<T>(s: Settled<T>): Promise<T> {
  const r = await s;
  if (!r.ok) throw r.error;
  return r.value;
}

function parseJson(bytes: Buffer, code: 'GW_FC_METADATA_INVALID' | 'GW_FC_DATA_INVALID', part: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new GatewayError(code, `${part} is not JSON`, { issues: [{ message: 'not parseable as JSON', path: part, rule: 'json.syntax' }] });
  }
}

/**
 * The checks of `PUT /v1/submissions/{id}` in FIT-Connect's order of validation: decrypt and
 * validate the metadata; announced, uploaded and listed attachments agree; decrypt the data
 * and every attachment and compare each SHA-512 with the metadata; the data name the
 * service's submission schema and match it; the form's municipality is one the destination
 * serves. Returns the form to map and the stored attachments; throws a GW_FC_* error for the
 * first finding (its `errors` name the part and the rule, never content).
 */
export async function checkSubmission(
  deps: Pick<FitConnectDeps, 'attachments'>,
  schemas: ServiceSchemas,
  d: FitDestination,
  sub: FitSubmission,
  body: { encryptedMetadata?: unknown; encryptedData?: unknown },
  uploaded: ReadonlyMap<string, string>,
  uploader: string | undefined,
): Promise<CheckedSubmission> {
  // metadata and data are both needed: decrypted at once in the pool's threads; findings still in the order below
  const dataPlain = settle(body.encryptedData === undefined ? Promise.resolve(null) : decryptPart(d, body.encryptedData, 'encryptedData'));
  const metadata = parseJson(await decryptPart(d, body.encryptedMetadata, 'encryptedMetadata'), 'GW_FC_METADATA_INVALID', 'metadata') as FitMetadata;
  const metaIssues = checkMetadata(metadata);
  if (metaIssues.length > 0) throw new GatewayError('GW_FC_METADATA_INVALID', `the metadata do not match the metadata schema (${metaIssues.length} findings)`, { issues: metaIssues });
  const replyKey = replyKeyOf(metadata);

  const listed = new Map(metadata.contentStructure.attachments.map((a) => [a.attachmentId.toLowerCase(), a]));
  const announced = new Set(sub.announced);
  const extra = [...listed.keys()].filter((id) => !announced.has(id));
  if (extra.length > 0) {
    throw new GatewayError('GW_FC_ATTACHMENT_UNEXPECTED', `the metadata list ${extra.length} attachment(s) that were not announced`, { issues: extra.map((id) => ({ message: 'not announced', path: `attachments/${id}`, rule: 'attachment.announced' })) });
  }
  const missing: Issue[] = [];
  for (const id of announced) {
    if (!uploaded.has(id)) missing.push({ message: 'announced but not uploaded', path: `attachments/${id}`, rule: 'attachment.uploaded' });
    else if (!listed.has(id)) missing.push({ message: 'announced but missing from the metadata', path: `attachments/${id}`, rule: 'attachment.listed' });
  }
  if (missing.length > 0) throw new GatewayError('GW_FC_ATTACHMENTS_MISSING', `${missing.length} announced attachment(s) missing`, { issues: missing });

  const dataMeta = metadata.contentStructure.data;
  if (dataMeta === undefined || body.encryptedData === undefined) {
    throw new GatewayError('GW_FC_DATA_INVALID', 'the submission carries no form data (encryptedData and contentStructure.data are required here)', { issues: [{ message: 'no data', path: 'encryptedData', rule: 'data.required' }] });
  }
  const data = (await unsettle(dataPlain))!;
  if (sha512(data) !== dataMeta.hash.content) throw new GatewayError('GW_FC_HASH_MISMATCH', 'the SHA-512 of the data differs from contentStructure.data.hash', { issues: [{ message: 'hash mismatch', path: 'encryptedData', rule: 'hash.data' }] });

  const decrypted = [...listed.keys()].map((id) => settle(decryptPart(d, uploaded.get(id), `attachments/${id}`)));
  const plain = new Map<string, Buffer>();
  for (const [i, [id, a]] of [...listed].entries()) {
    const bytes = await unsettle(decrypted[i]!);
    if (sha512(bytes) !== a.hash.content) throw new GatewayError('GW_FC_HASH_MISMATCH', `the SHA-512 of attachment ${id} differs from its metadata hash`, { issues: [{ message: 'hash mismatch', path: `attachments/${id}`, rule: 'hash.attachment' }] });
    plain.set(id, bytes);
  }

  const service = d.cfg.services.find((s) => s.leika === sub.leika)!;
  if (dataMeta.submissionSchema.schemaUri !== service.submissionSchema.uri || dataMeta.submissionSchema.mimeType !== service.submissionSchema.mimeType) {
    throw new GatewayError('GW_FC_DATA_INVALID', `the metadata name another submission schema than the service's (${service.submissionSchema.uri})`, { issues: [{ message: 'unsupported submission schema', path: 'metadata/contentStructure/data/submissionSchema', rule: 'data.schema-uri' }] });
  }
  const form = parseJson(data, 'GW_FC_DATA_INVALID', 'data');
  const formIssues = schemas.check(service.submissionSchema.file, form);
  if (formIssues.length > 0) throw new GatewayError('GW_FC_DATA_INVALID', `the form data do not match the submission schema (${formIssues.length} findings)`, { issues: formIssues });

  const submission = (form as { submission: Record<string, unknown> }).submission;
  const key = submission['municipalityKey'];
  if (typeof key !== 'string' || !d.ags.has(routingAgs(key))) {
    throw new GatewayError('GW_FC_AREA_NOT_SERVED', 'the form names a municipality the destination does not serve', { issues: [{ message: 'municipality not served', path: 'data/submission/municipalityKey', rule: 'destination.area' }] });
  }
  // The gateway's ids rule: the submission is the message, the case the Vorgang (docs/fit-connect.md).
  Object.assign(submission, { id: sub.submissionId, caseId: sub.caseId, leikaKey: sub.leika });

  const attachments: AttachmentRef[] = await Promise.all(
    [...plain].map(async ([id, bytes]) => {
      const a = listed.get(id)!;
      const stored = await deps.attachments.putStream(Readable.from([bytes]), { maxBytes: Math.max(bytes.length, 1), ...(uploader !== undefined && { uploader }) });
      return { name: (a.filename ?? id).replace(/[\\/]/g, '_').slice(0, 255), mediaType: a.mimeType, sha512: stored.sha512, size: stored.size };
    }),
  );
  return { form: Buffer.from(JSON.stringify(form), 'utf8'), attachments, replyKey };
}
