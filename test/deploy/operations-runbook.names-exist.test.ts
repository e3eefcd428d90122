import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

const RUNBOOK = readFileSync(join(PACKAGE_ROOT, 'docs', 'operations.md'), 'utf8');
/** Inline code spans and fenced blocks of the runbook: where commands, paths and keys are named. */
const CODE = [...RUNBOOK.matchAll(/```[a-z]*\n([\s\S]*?)```|`([^`\n]+)`/g)].map((m) => m[1] ?? m[2] ?? '');

const CLI_SOURCES = ['gateway/cli', 'gateway/demo']
  .flatMap((dir) => readdirSync(join(PACKAGE_ROOT, dir)).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(PACKAGE_ROOT, dir, f), 'utf8')))
  .join('\n');
/** Every command and subcommand name the CLI registers (`.command('name …')`). */
const COMMANDS = new Set([...CLI_SOURCES.matchAll(/\.command\('([a-z-]+)/g)].map((m) => m[1]!));
/** Every long option the CLI declares (`--name`). */
const OPTIONS = new Set([...CLI_SOURCES.matchAll(/['(]-?-?[a-z]?,? ?(--[a-z-]+)/g)].map((m) => m[1]!));

const OPENAPI_PATHS = Object.keys((parseYaml(readFileSync(join(PACKAGE_ROOT, 'gateway/api/openapi.yaml'), 'utf8')) as { paths: Record<string, unknown> }).paths);
const CONFIG_KEYS = [...readFileSync(join(PACKAGE_ROOT, 'docs', 'config.md'), 'utf8').matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!.replace(/\[\]/g, ''));
const TOP_LEVEL = /^(server|store|crypto|auth|delivery|ingress|monitoring|mappings|fitConnect|xta|mailbox|schemas|deadlines|participants|endpoints|services|municipalities|routes)\.[A-Za-z.[\]]+$/;

/** docs/operations.md names only commands, options, endpoints and config keys that exist. */
describe('operations runbook: every command, endpoint and config key it names exists', () => {
  it('each `zsa-gateway <command> [<subcommand>]` is registered by the CLI, with the options it is given', () => {
    const uses = CODE.flatMap((c) => [...c.matchAll(/zsa-gateway ((?:[a-z][a-z-]*(?: |$))+)((?:--?[a-z-]+[^`\n]*)?)/gm)]);
    expect(uses.length).to.be.greaterThan(10);
    const named = uses.map((u) => u[1]!.trim().split(' ').filter((w) => w.length > 0));
    const missing = named.flatMap((words) => words.slice(0, 2).filter((w) => !COMMANDS.has(w)));
    expect(missing, 'commands the CLI does not register').to.deep.equal([]);
    const options = uses.flatMap((u) => [...`${u[1]} ${u[2]}`.matchAll(/(--[a-z-]+)/g)].map((m) => m[1]!));
    expect(options.filter((o) => !OPTIONS.has(o)), 'options the CLI does not declare').to.deep.equal([]);
  });

  it('each gateway endpoint path is in the OpenAPI contract', () => {
    const paths = CODE.flatMap((c) => [...c.matchAll(/(?:^|[\s`])((?:GET |POST |PUT )?\/(?:api|\.well-known|fit-connect|health|ready|metrics|token|xta)[^\s`),]*)/g)].map((m) => m[1]!.replace(/^(GET|POST|PUT) /, '')));
    expect(paths.length).to.be.greaterThan(8);
    const known = (p: string) => OPENAPI_PATHS.includes(p) || OPENAPI_PATHS.some((o) => o.startsWith(`${p}/`)); // a path or a prefix of paths
    expect(paths.filter((p) => !known(p)), 'paths the contract does not have').to.deep.equal([]);
  });

  it('each configuration key is documented in docs/config.md (generated from the schema)', () => {
    const keys = CODE.map((c) => c.trim()).filter((c) => TOP_LEVEL.test(c)).map((c) => c.replace(/\[\]/g, ''));
    expect(keys.length).to.be.greaterThan(10);
    expect(keys.filter((k) => !CONFIG_KEYS.includes(k)), 'keys the schema does not have').to.deep.equal([]);
  });

  it('names every alert kind of the schema', () => {
    const full = readFileSync(join(PACKAGE_ROOT, 'gateway/config/schema.ts'), 'utf8');
    const schema = full.slice(full.indexOf('export const alertRuleSchema'), full.indexOf('export const monitoringSchema'));
    const kinds = [...schema.matchAll(/kind: z\.literal\('([a-z-]+)'\)/g)].map((m) => m[1]!);
    expect(kinds).to.include.members(['backlog', 'dead-letters']);
    for (const k of kinds) expect(RUNBOOK, `alert kind ${k}`).to.include(`| \`${k}\` (`);
  });
});
