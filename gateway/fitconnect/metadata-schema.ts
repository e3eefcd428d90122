import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import type { Issue } from '../errors.js';

/**
 * FIT-Connect's metadata ("Metadatensatz"), as a JSON Schema written here from the field list
 * of FIT-Connect's metadata schema (versions 1.x and 2.x as senders send them:
 * `https://schema.fitko.de/fit-connect/metadata/<version>/metadata.schema.json`). FITKO's
 * schema file is not vendored (its licence is not stated in what we could read); this
 * schema checks what the gateway relies on — `contentStructure` with the data's hash and
 * submission schema and every attachment's id, hash, purpose and media type — strictly,
 * and lets other top-level members (`publicServiceType`, `authenticationInformation`,
 * `paymentInformation`, `replyChannel`, `additionalReferenceInfo`) pass when they are objects
 * or arrays. Deviation recorded in docs/fit-connect.md.
 */
const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const hash = {
  type: 'object',
  required: ['type', 'content'],
  additionalProperties: false,
  properties: { type: { const: 'sha512' }, content: { type: 'string', pattern: '^[0-9a-f]{128}$' } },
} as const;

export const METADATA_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['contentStructure'],
  properties: {
    $schema: { type: 'string', pattern: '^https://schema\\.fitko\\.de/fit-connect/metadata/[0-9]+\\.[0-9]+\\.[0-9]+/metadata\\.schema\\.json$' },
    contentStructure: {
      type: 'object',
      required: ['attachments'],
      additionalProperties: false,
      properties: {
        data: {
          type: 'object',
          required: ['hash', 'submissionSchema'],
          additionalProperties: false,
          properties: {
            hash,
            submissionSchema: {
              type: 'object',
              required: ['schemaUri', 'mimeType'],
              additionalProperties: false,
              properties: { schemaUri: { type: 'string', format: 'uri' }, mimeType: { enum: ['application/json', 'application/xml'] } },
            },
          },
        },
        attachments: {
          type: 'array',
          maxItems: 1000,
          items: {
            type: 'object',
            required: ['attachmentId', 'hash', 'purpose', 'mimeType'],
            additionalProperties: false,
            properties: {
              attachmentId: { type: 'string', pattern: UUID },
              hash,
              purpose: { enum: ['form', 'attachment', 'report'] },
              mimeType: { type: 'string', pattern: '^[a-z]+/[A-Za-z0-9.+-]+$', maxLength: 255 },
              filename: { type: 'string', maxLength: 255 },
              description: { type: 'string', maxLength: 1000 },
            },
          },
        },
      },
    },
    publicServiceType: { type: 'object' },
    authenticationInformation: { type: 'array' },
    paymentInformation: { type: 'object' },
    replyChannel: { type: 'object' },
    additionalReferenceInfo: { type: 'object' },
  },
} as const;

export interface FitMetadata {
  contentStructure: {
    data?: { hash: { type: 'sha512'; content: string }; submissionSchema: { schemaUri: string; mimeType: string } };
    attachments: Array<{ attachmentId: string; hash: { type: 'sha512'; content: string }; purpose: string; mimeType: string; filename?: string }>;
  };
  [member: string]: unknown;
}

const addFormats = addFormatsImport as unknown as (ajv: Ajv2020) => Ajv2020;

/** A JSON Schema validator (ajv, draft 2020-12, all errors) that reports JSON pointers and rules, never values. */
export function compileJsonSchema(schema: object): (value: unknown) => Issue[] {
  const ajv = addFormats(new Ajv2020({ allErrors: true, strict: false }));
  const validate: ValidateFunction = ajv.compile(schema);
  return (value) => {
    if (validate(value)) return [];
    return (validate.errors ?? []).slice(0, 20).map((e) => ({ message: `${e.keyword} ${e.message ?? ''}`.trim(), path: e.instancePath || '/', rule: `schema.${e.keyword}` }));
  };
}

export const checkMetadata = compileJsonSchema(METADATA_SCHEMA);
