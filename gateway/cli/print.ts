import type { Issue } from '../errors.js';
import type { Answer, Schemas } from '../api/contract-types.js';

/** Plain-text renderings for the CLI of the API's answers, typed by the contract (German labels are for screens; the CLI is for operators and stays English). */

/** One finding as `line L[:C] path: message`; parts that are unknown are left out (no invented column 0). */
export function formatIssue(i: Issue): string {
  const where = [i.line !== undefined ? `line ${i.line}${i.column !== undefined ? `:${i.column}` : ''}` : '', i.path ?? ''].filter(Boolean).join(' ');
  return where ? `${where}: ${i.message}` : i.message;
}

/** A value for a line of text: `(none)` instead of an empty string, so no line shows a gap. */
export function shown(v: string | null | undefined): string {
  return v === undefined || v === null || v === '' ? '(none)' : v;
}

/** `type uuid (author → reader, AGS a)`; the AGS clause is left out for standards that carry none. */
export function headerSummary(h: { messageType: string; messageUuid: string; author: string; reader: string; ags: string }): string {
  return `${h.messageType} ${shown(h.messageUuid)} (${shown(h.author)} → ${shown(h.reader)}${h.ags ? `, AGS ${h.ags}` : ''})`;
}

export function printMessages(items: Schemas['StoredMessage'][]): void {
  if (items.length === 0) return console.log('(no messages)');
  for (const m of items) {
    console.log([m.id, m.state.padEnd(12), m.messageType.padEnd(28), shown(m.ags), m.endpointId.padEnd(22), m.receivedAt, m.attempts ? `attempts=${m.attempts}` : ''].join('  ').trimEnd());
  }
}

export function printMessage(m: Answer<'getMessage'>): void {
  console.log(`${m.messageType}  ${m.id}`);
  console.log(`  state      ${m.state}${m.lastError ? ` (last error: ${m.lastError})` : ''}`);
  console.log(`  UUID       ${shown(m.messageUuid)}   Vorgang ${shown(m.vorgangId)}`);
  console.log(`  from → to  ${shown(m.author)} → ${shown(m.reader)}   AGS ${shown(m.ags)}   LeiKa ${shown(m.leika)}`);
  console.log(`  route      ${m.routeName} → endpoint ${m.endpointId}`);
  console.log(`  size       ${m.size} bytes, sha512 ${m.sha512.slice(0, 16)}…, ${m.attachments.length} attachment(s)`);
  console.log('  history');
  for (const t of m.history) console.log(`    ${t.at}  ${(t.from ?? '-').padEnd(12)} → ${t.to.padEnd(12)} #${t.attempt}  ${t.reason}`);
}

export function printDelegations(items: Schemas['MunicipalityDelegations'][]): void {
  for (const m of items) {
    console.log(`${m.ags}  ${m.name}`);
    for (const d of m.delegations) console.log(`    ${d.service.padEnd(12)} ${d.mode.padEnd(40)} (${d.source})`);
  }
}

export function printExplain(r: Answer<'explainRoute'>): void {
  console.log(`${r.header.messageType} for AGS ${shown(r.header.ags)}, LeiKa ${shown(r.header.leika)}`);
  for (const s of r.routed ? r.decision.steps : r.steps) console.log(`  - ${s}`);
  console.log(r.routed ? `→ endpoint ${r.decision.endpointId}` : `→ not routable${r.detail ? `: ${r.detail}` : ''}`);
}
