/**
 * Server-side HTML for the monitoring UI (ADR 0030): a tagged template that escapes every
 * interpolated value unless it is already `Html` (the result of another `html` template or
 * of `trusted`). Nothing reaches a page unescaped by accident: a string, a number or an
 * object is always text.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text as HTML text or attribute value (always quoted with `"` in our templates). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

/** `html\`<td>${value}</td>\``: values escaped, nested `Html` kept, arrays joined, null/undefined/false dropped. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Markup written by us (SVG built from escaped parts, constant snippets): never pass outside input. */
export function trusted(markup: string): Html {
  return new Html(markup);
}
