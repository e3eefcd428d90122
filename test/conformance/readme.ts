import { readFileSync } from 'node:fs';
import { z } from 'zod';

interface JsonSchemaNode {
  type?: string | string[];
  default?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
}

function keys(node: JsonSchemaNode, path: string, out: Array<{ key: string; default: unknown }>): void {
  for (const [name, prop] of Object.entries(node.properties ?? {})) {
    const key = path ? `${path}.${name}` : name;
    out.push({ key, default: prop.default });
    if (prop.properties) keys(prop, key, out);
    if (prop.items?.properties) keys(prop.items, `${key}[]`, out);
  }
}

/**
 * Drift check between a connector's config schema and the config table in the
 * `heading` section of its README (default "## Configuration"; an ingress side with its own schema uses "## Ingress configuration"): every key must have a row (`` | `key` | … ``) and every primitive default must be
 * written in that row as `` `value` ``. Returns the problems (empty when in sync).
 */
export function readmeConfigProblems(schema: z.ZodType, readmePath: string, heading = '## Configuration'): string[] {
  const lines = readFileSync(readmePath, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  if (start < 0) return [`README has no "${heading}" section`];
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  const readme = lines.slice(start, end < 0 ? undefined : end);
  const all: Array<{ key: string; default: unknown }> = [];
  keys(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode, '', all);
  const problems: string[] = [];
  for (const { key, default: dflt } of all) {
    const row = readme.find((line) => line.startsWith(`| \`${key}\` |`));
    if (!row) {
      problems.push(`${key}: no row in the README config table`);
      continue;
    }
    if (dflt !== undefined && typeof dflt !== 'object' && !row.includes(`\`${String(dflt)}\``)) {
      problems.push(`${key}: README does not show the default \`${String(dflt)}\``);
    }
  }
  const documented = readme.filter((l) => /^\| `[^`]+` \|/.test(l)).map((l) => l.slice(3, l.indexOf('`', 3)));
  for (const key of documented) if (!all.some((k) => k.key === key)) problems.push(`${key}: documented but not in the schema`);
  return problems;
}
