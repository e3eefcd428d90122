/**
 * `zsa-gateway standards …`: what the gateway loads from the schema roots, and a check of
 * one standard folder that lists every problem before the gateway is started with it.
 *   standards list [--schemas <dir>...] [--json]   every standard loaded (exit 1 if loading fails)
 *   standards check <dir> [--json]                 one <standard>/<version> folder (exit 1 on any problem)
 * Registered by gateway/cli/main.ts through `registerStandardsCommands(program)`.
 */
import type { Command } from 'commander';
import { GatewayError, type Issue } from '../errors.js';
import { schemaRootPath } from '../paths.js';
import { inspectStandardFolder, loadValidator, type StandardInfo, type StandardReport } from '../validation/index.js';

/** Where the commands write; tests pass their own. */
export interface StandardsIo {
  out(line: string): void;
  setExitCode(code: number): void;
}

const consoleIo: StandardsIo = {
  out: (line) => console.log(line),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

export function registerStandardsCommands(program: Command, io: StandardsIo = consoleIo): Command {
  const standards = program.command('standards').description('XÖV standards: what is loaded, and checks of standard folders');
  standards
    .command('list')
    .description('load every <standard>/<version>/standard.yaml under the schema roots and list what was loaded (exit 1 if loading fails)')
    .option('--schemas <dir...>', 'schema roots, several after one flag or the flag repeated (default: the bundled schemas-xoev)')
    .option('--json', 'print JSON instead of text')
    .action(async (o: { schemas?: string[]; json?: boolean }) => {
      const { lines, exitCode } = await listStandards((o.schemas ?? ['./schemas-xoev']).map(schemaRootPath), o.json === true);
      lines.forEach((l) => io.out(l));
      io.setExitCode(exitCode);
    });
  standards
    .command('check <dir>')
    .description('load one standard folder (holding standard.yaml) and report every problem (exit 1 if there is any)')
    .option('--json', 'print JSON instead of text')
    .action(async (dir: string, o: { json?: boolean }) => {
      const { lines, exitCode } = await checkStandard(dir, o.json === true);
      lines.forEach((l) => io.out(l));
      io.setExitCode(exitCode);
    });
  return standards;
}

/** The output of `standards list`. */
export async function listStandards(roots: readonly string[], json = false): Promise<{ lines: string[]; exitCode: number }> {
  let infos: StandardInfo[];
  try {
    const validator = await loadValidator(roots);
    infos = validator.standards();
    validator.close();
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    if (json) return { lines: [JSON.stringify({ ok: false, code: err.code, detail: err.message, problems: err.issues })], exitCode: 1 };
    return { lines: [`could not load ${roots.join(', ')}: ${err.message}`, ...err.issues.map(issueLine)], exitCode: 1 };
  }
  if (json) return { lines: [JSON.stringify({ ok: true, standards: infos })], exitCode: 0 };
  const lines: string[] = [];
  for (const s of infos) {
    lines.push(`${s.standard} ${s.version}  ${s.namespace}${s.title ? `  — ${s.title}` : ''}`);
    lines.push(`  descriptor: ${s.file}`);
    lines.push(`  message types (${s.messageTypes.length}): ${s.messageTypes.join(', ')}`);
    lines.push(`  code lists (${s.codeLists.length}): ${s.codeLists.map((l) => `${l.uri} ${l.version} (${l.codes} codes)`).join(', ') || 'none'}`);
    lines.push(`  service rules: ${s.rules}`);
    lines.push(`  strictness: ${Object.entries(s.strictness).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    lines.push(`  rule strictness: ${Object.entries(s.ruleStrictness).map(([k, v]) => `${k} ${v}`).join(', ') || 'as their layers'}`);
    lines.push(`  XSD compiled in ${s.compileMs.toFixed(1)} ms`);
  }
  lines.push(`${infos.length} standard version(s) loaded from ${roots.join(', ')}`);
  return { lines, exitCode: 0 };
}

/** The output of `standards check <dir>`. */
export async function checkStandard(dir: string, json = false): Promise<{ lines: string[]; exitCode: number }> {
  const r: StandardReport = await inspectStandardFolder(dir);
  const exitCode = r.problems.length > 0 ? 1 : 0;
  if (json) return { lines: [JSON.stringify({ ok: exitCode === 0, ...r })], exitCode };
  const lines = [
    `${r.file}: ${r.standard ?? '?'} ${r.version ?? '?'}  ${r.namespace ?? '(no namespace)'}`,
    `  ${r.xsdFiles} XSD file(s); XSD ${r.compileMs === undefined ? 'not compiled' : `compiled in ${r.compileMs.toFixed(1)} ms`}`,
    `  message types (${r.messageTypes.length}): ${r.messageTypes.join(', ')}`,
    `  code lists (${r.codeLists.length}): ${r.codeLists.map((l) => `${l.uri} ${l.version} (${l.codes} codes)`).join(', ') || 'none'}`,
    `  service rules: ${r.rules}`,
    `  samples: ${r.samples.valid} valid, ${r.samples.invalid} invalid; ${r.samples.passed} behaved as expected`,
  ];
  if (exitCode === 0) lines.push('ok: no problems');
  else lines.push(`${r.problems.length} problem(s):`, ...r.problems.map(issueLine));
  return { lines, exitCode };
}

function issueLine(i: Issue): string {
  const where = [i.path, i.line !== undefined ? `line ${i.line}` : undefined].filter(Boolean).join(' ');
  return `  [${i.layer ?? 'problem'}] ${i.message}${where ? `  (${where})` : ''}`;
}
