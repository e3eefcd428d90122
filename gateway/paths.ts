import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the installed package (the folder with package.json), for source and compiled runs alike. */
function findPackageRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`package.json not found above ${start}`);
    dir = up;
  }
  return dir;
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/**
 * A schema root as configured (`schemas.roots`) or given on the command line, as an absolute
 * path: the default `./schemas-xoev` is the bundled folder, other relative paths are taken
 * from the working directory.
 */
export function schemaRootPath(root: string): string {
  return isAbsolute(root) ? root : root === './schemas-xoev' ? join(PACKAGE_ROOT, 'schemas-xoev') : resolve(root);
}
