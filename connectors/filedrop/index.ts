import type { ConnectorSpec, Egress, Ingress } from '../types.js';
import { filedropConfigSchema, type FiledropConfig } from './config.js';
import { FileEgress } from './egress.js';
import type { DropFs } from './fs.js';
import { LocalDropFs } from './fs-local.js';
import { SftpDropFs } from './fs-sftp.js';
import { FileIngress } from './ingress.js';

/** The transport of `dir`: the local file system, or an SFTP server when `sftp` is configured. */
export function createDropFs(config: FiledropConfig): DropFs {
  return config.sftp ? new SftpDropFs(config.dir, config.sftp) : new LocalDropFs(config.dir);
}

/** Files in a directory, local or over SFTP, both directions. See README.md. */
export const filedropConnector = {
  name: 'filedrop',
  summary: 'Files in a directory, local or on an SFTP server: egress writes each message as .<name>.part, flushes and renames it (plus an optional done-file or manifest); ingress polls an inbox and moves each file after the gateway stored it.',
  direction: 'both',
  configSchema: filedropConfigSchema,
  maxInFlight: 16,
  create(config, _ctx): Egress {
    return new FileEgress(config, createDropFs(config));
  },
  createIngress(config, ctx): Ingress {
    return new FileIngress(config, ctx, createDropFs(config));
  },
} satisfies ConnectorSpec<typeof filedropConfigSchema>;

export { filedropConfigSchema, globRegExp, type FiledropConfig } from './config.js';
export { alternativeName, dropFileName, FileEgress } from './egress.js';
export { writeError, type DropFs, type DropEntry } from './fs.js';
export { LocalDropFs } from './fs-local.js';
export { hostKeyFingerprint, SftpDropFs } from './fs-sftp.js';
export { FileIngress, isSafeName, TOO_LARGE_CODE } from './ingress.js';
export { markerName, type Manifest } from './marker.js';
