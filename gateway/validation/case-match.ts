/**
 * Values a message must take from an earlier message of its Vorgang (ADR 0024,
 * `services[].caseMatches`): e.g. the SEPA mandate a Hund Bescheid debits by must be the one
 * the application gave. A service rule sees one message; this check sees two, so it runs with
 * the Vorgang (gateway/deadlines/case-checks.ts). Paths are element local names, as for the
 * evidence check, so any standard can use it.
 */
import type { CaseMatchConfig } from '../config/service-rules.js';
import { GatewayError, type Issue } from '../errors.js';
import { NO_INPUTS, withInputs } from './input-guard.js';
import { parseMessage } from './parse.js';

/** The trimmed text at a local-name path below the root, undefined when absent or empty; throws GW_XML_MALFORMED for XML that does not parse. */
export function valueAt(xml: Uint8Array, path: string): { root: string; value: string | undefined } {
  const doc = withInputs(NO_INPUTS, () => parseMessage(xml));
  try {
    const node = doc.root.get(path.split('/').map((n) => `*[local-name()='${n}']`).join('/'));
    const value = node === null ? '' : node.content.trim();
    return { root: doc.root.name, value: value === '' ? undefined : value };
  } finally {
    doc.dispose();
  }
}

/**
 * Checks `xml` against each match of its type. `earlier(type)` gives the payload of the latest
 * earlier message of that type in the Vorgang (undefined: none, or not readable XML). Resolves
 * silently when every value agrees; throws GW_CASE_MISMATCH naming path and rule, never a value.
 */
export async function checkCaseMatches(xml: Uint8Array, messageType: string, matches: readonly CaseMatchConfig[], earlier: (type: string) => Promise<Uint8Array | undefined>): Promise<void> {
  const issues: Issue[] = [];
  for (const m of matches.filter((x) => x.message === messageType)) {
    const own = valueAt(xml, m.path);
    if (own.value === undefined) continue;
    const before = await earlier(m.earlier);
    const theirs = before === undefined ? undefined : valueAt(before, m.earlierPath).value;
    if (theirs === own.value) continue;
    issues.push({
      message: before === undefined ? `the Vorgang holds no ${m.earlier} to take this value from` : theirs === undefined ? `the Vorgang's ${m.earlier} gives no ${m.earlierPath}` : `the value differs from ${m.earlierPath} of the Vorgang's ${m.earlier}`,
      path: `/${own.root}/${m.path}`, layer: 'case', rule: `case.${m.id}`,
    });
  }
  if (issues.length > 0) {
    throw new GatewayError('GW_CASE_MISMATCH', `${issues.map((i) => `${i.path} (${i.rule}): ${i.message}`).join('; ')}`, { issues });
  }
}
