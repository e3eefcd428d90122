import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const fileDescriptions = (peer: string) => ({
  caFile: z.string().min(1).optional().describe(`PEM file with the CA certificates that sign the ${peer}'s certificate (default: the system CAs).`),
  certFile: z.string().min(1).optional().describe('PEM client certificate for mutual TLS.'),
  keyFile: z.string().min(1).optional().describe('PEM private key of the client certificate.'),
});

const pairedCertAndKey = { message: 'certFile and keyFile go together' };

/**
 * TLS options of an outbound connection (AMQPS broker, HTTPS Fachverfahren): one schema for
 * every connector. `peer` names the other side in the docs text.
 */
export function tlsClientSchema(peer: string) {
  return z.object(fileDescriptions(peer)).strict().refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), pairedCertAndKey);
}

/**
 * tlsClientSchema plus `servername`: the name sent as SNI and checked against the peer's
 * certificate (for a broker reached by IP address or through a load balancer under another name).
 */
export function tlsClientSchemaWithServername(peer: string) {
  return z
    .object({
      ...fileDescriptions(peer),
      servername: z.string().min(1).max(253).optional().describe(`Host name sent as SNI and expected in the ${peer}'s certificate (default: the host of the URL).`),
    })
    .strict()
    .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), pairedCertAndKey);
}

/** What `tls.connect` gets from a connector's `tls` config: file contents, and the SNI name when set. */
export interface TlsSocketOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
}

/**
 * Reads the TLS files of a connector's config when it connects (so renewed certificates are
 * picked up on the next connect). A missing or unreadable file rejects with the fs error; the
 * core then retries the connect with backoff.
 */
export async function readTlsFiles(tls: { caFile?: string | undefined; certFile?: string | undefined; keyFile?: string | undefined; servername?: string | undefined } | undefined): Promise<TlsSocketOptions> {
  if (tls === undefined) return {};
  const read = (file: string | undefined): Promise<Buffer | undefined> => (file === undefined ? Promise.resolve(undefined) : readFile(file));
  const [ca, cert, key] = await Promise.all([read(tls.caFile), read(tls.certFile), read(tls.keyFile)]);
  return { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }), ...(tls.servername !== undefined && { servername: tls.servername }) };
}
