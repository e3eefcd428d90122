import { readFileSync, writeFileSync } from 'node:fs';
import { table } from '../config/docs.js';
import { agentConfigSchema } from './config.js';

const START = '<!-- agent-config-reference: generated from gateway/agent/config.ts by `npx tsx gateway/agent/reference.ts`; do not edit by hand -->';
const END = '<!-- /agent-config-reference -->';
const DOC = new URL('../../docs/agent.md', import.meta.url);

/** The configuration table of docs/agent.md, generated from the agent's schema (a test keeps the page equal to it). */
export function agentConfigReference(): string {
  return [START, '', ...table(agentConfigSchema), '', END].join('\n');
}

/** docs/agent.md with its generated section replaced by the current one. */
export function agentDocWithReference(doc = readFileSync(DOC, 'utf8')): string {
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error('docs/agent.md lacks the agent-config-reference markers');
  return doc.slice(0, from) + agentConfigReference() + doc.slice(to + END.length);
}

if (process.argv[1] && /agent[/\\]reference\.(ts|js)$/.test(process.argv[1])) {
  writeFileSync(DOC, agentDocWithReference());
  console.log('docs/agent.md: configuration reference written');
}
