/**
 * The layers run in the order types.ts documents: a message with several defects is
 * refused for the earliest one. Routing keys come before the XSD, so a sender always
 * learns first what the gateway needs to route (and to answer) the message.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { GatewayError, type ErrorCode } from '../../gateway/errors.js';
import { XmlDocument } from 'libxml2-wasm';
import { loadDescriptors, resolveHeaderProfile } from '../../gateway/validation/descriptor.js';
import { compileHeaderReader } from '../../gateway/validation/header.js';
import { loadValidator, type GatewayValidator } from '../../gateway/validation/index.js';
import { hundAnmeldung, wohngeldAntrag } from '../support/xzsa-fixtures.js';

const SCHEMA_ROOT = fileURLToPath(new URL('../../schemas-xoev/', import.meta.url));

describe('validation layer order', () => {
  let v: GatewayValidator;
  before(async () => {
    v = await loadValidator(SCHEMA_ROOT, { maxBytes: 64 * 1024, maxDepth: 40 });
  });
  after(() => v.close());

  const valid = hundAnmeldung();
  const body = valid.replace(/^<\?xml[^>]*>\n/, '');
  const codeOf = (xml: string): ErrorCode | 'accepted' => {
    try {
      v.check(Buffer.from(xml));
      return 'accepted';
    } catch (err) {
      if (err instanceof GatewayError) return err.code;
      throw err;
    }
  };
  const bad = {
    size: (s: string) => s + `<!-- ${'x'.repeat(70 * 1024)} -->`,
    entity: (s: string) => `<!DOCTYPE r [<!ENTITY e "x">]>\n${s}`,
    malformed: (s: string) => s.replace('</xzsa:rasse>', ''),
    depth: (s: string) => s.replace('<xzsa:hund>', `<xzsa:hund>${'<t>'.repeat(50)}${'</t>'.repeat(50)}`),
    namespace: (s: string) => s.replace('urn:zsa-gateway:xzsa:1.0', 'urn:zsa-gateway:xzsa:9.9'),
    routing: (s: string) => s.replace(/<xzsab:ags>[^<]*<\/xzsab:ags>/, ''),
    xsd: (s: string) => s.replace('276000000000001', 'x'),
    typeCode: (s: string) => s.replace('<code>0101</code>', '<code>0104</code>'),
  };
  const apply = (...defects: Array<keyof typeof bad>): string => defects.reduce((s, d) => bad[d](s), body);

  const cases: Array<[Array<keyof typeof bad>, ErrorCode]> = [
    [['size', 'entity', 'malformed'], 'GW_PAYLOAD_TOO_LARGE'],
    [['entity', 'malformed', 'depth'], 'GW_XML_ENTITY_EXPANSION'],
    [['malformed', 'depth', 'namespace'], 'GW_XML_MALFORMED'],
    [['depth', 'namespace', 'routing'], 'GW_XML_LIMIT_EXCEEDED'],
    [['namespace', 'routing', 'xsd'], 'GW_UNKNOWN_MESSAGE_TYPE'],
    [['routing', 'xsd', 'typeCode'], 'GW_ROUTING_KEY_MISSING'],
    [['xsd', 'typeCode'], 'GW_XSD_INVALID'],
    [['typeCode'], 'GW_MESSAGE_TYPE_MISMATCH'],
  ];
  for (const [defects, code] of cases) {
    it(`${defects.join(' + ')} → ${code}`, () => {
      expect(codeOf(apply(...defects))).to.equal(code);
    });
  }

  it('names every missing routing key at once, with the expected paths', () => {
    const xml = body.replace(/<xzsab:ags>[^<]*<\/xzsab:ags>/, '').replace(/<xzsab:kennung>efa:hund-lsa<\/xzsab:kennung>/, '');
    try {
      v.check(Buffer.from(xml));
      expect.fail('accepted');
    } catch (err) {
      const e = err as GatewayError;
      expect(e.code).to.equal('GW_ROUTING_KEY_MISSING');
      expect(e.extra.missing).to.deep.equal(['author', 'ags']);
      expect(e.issues.map((i) => i.path)).to.deep.equal([
        '/hund.anmeldung.0101/nachrichtenkopf/autor/kennung', '/hund.anmeldung.0101/nachrichtenkopf/vorgang/ags',
      ]);
    }
  });

  it('does not mistake DOCTYPE text in a prolog comment or in CDATA for a DOCTYPE', () => {
    const withRemark = hundAnmeldung({ bemerkung: 'x' }).replace('<xzsa:bemerkung>x</xzsa:bemerkung>',
      '<xzsa:bemerkung><![CDATA[<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>]]></xzsa:bemerkung>');
    const prologComment = `<?xml version="1.0" encoding="UTF-8"?>\n<!-- <!DOCTYPE r SYSTEM "x"> -->\n<?beispiel pi?>\n${body}`;
    expect(codeOf(withRemark)).to.equal('accepted');
    expect(codeOf(prologComment)).to.equal('accepted');
  });

  it('reports XSD errors with line and element path, repeated siblings with their position', () => {
    const xml = wohngeldAntrag({ haushaltsmitglieder: 3 }).replace('2012-03-12', '2012-02-31'); // the third member's birth date
    try {
      v.check(Buffer.from(xml));
      expect.fail('accepted');
    } catch (err) {
      const issue = (err as GatewayError).issues[0];
      expect(issue).to.include({ layer: 'xsd', path: '/wohngeld.antrag.0201/haushalt/mitglied[3]/person/geburtsdatum' });
      expect(issue?.line).to.be.a('number').above(1);
    }
  });

  it('reads each header field right even when a value contains the internal field separator', async () => {
    const xzsa = (await loadDescriptors(SCHEMA_ROOT)).find((l) => l.descriptor.standard === 'XZSA');
    if (!xzsa) throw new Error('XZSA descriptor not found');
    const { profile } = resolveHeaderProfile(xzsa.descriptor, xzsa.file);
    if (!profile) throw new Error('XZSA header profile does not resolve');
    const reader = compileHeaderReader(xzsa.descriptor, profile, xzsa.file);
    const doc = XmlDocument.fromString(hundAnmeldung({ author: 'efa:a\ue000b', ags: '15081000', test: true }));
    try {
      const read = reader.read(doc.root);
      expect(read.values).to.include({ author: 'efa:a\ue000b', ags: '15081000', reader: 'zsa:lsa', messageTypeCode: '0101' });
      expect(read).to.include({ standard: 'XZSA', version: '1.0', test: true });
    } finally {
      doc.dispose();
      reader.dispose();
    }
  });
});
