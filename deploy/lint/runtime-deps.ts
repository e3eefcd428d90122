import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Finding } from './findings.js';

/**
 * The image carries production dependencies only (`npm ci --omit=dev`): code that runs in it
 * must not import a devDependency, or `zsa-gateway serve` fails with ERR_MODULE_NOT_FOUND
 * in the container although every test passed here. Tests, fixtures and benchmarks are not
 * in the image and may import what they like.
 */

/** Folders compiled into the image (tsconfig minus test/, bench/, deploy/). */
export const RUNTIME_DIRS = ['gateway', 'connectors', 'certs-dev'] as const;

const isTestCode = (file: string) => /\.(test|fixture)\.ts$/.test(file) || /(^|\/)(test|fixtures)\//.test(file);

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`), or undefined for relative and `node:` imports. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Findings for runtime source files importing a package that is not in `dependencies`. */
export function lintRuntimeImports(files: Array<{ file: string; text: string }>, dependencies: readonly string[]): Finding[] {
  const allowed = new Set(dependencies);
  const out: Finding[] = [];
  for (const { file, text } of files) {
    if (isTestCode(file)) continue;
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (/^\s*(import|export)\s+type\b/.test(line)) return; // erased by tsc: never loaded
      for (const m of line.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'([^']+)'/g)) {
        const pkg = packageOf(m[1]!);
        if (pkg !== undefined && !allowed.has(pkg)) {
          out.push({ file, line: i + 1, rule: 'image.runtime-imports', message: `imports ${pkg}, which is not a production dependency (the image installs dependencies only)` });
        }
      }
    });
  }
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    return statSync(path).isDirectory() ? tsFiles(path) : name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The runtime source files of the work tree at `root` and the production dependencies of its package.json. */
export function lintRuntimeImportsAt(root: string): Finding[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const files = RUNTIME_DIRS.flatMap((d) => tsFiles(join(root, d))).map((path) => ({ file: relative(root, path), text: readFileSync(path, 'utf8') }));
  return lintRuntimeImports(files, Object.keys(pkg.dependencies ?? {}));
}
