import type { ConnectorSpec } from '../types.js';
import { httpConfigSchema } from './config.js';
import { HttpEgress } from './egress.js';

/** HTTP(S) push egress: see connectors/http/README.md. */
export const httpConnector = {
  name: 'http',
  direction: 'egress',
  summary: 'Sends each message as one HTTP POST/PUT with the XML as body and counts it delivered on a 2xx answer (or the configured success statuses).',
  configSchema: httpConfigSchema,
  maxInFlight: 8,
  create: (config, ctx) => new HttpEgress(config, ctx),
} satisfies ConnectorSpec<typeof httpConfigSchema>;

export { httpConfigSchema, PROTOCOL_HEADERS, type HttpConfig } from './config.js';
export { HttpEgress, messageHeaders } from './egress.js';
export { EXCERPT_BYTES, parseRetryAfter } from './answer.js';
