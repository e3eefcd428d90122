/**
 * The validator under a burst of hostile and broken input: every call ends in a result
 * or a GatewayError of the validation catalog — never a crash, hang, GW_INTERNAL or a
 * state that breaks the next valid message.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { GatewayError, type ErrorCode } from '../../gateway/errors.js';
import { loadValidator, type GatewayValidator } from '../../gateway/validation/index.js';
import { BOUNDED_XSD_ERRORS } from '../../gateway/validation/xsd-validate.js';
import { hundAnmeldung, wohngeldAntrag } from '../support/xzsa-fixtures.js';

const SCHEMA_ROOT = fileURLToPath(new URL('../../schemas-xoev/', import.meta.url));

const VALIDATION_CODES: readonly ErrorCode[] = [
  'GW_PAYLOAD_TOO_LARGE', 'GW_XML_DOCTYPE_FORBIDDEN', 'GW_XML_EXTERNAL_ENTITY', 'GW_XML_ENTITY_EXPANSION',
  'GW_XML_MALFORMED', 'GW_XML_LIMIT_EXCEEDED', 'GW_UNKNOWN_MESSAGE_TYPE', 'GW_ROUTING_KEY_MISSING',
  'GW_XSD_INVALID', 'GW_MESSAGE_TYPE_MISMATCH',
];

/** Deterministic generator, so a failing input can be reproduced. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function hostileInputs(): Array<[string, Buffer]> {
  const valid = hundAnmeldung({ padToBytes: 4096 });
  const body = valid.replace(/^<\?xml[^>]*>\n/, '');
  const rnd = prng(20250304);
  const out: Array<[string, Buffer]> = [];
  const add = (name: string, s: string | Buffer): void => {
    out.push([name, typeof s === 'string' ? Buffer.from(s) : s]);
  };
  add('empty', '');
  add('whitespace', ' \n\t ');
  add('nul bytes', Buffer.alloc(64));
  add('utf-8 BOM only', Buffer.from([0xef, 0xbb, 0xbf]));
  add('utf-16 BOM only', Buffer.from([0xff, 0xfe]));
  add('invalid utf-8', Buffer.concat([Buffer.from('<?xml version="1.0" encoding="UTF-8"?><r>'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('</r>')]));
  add('wrong declared encoding', valid.replace('encoding="UTF-8"', 'encoding="EBCDIC-XYZ"'));
  add('quadratic blowup entity', `<!DOCTYPE r [<!ENTITY a "${'x'.repeat(100_000)}">]><r>${'&a;'.repeat(1000)}</r>`);
  add('billion laughs in utf-16be', Buffer.concat([Buffer.from([0xfe, 0xff]),
    Buffer.from(Buffer.from('<!DOCTYPE r [<!ENTITY a "aa"><!ENTITY b "&a;&a;">]><r>&b;</r>', 'utf16le').swap16())]));
  add('doctype after comment and PI', `<?xml version="1.0"?><!-- c --><?pi x?>\n<!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>`);
  add('unterminated doctype', '<!DOCTYPE r [ <!ENTITY a "');
  for (const cut of ['<', '<!', '<!DOC', '<!DOCTYP', '<?xml version="1.0"?>\n<!DOCTY', '<!--x-->']) add(`prolog cut short: ${cut}`, cut);
  add('unterminated comment', '<!-- never closed');
  add('undefined entity reference', body.replace('Bello', '&passwd;'));
  add('xinclude', body.replace('<xzsa:bemerkung>', '<xzsa:bemerkung><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>'));
  add('schemaLocation hint to the network', body.replace('standard="XZSA"', 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:zsa-gateway:xzsa:1.0 https://attacker.example/evil.xsd" standard="XZSA"'));
  add('deep nesting 100k', `<r>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</r>`);
  add('deep nesting unclosed', '<a>'.repeat(50_000));
  add('huge attribute', `<r a="${'x'.repeat(5_000_000)}"/>`);
  add('many attributes', `<r ${Array.from({ length: 20_000 }, (_, i) => `a${i}="v"`).join(' ')}/>`);
  add('duplicate attributes', '<r a="1" a="2"/>');
  add('many namespaces', `<r ${Array.from({ length: 5_000 }, (_, i) => `xmlns:p${i}="urn:x:${i}"`).join(' ')}/>`);
  add('huge text node', `<r>${'x'.repeat(12 * 1024 * 1024)}</r>`);
  add('huge name', `<${'n'.repeat(100_000)}/>`);
  add('control characters', body.replace('Bello', 'Bel\u0001lo'));
  add('json', JSON.stringify({ hund: 'Bello' }));
  add('html', '<!doctype html><html><body>hi</body></html>');
  add('valid but wrong type code and bad pattern', body.replace('<code>0101</code>', '<code>0104</code>').replace('276000000000001', 'x'));
  for (let i = 0; i < 40; i++) add(`random bytes ${i}`, randomBytes(1 + Math.floor(rnd() * 4096)));
  for (let i = 0; i < 60; i++) add(`truncated valid message ${i}`, Buffer.from(valid).subarray(0, Math.floor(rnd() * valid.length)));
  for (let i = 0; i < 60; i++) {
    const b = Buffer.from(valid);
    for (let k = 0; k < 8; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    add(`bit-flipped valid message ${i}`, b);
  }
  return out;
}

describe('validation under hostile input', () => {
  let v: GatewayValidator;
  before(async () => {
    v = await loadValidator(SCHEMA_ROOT);
  });
  after(() => v.close());

  it('answers every hostile input with a validation error (or a result), interleaved with valid messages', function () {
    this.timeout(120_000);
    const seen = new Map<string, number>();
    for (const [name, input] of hostileInputs()) {
      try {
        v.check(input);
        seen.set('accepted', (seen.get('accepted') ?? 0) + 1);
      } catch (err) {
        expect(err, name).to.be.instanceOf(GatewayError);
        const code = (err as GatewayError).code;
        expect(VALIDATION_CODES, `${name}: ${code} ${(err as Error).message}`).to.include(code);
        seen.set(code, (seen.get(code) ?? 0) + 1);
      }
      // the validator is still fine after each hostile input
      expect(v.check(Buffer.from(wohngeldAntrag())).header.messageType).to.equal('wohngeld.antrag.0201');
    }
    expect(seen.get('accepted') ?? 0, 'a mutated message may stay valid, but not many').to.be.below(20);
    for (const code of ['GW_XML_MALFORMED', 'GW_XML_ENTITY_EXPANSION', 'GW_XML_EXTERNAL_ENTITY', 'GW_XML_LIMIT_EXCEEDED', 'GW_XSD_INVALID'] as const) {
      expect(seen.get(code) ?? 0, code).to.be.above(0);
    }
  });

  it('never lets a schemaLocation hint or XInclude reach out', () => {
    const hint = hundAnmeldung().replace('standard="XZSA"',
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:zsa-gateway:xzsa:1.0 https://attacker.example/evil.xsd" standard="XZSA"');
    expect(v.check(Buffer.from(hint)).header.messageType).to.equal('hund.anmeldung.0101');
    const include = hundAnmeldung().replace(/<xzsa:bemerkung>|<\/xzsa:halter>/,
      (m) => `${m}<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>`);
    expect(() => v.check(Buffer.from(include))).to.throw(GatewayError).with.property('code', 'GW_XSD_INVALID');
  });

  it('reports a message with tens of thousands of schema errors in linear time, listing the first 50', function () {
    this.timeout(60_000);
    expect(BOUNDED_XSD_ERRORS, 'bounded XSD error collection (libxml2-wasm internals moved?)').to.equal(true);
    const member = (p: string, attrs: string): string => `<${p}mitglied${attrs}><${p}person><${p}vorname>A</${p}vorname>`
      + `<${p}familienname>B</${p}familienname><${p}geburtsdatum>2016-13-01</${p}geburtsdatum></${p}person>`
      + `<${p}verhaeltnis>Kind</${p}verhaeltnis></${p}mitglied>`;
    const n = 40_000;
    for (const m of [member('xzsa:', ''), member('', ' xmlns="urn:zsa-gateway:xzsa:1.0"')]) {
      const xml = wohngeldAntrag({ haushaltsmitglieder: 1 }).replace('</xzsa:haushalt>', `${m.repeat(n)}</xzsa:haushalt>`);
      const started = performance.now();
      try {
        v.check(Buffer.from(xml));
        expect.fail('accepted');
      } catch (err) {
        const e = err as GatewayError;
        expect(e.code).to.equal('GW_XSD_INVALID');
        expect(e.extra.schemaErrors).to.equal(n);
        expect(e.issues).to.have.length(51);
        expect(e.issues[49]?.path).to.equal('/wohngeld.antrag.0201/haushalt/mitglied[51]/person/geburtsdatum');
      }
      expect(performance.now() - started, 'ms for one message').to.be.below(5_000);
    }
  });

  it('keeps results apart when many callers check at once', async () => {
    const jobs = Array.from({ length: 300 }, (_, i) => {
      const uuid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      const xml = i % 3 === 0 ? hundAnmeldung({ messageUuid: uuid }).replace('<code>0101</code>', '<code>0102</code>') : hundAnmeldung({ messageUuid: uuid });
      return Promise.resolve().then(() => v.check(Buffer.from(xml))).then(
        (r) => ({ i, uuid: r.header.messageUuid, code: undefined as string | undefined }),
        (e: GatewayError) => ({ i, uuid: undefined, code: e.code }),
      );
    });
    for (const r of await Promise.all(jobs)) {
      if (r.i % 3 === 0) expect(r.code).to.equal('GW_MESSAGE_TYPE_MISMATCH');
      else expect(r.uuid).to.equal(`00000000-0000-4000-8000-${String(r.i).padStart(12, '0')}`);
    }
  });

  it('refuses checks after close, and close is idempotent', async () => {
    const w = await loadValidator(SCHEMA_ROOT);
    w.close();
    w.close();
    expect(() => w.check(Buffer.from(hundAnmeldung()))).to.throw(GatewayError).with.property('code', 'GW_NOT_READY');
  });
});
