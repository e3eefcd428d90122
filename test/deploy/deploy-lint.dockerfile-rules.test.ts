import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lintDockerfile, lintDockerignore } from '../../deploy/lint/dockerfile.js';
import { lintDeploy } from '../../deploy/lint/index.js';
import { lintRuntimeImports, packageOf } from '../../deploy/lint/runtime-deps.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

const DOCKERFILE = readFileSync(join(PACKAGE_ROOT, 'deploy', 'Dockerfile'), 'utf8');
const DOCKERIGNORE = readFileSync(join(PACKAGE_ROOT, '.dockerignore'), 'utf8');
const BASE = 'node:20.20.2-bookworm-slim';

const rulesOf = (text: string) => new Set(lintDockerfile(text).map((f) => f.rule));

/** Replaces one text that must occur in the Dockerfile, so a mutation cannot silently miss. */
function mutate(from: string | RegExp, to: string): string {
  const next = DOCKERFILE.replace(from, to);
  expect(next, `mutation ${String(from)} applies`).to.not.equal(DOCKERFILE);
  return next;
}

/** The deployment lint (ADR 0046) over the repository's artefacts, and each Dockerfile rule failing on a Dockerfile that breaks it. */
describe('deploy lint: the artefacts pass, and each Dockerfile rule catches what it is for', () => {
  it('finds nothing in deploy/Dockerfile, .dockerignore, deploy/kubernetes and the ConfigMap config (npm run lint:deploy)', () => {
    expect(lintDeploy()).to.deep.equal([]);
  });

  it('the Dockerfile as committed: three stages on the pinned Node 20 slim base, uid 1000, zsa-gateway serve', () => {
    expect(DOCKERFILE.match(/^FROM /gm)).to.have.length(3);
    expect(DOCKERFILE).to.include(`FROM ${BASE} AS runtime`);
    expect(DOCKERFILE).to.match(/^USER 1000:1000$/m);
    expect(DOCKERFILE).to.match(/^ENTRYPOINT \["zsa-gateway"\]$/m);
    expect(DOCKERFILE).to.match(/^CMD \["serve"\]$/m);
  });

  const cases: Array<[string, string, () => string]> = [
    ['dockerfile.base-pinned', 'the tag latest', () => mutate(`FROM ${BASE} AS runtime`, 'FROM node:latest AS runtime')],
    ['dockerfile.base-pinned', 'a bare major version', () => mutate(`FROM ${BASE} AS deps`, 'FROM node:20-slim AS deps')],
    ['dockerfile.base-pinned', 'no tag at all', () => mutate(`FROM ${BASE} AS build`, 'FROM node AS build')],
    ['dockerfile.base-image', 'another base than Node 20 slim', () => mutate(`FROM ${BASE} AS runtime`, 'FROM node:22.11.0-bookworm AS runtime')],
    ['dockerfile.multi-stage', 'a single stage', () => `FROM ${BASE}\nUSER 1000\nEXPOSE 8080\nHEALTHCHECK CMD ["node", "h.mjs"]\nENTRYPOINT ["zsa-gateway"]\nCMD ["serve"]\n`],
    ['dockerfile.non-root', 'no USER in the runtime stage', () => mutate(/^USER 1000:1000\n/m, '')],
    ['dockerfile.non-root', 'a user name instead of a uid', () => mutate(/^USER 1000:1000$/m, 'USER node')],
    ['dockerfile.non-root', 'USER 0', () => mutate(/^USER 1000:1000$/m, 'USER 0:0')],
    ['dockerfile.no-add-url', 'ADD of a URL', () => mutate('WORKDIR /app\nCOPY --from=build', 'WORKDIR /app\nADD https://example.org/tool.tar.gz /opt/\nCOPY --from=build')],
    ['dockerfile.healthcheck', 'no HEALTHCHECK', () => mutate(/^HEALTHCHECK .*\n/m, '')],
    ['dockerfile.healthcheck', 'HEALTHCHECK NONE', () => mutate(/^HEALTHCHECK .*$/m, 'HEALTHCHECK NONE')],
    ['dockerfile.expose', 'no EXPOSE', () => mutate(/^EXPOSE 8080\n/m, '')],
    ['dockerfile.entrypoint', 'another command', () => mutate('CMD ["serve"]', 'CMD ["demo"]')],
    ['dockerfile.production-deps', 'node_modules from the build stage (dev dependencies)', () => mutate('COPY --from=deps /app/node_modules', 'COPY --from=build /src/node_modules')],
    ['dockerfile.production-deps', 'npm ci without --omit=dev', () => mutate('npm ci --omit=dev', 'npm ci')],
    ['dockerfile.production-deps', 'npm install in the runtime stage', () => mutate('USER 1000:1000', 'RUN npm install --omit=dev\nUSER 1000:1000')],
    ['dockerfile.no-secrets', 'a secret in ENV', () => mutate('TMPDIR=/tmp', 'TMPDIR=/tmp \\\n    DB_PASSWORD=changeit')],
    ['dockerfile.no-secrets', 'a URL with a password in ENV', () => mutate('TMPDIR=/tmp', 'TMPDIR=/tmp \\\n    BROKER=amqp://gw:pw@rabbit:5672/')],
    ['dockerfile.syntax', 'an unknown instruction', () => mutate('WORKDIR /app\nCOPY --from=build', 'WORKDRI /app\nCOPY --from=build')],
  ];
  for (const [rule, what, make] of cases) {
    it(`${rule}: ${what}`, () => {
      expect([...rulesOf(make())]).to.include(rule);
    });
  }

  it('.dockerignore: keeps node_modules, .git, dist, data and the development PKI out of the build context', () => {
    expect(lintDockerignore(DOCKERIGNORE)).to.deep.equal([]);
    expect(lintDockerignore(DOCKERIGNORE.replace(/^\*\*\/node_modules$/m, '')).map((f) => f.message)).to.deep.equal(['node_modules is not excluded from the build context']);
    expect(lintDockerignore(undefined).map((f) => f.rule)).to.deep.equal(['dockerignore.missing']);
  });

  it('image.runtime-imports: code in the image imports production dependencies only; tests, fixtures and type-only imports may import dev dependencies', () => {
    const deps = ['express', '@scope/lib'];
    const lint = (file: string, text: string) => lintRuntimeImports([{ file, text }], deps).map((f) => `${f.file}:${f.line} ${f.rule}`);
    expect(lint('gateway/a.ts', "import express from 'express';\nimport { x } from '@scope/lib/sub';\nimport { y } from './y.js';\nimport { z } from 'node:fs';")).to.deep.equal([]);
    expect(lint('gateway/a.ts', "import { y } from './y.js';\nimport { expect } from 'chai';")).to.deep.equal(['gateway/a.ts:2 image.runtime-imports']);
    expect(lint('connectors/b.ts', "const fc = await import('fast-check');")).to.deep.equal(['connectors/b.ts:1 image.runtime-imports']);
    expect(lint('gateway/c.ts', "import type { Model } from 'kubernetes-models/base';")).to.deep.equal([]);
    expect(lint('connectors/amqp/amqp.fixture.ts', "import { expect } from 'chai';")).to.deep.equal([]);
    expect(lint('gateway/d.test.ts', "import { expect } from 'chai';")).to.deep.equal([]);
    expect([packageOf('@scope/lib/sub'), packageOf('yaml'), packageOf('node:fs'), packageOf('../x.js')]).to.deep.equal(['@scope/lib', 'yaml', undefined, undefined]);
  });
});
