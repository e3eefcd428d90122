import { DockerfileParser, type Copy, type Env, type From, type Healthcheck, type Instruction } from 'dockerfile-ast';
import { validate as validateSyntax } from 'dockerfile-utils';
import { inlineSecretKinds, type Finding } from './findings.js';

/**
 * Rules for deploy/Dockerfile (ADR 0046). The syntax and instruction checks are
 * dockerfile-utils' (the validator of the VS Code Docker language server); the project's own
 * rules read the instructions parsed by dockerfile-ast. Each rule has a stable id.
 */

/** One build stage: its FROM and the instructions up to the next FROM. */
interface Stage {
  from: From;
  name: string | null;
  instructions: Instruction[];
}

function stagesOf(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const ins of DockerfileParser.parse(text).getInstructions()) {
    if (ins.getKeyword() === 'FROM') {
      const from = ins as From;
      stages.push({ from, name: from.getBuildStage(), instructions: [] });
    } else stages.at(-1)?.instructions.push(ins);
  }
  return stages;
}

const lineOf = (ins: Instruction) => ins.getRange().start.line + 1;
const argsOf = (ins: Instruction) => ins.getArguments().map((a) => a.getValue());
const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.getKeyword() === keyword);

/** The command of an exec-form (`["a", "b"]`) or shell-form instruction, as words. */
function commandWords(ins: Instruction): string[] {
  const content = ins.getArgumentsContent() ?? '';
  try {
    const parsed: unknown = JSON.parse(content);
    if (Array.isArray(parsed) && parsed.every((w) => typeof w === 'string')) return parsed;
  } catch {
    // shell form
  }
  return argsOf(ins);
}

/** An exact version (`20.20.2-bookworm-slim`) or a digest: never `latest`, never a bare major. */
function pinnedBaseProblem(from: From): string | undefined {
  const tag = from.getImageTag();
  const digest = from.getImageDigest();
  if (digest) return undefined;
  if (!tag) return `base image ${from.getImage() ?? '?'} has no tag: name an exact version or a digest`;
  if (tag === 'latest') return `base image ${from.getImage() ?? '?'} uses the tag latest`;
  if (!/^\d+\.\d+\.\d+/.test(tag)) return `base image tag "${tag}" is not an exact version (x.y.z…) or a digest`;
  return undefined;
}

/** Lints the text of a Dockerfile; `file` names it in the findings. */
export function lintDockerfile(text: string, file = 'deploy/Dockerfile'): Finding[] {
  const out: Finding[] = [];
  const add = (rule: string, message: string, line?: number) => out.push({ file, rule, message, ...(line === undefined ? {} : { line }) });

  for (const d of validateSyntax(text)) add('dockerfile.syntax', typeof d.message === 'string' ? d.message : d.message.value, d.range.start.line + 1);

  const stages = stagesOf(text);
  const stageNames = new Set(stages.map((s) => s.name).filter((n): n is string => n !== null));
  if (stages.length < 2) add('dockerfile.multi-stage', 'build and runtime must be separate stages (multi-stage build)');
  for (const s of stages) {
    const image = s.from.getImageName() ?? '';
    if (stageNames.has(image)) continue; // FROM an earlier stage
    const problem = pinnedBaseProblem(s.from);
    if (problem) add('dockerfile.base-pinned', problem, lineOf(s.from));
    if (!/^(docker\.io\/)?(library\/)?node$/.test(image) || !/^20[.-]/.test(s.from.getImageTag() ?? '') || !/slim/.test(s.from.getImageTag() ?? '')) {
      add('dockerfile.base-image', `base image ${s.from.getImage() ?? '?'} is not a Node 20 slim image`, lineOf(s.from));
    }
  }

  for (const s of stages) {
    for (const ins of of(s, 'ADD')) {
      if (argsOf(ins).some((a) => /^[a-z]+:\/\//i.test(a))) add('dockerfile.no-add-url', 'ADD of a URL: fetch in a RUN step with a checksum, or COPY a file from the context', lineOf(ins));
    }
    for (const ins of [...of(s, 'ENV'), ...of(s, 'ARG'), ...of(s, 'LABEL')]) {
      const props = ins.getKeyword() === 'ARG' ? [] : (ins as Env).getProperties();
      const names = ins.getKeyword() === 'ARG' ? argsOf(ins).map((a) => a.split('=')[0] ?? '') : props.map((p) => p.getName());
      for (const n of names) if (/PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE|CREDENTIAL/i.test(n)) add('dockerfile.no-secrets', `${ins.getKeyword()} ${n}: secrets come from the environment at run time, never from the image`, lineOf(ins));
      for (const kind of inlineSecretKinds(ins.getArgumentsContent() ?? '')) add('dockerfile.no-secrets', `${ins.getKeyword()} holds ${kind}`, lineOf(ins));
    }
  }

  const runtime = stages.at(-1);
  if (!runtime) return out;
  const runtimeLine = lineOf(runtime.from);

  const users = of(runtime, 'USER');
  const lastUser = users.at(-1);
  const user = lastUser ? (argsOf(lastUser)[0] ?? '') : '';
  if (!lastUser) add('dockerfile.non-root', 'the runtime stage sets no USER: the process would run as root', runtimeLine);
  else if (!/^\d+(:\d+)?$/.test(user)) add('dockerfile.non-root', `USER ${user}: use a numeric uid (Kubernetes runAsNonRoot can only verify a number)`, lineOf(lastUser));
  else if (/^0(:|$)/.test(user)) add('dockerfile.non-root', 'USER 0 is root', lineOf(lastUser));

  if (of(runtime, 'EXPOSE').length === 0) add('dockerfile.expose', 'the runtime stage EXPOSEs no port', runtimeLine);

  const health = of(runtime, 'HEALTHCHECK').at(-1) as Healthcheck | undefined;
  if (!health || health.getSubcommand()?.getValue().toUpperCase() !== 'CMD') add('dockerfile.healthcheck', 'the runtime stage has no HEALTHCHECK CMD', health ? lineOf(health) : runtimeLine);

  const entrypoint = of(runtime, 'ENTRYPOINT').at(-1);
  const cmd = of(runtime, 'CMD').at(-1);
  const command = [...(entrypoint ? commandWords(entrypoint) : []), ...(cmd ? commandWords(cmd) : [])];
  if (command.join(' ') !== 'zsa-gateway serve') add('dockerfile.entrypoint', `the container runs "${command.join(' ')}", not "zsa-gateway serve" (ENTRYPOINT + CMD, exec form)`, entrypoint ? lineOf(entrypoint) : runtimeLine);

  // node_modules of the runtime must come from a stage that installed production dependencies only.
  const prodStages = new Set(stages.filter((s) => of(s, 'RUN').some((r) => /\bnpm ci\b[^&;|]*--omit=dev/.test(r.getArgumentsContent() ?? ''))).map((s) => s.name));
  const moduleCopies = (of(runtime, 'COPY') as Copy[]).filter((c) => argsOf(c).some((a) => /node_modules\/?$/.test(a)));
  if (moduleCopies.length === 0) add('dockerfile.production-deps', 'the runtime stage copies no node_modules from a stage that ran `npm ci --omit=dev`', runtimeLine);
  for (const c of moduleCopies) {
    const from = c.getFromFlag()?.getValue() ?? null;
    if (!prodStages.has(from)) add('dockerfile.production-deps', `node_modules come from stage "${from ?? 'the build context'}", which did not run \`npm ci --omit=dev\``, lineOf(c));
  }
  if (of(runtime, 'RUN').some((r) => /\bnpm (ci|install|i)\b/.test(r.getArgumentsContent() ?? ''))) add('dockerfile.production-deps', 'the runtime stage runs npm: install in a separate stage and copy node_modules', runtimeLine);
  return out;
}

/** The numeric uid the runtime stage runs as, or undefined. */
export function runtimeUid(text: string): number | undefined {
  const runtime = stagesOf(text).at(-1);
  const user = runtime ? of(runtime, 'USER').at(-1) : undefined;
  const m = user ? /^(\d+)/.exec(argsOf(user)[0] ?? '') : null;
  return m ? Number(m[1]) : undefined;
}

/** What `.dockerignore` must keep out of the build context: local state and installed modules. */
export const DOCKERIGNORE_REQUIRED = ['.git', 'node_modules', 'dist', 'data', 'certs-dev/out'] as const;

/** Lints `.dockerignore`: every entry of DOCKERIGNORE_REQUIRED is excluded (also as `**\/name`). */
export function lintDockerignore(text: string | undefined, file = '.dockerignore'): Finding[] {
  if (text === undefined) return [{ file, rule: 'dockerignore.missing', message: 'no .dockerignore: the whole work tree (data, keys, node_modules) would be sent as build context' }];
  const entries = new Set(text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => l.replace(/^\*\*\//, '').replace(/\/$/, '')));
  return DOCKERIGNORE_REQUIRED.filter((e) => !entries.has(e)).map((e) => ({ file, rule: 'dockerignore.entry', message: `${e} is not excluded from the build context` }));
}
