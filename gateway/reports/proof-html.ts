import type { ProofBundle } from './proof-bundle.js';
import { proofText } from './proof-text.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const table = (rows: ReadonlyArray<readonly string[]>, head?: readonly string[]) =>
  `<table>${head ? `<thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead>` : ''}<tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => (head || i > 0 ? `<td>${esc(c)}</td>` : `<th scope="row">${esc(c)}</th>`)).join('')}</tr>`)
    .join('')}</tbody></table>`;

/** The printable Zustellnachweis as one self-contained HTML page (no scripts, no external assets). */
export function proofHtml(b: ProofBundle): string {
  const t = proofText(b);
  return `<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>${esc(t.title)} – ${esc(b.subject)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#111}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border:1px solid #999;padding:.25rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}td{word-break:break-all}@media print{body{margin:0}}</style>
</head><body>
<h1>${esc(t.title)}</h1>
<p>${esc(t.intro)}</p>
${table(t.facts)}
${t.messages.map((m) => `<section><h2>${esc(m.heading)}</h2>${table(m.facts)}<h3>Verlauf</h3>${table(m.history, ['Zeitpunkt', 'Zustand', 'Vermerk'])}</section>`).join('\n')}
<h2>Audit-Protokoll</h2>
${t.audit.length ? table(t.audit, ['Nr.', 'Zeitpunkt', 'Vorgang', 'Wer']) : '<p>Keine Einträge.</p>'}
<h2>Prüfung</h2>
<ul>${t.verify.map((v) => `<li>${esc(v)}</li>`).join('')}</ul>
</body></html>
`;
}
