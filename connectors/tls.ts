import { z } from 'zod';

/**
 * TLS options of an outbound connection (AMQPS broker, HTTPS Fachverfahren): one schema for
 * every connector. `peer` names the other side in the docs text.
 */
export function tlsClientSchema(peer: string) {
  return z
    .object({
      caFile: z.string().min(1).optional().describe(`PEM file with the CA certificates that sign the ${peer}'s certificate (default: the system CAs).`),
      certFile: z.string().min(1).optional().describe('PEM client certificate for mutual TLS.'),
      keyFile: z.string().min(1).optional().describe('PEM private key of the client certificate.'),
    })
    .strict()
    .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), { message: 'certFile and keyFile go together' });
}
