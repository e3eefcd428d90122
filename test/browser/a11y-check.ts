import type { Page } from 'playwright-core';

/**
 * The page-side script of `a11yProblems`, as plain JavaScript text: functions passed to
 * `page.evaluate` would be rewritten by the test's TypeScript loader (it injects helpers the
 * page does not have).
 */
const CHECK = `(() => {
  const out = [];
  if (document.documentElement.lang !== 'de') out.push('html lang is not de');
  if (document.querySelectorAll('h1').length !== 1) out.push('not exactly one h1');
  if (!document.querySelector('a.skip[href="#inhalt"]') || !document.querySelector('main#inhalt')) out.push('no skip link to main');
  for (const e of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    if ((e.labels ? e.labels.length : 0) === 0 && !e.getAttribute('aria-label')) out.push('unlabelled ' + e.tagName + ' ' + e.name);
  }
  document.querySelectorAll('table').forEach((t, i) => {
    if (!t.querySelector('caption')) out.push('table ' + i + ' without caption');
    if (!t.querySelector('th')) out.push('table ' + i + ' without header cells');
  });
  document.querySelectorAll('svg').forEach((v, i) => {
    if (!v.querySelector('title') || v.getAttribute('role') !== 'img') out.push('svg ' + i + ' without role img and title');
  });
  for (const e of document.querySelectorAll('[tabindex]')) if (Number(e.getAttribute('tabindex')) > 0) out.push('positive tabindex');
  // text contrast (WCAG 2.1 AA, 1.4.3): 4.5:1, 3:1 for large text, against the nearest opaque background
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = (c) => {
    const v = c.slice(0, 3).map((x) => x / 255).map((x) => (x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4)));
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c;
    }
    return [255, 255, 255];
  };
  for (const el of document.querySelectorAll('body *:not(svg *):not(script):not(style)')) {
    if (![...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim() !== '')) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.display === 'none' || (el.offsetParent === null && st.position !== 'fixed')) continue;
    const a = lum(rgb(st.color));
    const b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(st.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) out.push('contrast ' + ratio.toFixed(2) + ' of "' + el.textContent.trim().slice(0, 30) + '"');
  }
  return out;
})()`;

/**
 * A simple automated accessibility check (no extra dependency): one `<h1>`, `lang="de"`, a
 * skip link to `<main>`, every form control labelled, every table with a caption and header
 * cells, every SVG with role img and a title, no positive tabindex, text contrast of at
 * least 4.5:1 (3:1 for large text). Returns what is wrong. Not a full WCAG audit (axe-core
 * is not a dependency).
 */
export function a11yProblems(page: Page): Promise<string[]> {
  return page.evaluate(CHECK) as Promise<string[]>;
}
