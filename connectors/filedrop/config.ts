import { z } from 'zod';

/** `*` and `?` over a file name; no path separators, no character classes (kept small on purpose: see README). */
const GLOB = /^[A-Za-z0-9._*?-]{1,100}$/;

/** One directory name below the inbox: never `.` or `..`, never a path. */
const SUBDIR = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,64}$/;
const SUBDIR_TEXT = 'a sub-directory name of the inbox: letters, digits, `.`, `_`, `-`, not `.` or `..`';

const sftpSchema = z
  .object({
    host: z.string().min(1).describe('SFTP server host name or address.'),
    port: z.int().min(1).max(65535).default(22).describe('SSH port.'),
    username: z.string().min(1).describe('SSH user name.'),
    hostKeySha256: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'hostKeySha256: the OpenSSH fingerprint form `SHA256:` followed by 43 base64 characters')
      .describe('Pinned host key fingerprint as `ssh-keygen -lf` prints it (`SHA256:…`). Any other host key is refused: there is no trust on first use.'),
    privateKeyFile: z.string().min(1).optional().describe('File with the private key (OpenSSH or PEM format) for public-key authentication. Read at every connect; never logged.'),
    passphraseFile: z.string().min(1).optional().describe('File holding the passphrase of `privateKeyFile`, if it is encrypted.'),
    passwordFile: z.string().min(1).optional().describe('File holding the password for password authentication (instead of a key). Read at every connect; never logged.'),
    readyTimeoutMs: z.int().min(100).default(10_000).describe('Time for TCP connect, SSH handshake and authentication.'),
    keepaliveIntervalMs: z.int().min(1000).default(15_000).describe('SSH keepalive interval; after 3 unanswered keepalives the connection counts as lost.'),
  })
  .strict()
  .refine((s) => (s.privateKeyFile === undefined) !== (s.passwordFile === undefined), { message: 'sftp: exactly one of privateKeyFile and passwordFile' })
  .refine((s) => s.passphraseFile === undefined || s.privateKeyFile !== undefined, { message: 'sftp: passphraseFile only goes with privateKeyFile' });

const patternSchema = z
  .object({
    glob: z.string().regex(GLOB, 'glob: letters, digits, `.`, `_`, `-` and the wildcards `*` and `?` (a file name, no path)').describe('File name pattern, e.g. `*.csv`.'),
    contentType: z.string().min(3).describe('Media type handed to the gateway with each matching file, e.g. `text/csv; charset=utf-8`.'),
  })
  .strict();

const inboxSchema = z
  .object({
    patterns: z
      .array(patternSchema)
      .min(1)
      .default([{ glob: '*.xml', contentType: 'application/xml' }])
      .describe('Which files are picked up and with which media type; the first matching pattern wins. Other files are left alone.'),
    pollIntervalMs: z.int().min(50).default(2000).describe('Pause between two scans of the inbox.'),
    maxBytes: z.int().min(1).default(20 * 1024 * 1024).describe('Largest file taken; a larger one is moved to the rejected directory (code `GW_PAYLOAD_TOO_LARGE`) without being read.'),
    maxInFlight: z.int().min(1).max(64).default(4).describe('Files handed to the gateway at the same time.'),
    processedDir: z.string().regex(SUBDIR, SUBDIR_TEXT).default('processed').describe('Sub-directory of `dir` for files the gateway stored (or had already stored).'),
    rejectedDir: z.string().regex(SUBDIR, SUBDIR_TEXT).default('rejected').describe('Sub-directory of `dir` for files the gateway refused for good; each with `<name>.reason` holding the error code.'),
    retryBaseMs: z.int().min(10).default(1000).describe('First pause before a file the gateway could not decide on is offered again; doubles per failure.'),
    retryMaxMs: z.int().min(10).default(300_000).describe('Longest pause between two offers of the same file.'),
  })
  .strict()
  .refine((i) => i.processedDir !== i.rejectedDir, { message: 'inbox: processedDir and rejectedDir must differ' });

export const filedropConfigSchema = z
  .object({
    dir: z.string().min(1).describe('The directory: where messages are dropped (egress) or the inbox that is polled (ingress). Local paths are taken from the working directory when relative; with `sftp` it is a path on the server. It must exist: the connector never creates it (a missing directory is a receiver that is down).'),
    extension: z
      .string()
      .regex(/^[a-z0-9]{1,8}$/, 'extension: 1-8 lower-case letters or digits, without the dot')
      .optional()
      .describe('Egress: file name extension. Default from the content type: `xml`, `json`, `csv`, `jwe` (compact JWE), else `bin`.'),
    marker: z
      .enum(['none', 'done-file', 'manifest'])
      .default('none')
      .describe('Completion marker written after the file (egress) and required before a file is taken (ingress): `none`; `done-file` (empty `<name>.done`); `manifest` (`<name>.manifest`, JSON with size and sha512 of the file).'),
    onExisting: z
      .enum(['keep', 'new-name', 'error'])
      .default('keep')
      .describe('Egress, when `<name>` already exists (names carry gateway id and message UUID, so that is an earlier attempt of the same message): `keep` it and count the delivery done; write under a `new-name` (`<name>~2` …); or fail with an `error` (permanent). Nothing is ever overwritten.'),
    sftp: sftpSchema.optional().describe('Reach `dir` on an SFTP server instead of the local file system.'),
    inbox: inboxSchema.prefault({}).describe('Ingress only: how the inbox `dir` is polled.'),
  })
  .strict();

export type FiledropConfig = z.output<typeof filedropConfigSchema>;
export type SftpConfig = NonNullable<FiledropConfig['sftp']>;
export type InboxConfig = FiledropConfig['inbox'];

/** The file name glob (`*`, `?`) as an anchored regular expression over one name. */
export function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}
