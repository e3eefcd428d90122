import { z } from 'zod';
import { WIRE_HEADERS } from '../../gateway/model/wire-headers.js';
import { tlsClientSchema } from '../tls.js';

/** Headers the connector sets itself; configured headers with these names are refused. */
export const PROTOCOL_HEADERS: readonly string[] = ['content-type', 'content-length', ...WIRE_HEADERS.map((h) => h.lower), 'repr-digest', 'idempotency-key'];

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const tlsSchema = tlsClientSchema('server');

export const httpConfigSchema = z
  .object({
    url: z
      .url({ protocol: /^https?$/ })
      .describe('Where each message is sent, e.g. `https://fv.example.de/inbox/hund`. Redirects are not followed.'),
    method: z.enum(['POST', 'PUT']).default('POST').describe('HTTP method.'),
    headers: z
      .record(z.string().regex(HEADER_NAME, 'not a valid header name'), z.string())
      .default({})
      .refine((h) => Object.keys(h).every((name) => !PROTOCOL_HEADERS.includes(name.toLowerCase())), {
        message: `these headers are set by the connector: ${PROTOCOL_HEADERS.join(', ')}`,
      })
      .describe('Extra request headers, e.g. `Authorization`. The connector\'s own headers cannot be overridden.'),
    timeoutMs: z
      .int()
      .min(100)
      .default(30_000)
      .describe('Whole request, connect to last byte of the answer; when it passes the delivery fails as retryable.'),
    connectTimeoutMs: z.int().min(100).default(10_000).describe('TCP and TLS connect timeout.'),
    successStatuses: z
      .array(z.int().min(200).max(599))
      .min(1)
      .optional()
      .describe('Statuses that mean "accepted" (default: every 2xx).'),
    tls: tlsSchema.optional().describe('Files for `https://` (optional): own CA, client certificate for mTLS.'),
  })
  .strict();

export type HttpConfig = z.output<typeof httpConfigSchema>;
