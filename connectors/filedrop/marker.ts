import { createHash } from 'node:crypto';
import type { FiledropConfig } from './config.js';
import { errorCode, readAll, type DropFs } from './fs.js';

export type MarkerKind = Exclude<FiledropConfig['marker'], 'none'>;

/** The largest manifest the ingress reads (a manifest names one file: a few hundred bytes). */
const MAX_MANIFEST_BYTES = 64 * 1024;

/** What `<name>.manifest` holds: one entry per file of the delivery (today always one). */
export interface Manifest {
  manifest: 1;
  files: Array<{ name: string; size: number; sha512: string }>;
}

/** `<name>.done` or `<name>.manifest`. */
export function markerName(kind: MarkerKind, name: string): string {
  return kind === 'done-file' ? `${name}.done` : `${name}.manifest`;
}

/** True for names that are a marker (never data themselves). */
export function isMarkerName(kind: FiledropConfig['marker'], name: string): boolean {
  return (kind === 'done-file' && name.endsWith('.done')) || (kind === 'manifest' && name.endsWith('.manifest'));
}

async function hashFile(fs: DropFs, name: string): Promise<{ size: number; sha512: string }> {
  const h = createHash('sha512');
  let size = 0;
  await fs.read(name, Number.MAX_SAFE_INTEGER, (chunk) => {
    size += chunk.length;
    h.update(chunk);
  });
  return { size, sha512: h.digest('hex') };
}

/**
 * Writes the completion marker of `name` the same way as the file itself (`.part`, flush,
 * rename without replacing, directory sync). For a manifest, size and sha512 come from
 * `payload` when given, else from the file as it is (an earlier attempt's file that was kept).
 * A marker that appears meanwhile (a parallel attempt) counts as written.
 */
export async function writeMarker(fs: DropFs, kind: MarkerKind, name: string, payload?: Buffer): Promise<void> {
  let body = Buffer.alloc(0);
  if (kind === 'manifest') {
    const facts = payload ? { size: payload.length, sha512: createHash('sha512').update(payload).digest('hex') } : await hashFile(fs, name);
    const manifest: Manifest = { manifest: 1, files: [{ name, ...facts }] };
    body = Buffer.from(`${JSON.stringify(manifest)}\n`, 'utf8');
  }
  const marker = markerName(kind, name);
  const part = `.${marker}.part`;
  await fs.remove(part);
  await fs.writeNew(part, body);
  try {
    await fs.renameNoReplace(part, marker);
  } catch (err) {
    await fs.remove(part).catch(() => undefined);
    if (errorCode(err) !== 'EEXIST') throw err;
  }
  await fs.syncDir('.');
}

/**
 * Reads `<name>.manifest` and checks the file against it while it is read: returns the file's
 * bytes when size and sha512 match, else the reason it does not (the file is not the one the
 * writer announced: still being replaced, or damaged).
 */
export async function readVerified(fs: DropFs, name: string, maxBytes: number): Promise<{ payload: Buffer } | { mismatch: string }> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse((await readAll(fs, markerName('manifest', name), MAX_MANIFEST_BYTES)).toString('utf8')) as Manifest;
  } catch (err) {
    if (errorCode(err) !== '') throw err;
    return { mismatch: 'the manifest is not valid JSON' };
  }
  const entry = Array.isArray(manifest?.files) ? manifest.files.find((f) => f?.name === name) : undefined;
  if (!entry || typeof entry.size !== 'number' || typeof entry.sha512 !== 'string') return { mismatch: 'the manifest does not name this file with size and sha512' };
  if (entry.size > maxBytes) return { mismatch: 'the manifest announces more than maxBytes' };
  const payload = await readAll(fs, name, maxBytes);
  if (payload.length !== entry.size) return { mismatch: `size ${payload.length} differs from the manifest's ${entry.size}` };
  if (createHash('sha512').update(payload).digest('hex') !== entry.sha512.toLowerCase()) return { mismatch: 'sha512 differs from the manifest' };
  return { payload };
}
