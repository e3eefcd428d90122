import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CREATE_NEW, syncDirectory, writeSynced } from '../files/durable.js';

/** An attachment reference as the gateway lists it with a message (`GET /api/v1/messages/{id}`, `attachments[]`). */
export interface AttachmentRef {
  name: string;
  mediaType: string;
  sha512: string;
  size: number;
}

/** An attachment the agent fetched, opened and checked against its reference: `data` has exactly `sha512` and `size`. */
export interface LocalAttachment extends AttachmentRef {
  /** The file name the agent writes it under (folder and command targets): `NN-<safe name>`, unique within the message. */
  file: string;
  data: Buffer;
}

/** The manifest written beside the files (folder, command) and sent as the first part (http): what came and how to check it. */
export interface AttachmentManifest {
  gatewayId: string;
  messageType: string;
  attachments: Array<Omit<LocalAttachment, 'data'>>;
}

export const MANIFEST = 'manifest.json';

/**
 * Checks fetched bytes against their reference; returns the attachment or throws an Error naming
 * the attachment's position and what differs (size, sha512), never its content.
 */
export function checkedAttachment(ref: AttachmentRef, index: number, data: Buffer): LocalAttachment {
  if (data.length !== ref.size) throw new Error(`attachment ${index + 1} has ${data.length} bytes, its reference says ${ref.size}`);
  const sha512 = createHash('sha512').update(data).digest('hex');
  if (sha512 !== ref.sha512.toLowerCase()) throw new Error(`attachment ${index + 1}: its sha512 is not the one of its reference`);
  return { ...ref, file: fileNameOf(index, ref.name), data };
}

/**
 * A file name for the attachment at `index` that is safe in any folder: the position as prefix
 * (unique even when two attachments share a name), the last path segment of the sender's name,
 * characters outside letters, digits, `.`, `-` and `_` replaced, no leading dot.
 */
export function fileNameOf(index: number, name: string): string {
  const base = (name.split(/[\\/]/).pop() ?? '').normalize('NFC').replace(/[^\p{L}\p{N}._-]/gu, '_').replace(/^\.+/, '').slice(0, 120);
  return `${String(index + 1).padStart(2, '0')}-${base || 'anlage'}`;
}

export function manifestOf(gatewayId: string, messageType: string, attachments: readonly LocalAttachment[]): AttachmentManifest {
  return { gatewayId, messageType, attachments: attachments.map(({ data: _data, ...rest }) => rest) };
}

/**
 * Writes the attachments and `manifest.json` into the new folder `dir` (which must not exist):
 * each file created exclusively and fsync'd, then the folder fsync'd.
 */
export async function writeAttachmentSet(dir: string, manifest: AttachmentManifest, attachments: readonly LocalAttachment[]): Promise<void> {
  await mkdir(dir, { mode: 0o750 });
  for (const a of attachments) await writeSynced(join(dir, a.file), a.data, CREATE_NEW, 0o640);
  await writeSynced(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, CREATE_NEW, 0o640);
  await syncDirectory(dir);
}

/**
 * Places the attachment folder `<dir>/<name>` so that it appears whole: written as `.<name>.part`,
 * then renamed. A folder of that name left by an earlier delivery of the same message stays when
 * its manifest is the same (same gateway id, same hashes), else it is replaced.
 */
export async function placeAttachmentSet(dir: string, name: string, manifest: AttachmentManifest, attachments: readonly LocalAttachment[]): Promise<void> {
  const final = join(dir, name);
  const existing = await readFile(join(final, MANIFEST), 'utf8').catch(() => null);
  if (existing !== null && existing === `${JSON.stringify(manifest, null, 2)}\n`) return;
  const part = join(dir, `.${name}.part`);
  await rm(part, { recursive: true, force: true });
  await writeAttachmentSet(part, manifest, attachments);
  if (await stat(final).catch(() => null)) await rm(final, { recursive: true, force: true });
  await rename(part, final);
  await syncDirectory(dir);
}
