/**
 * Layer 4 (genericode code lists) and layer 6 (service rules) in detail: reading genericode,
 * the list of an element whose listURI only the XSD fixes, the one read per coded element
 * judging alike through a message's XPath scope and the public API (also for values holding
 * its separator), and each rule kind.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { XmlDocument } from 'libxml2-wasm';
import { GatewayError } from '../../gateway/errors.js';
import { compileCodeListCheck } from '../../gateway/validation/codelist-check.js';
import { CodeListRegistry, loadCodeLists } from '../../gateway/validation/codelists.js';
import { loadValidator, type GatewayValidator } from '../../gateway/validation/index.js';
import { ruleSchema } from '../../gateway/validation/rule-schema.js';
import { compileRules, instant, liabilityMonths } from '../../gateway/validation/rules.js';
import { openScope } from '../../gateway/validation/xpath-scope.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const GC = 'http://docs.oasis-open.org/codelist/ns/genericode/1.0/';
const genericode = (uri: string, version: string, rows: string, extra = ''): string => `<gc:CodeList xmlns:gc="${GC}">
  <Identification><ShortName>t</ShortName><Version>${version}</Version><CanonicalUri>${uri}</CanonicalUri>${extra}</Identification>
  <ColumnSet><Column Id="name"/><Column Id="code"/><Key Id="k"><ColumnRef Ref="code"/></Key></ColumnSet>
  <SimpleCodeList>${rows}</SimpleCodeList></gc:CodeList>`;

describe('code lists (layer 4)', () => {
  const temps: string[] = [];
  after(() => temps.forEach((t) => rmSync(t, { recursive: true, force: true })));

  it('reads genericode by its key column, with or without ColumnRef on the values, and names every broken file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zsa-gc-'));
    temps.push(dir);
    writeFileSync(join(dir, 'a.xml'), genericode('urn:t:a', '2', '<Row><Value ColumnRef="name"><SimpleValue>Eins</SimpleValue></Value><Value ColumnRef="code"><SimpleValue>01</SimpleValue></Value></Row><Row><Value><SimpleValue>Zwei</SimpleValue></Value><Value><SimpleValue>02</SimpleValue></Value></Row>'));
    writeFileSync(join(dir, 'b.xml'), genericode('urn:t:b', '1', '<Row><Value><SimpleValue>x</SimpleValue></Value></Row>', '<CanonicalVersionUri>urn:t:b_9</CanonicalVersionUri>'));
    writeFileSync(join(dir, 'c.xml'), '<CodeList/>');
    const { registry, issues } = await loadCodeLists(dir, ['.'], 'standard.yaml');
    expect([...(registry.get('urn:t:a', '2')?.codes ?? [])]).to.deep.equal(['01', '02']);
    const messages = issues.map((i) => i.message).join('\n');
    expect(messages).to.contain('b.xml: CanonicalVersionUri urn:t:b_9 is not urn:t:b_1').and.contain('c.xml: root is not');
  });

  it('judges every coded element by its list and version, in a scope as through the public API, also for codes with quotes, blanks or the read separator', () => {
    const list = (uri: string, version: string, codes: string[]) => ({ uri, version, shortName: uri, codes: new Set(codes), file: 'x' });
    const registry = new CodeListRegistry([list('urn:t:q', '1', ["it's", 'a|b', 'x y', 'sep\ue002arated']), list('urn:t:p', '1', ['p1']), list('urn:t:p', '2', ['p2'])]);
    const check = compileCodeListCheck(registry, new Map([['{urn:t:ns}bound', [{ uri: 'urn:t:p', version: '2' }]]]));
    if (!check) throw new Error('no check compiled');
    const message = (body: string): string[] => {
      const doc = XmlDocument.fromString(`<m xmlns:t="urn:t:ns">${body}</m>`);
      const scope = openScope(doc, {});
      try {
        const viaScope = check.check(doc.root, scope);
        const viaPublic = check.check(doc.root);
        expect(viaScope, 'scope and public API disagree').to.deep.equal(viaPublic);
        return viaScope.map((f) => f.rule);
      } finally {
        scope.close();
        doc.dispose();
      }
    };
    expect(message('<e listURI="urn:t:q" listVersionID="1"><code>sep\ue002arated</code></e>')).to.deep.equal([]);
    expect(message('<e listURI="urn:t:q" listVersionID="1"><code>sep\ue002other</code></e>')).to.deep.equal(['codelist.unknown-code']);
    expect(message('<t:bound><code>p2</code></t:bound><t:bound listVersionID="1"><code>p1</code></t:bound>')).to.deep.equal([]);
    expect(message('<t:bound><code>p1</code></t:bound><t:bound listURI=""><code>zz</code></t:bound>')).to.deep.equal(['codelist.unknown-code']);
    expect(message('<e listURI="urn:t:p"><code> </code></e><e listURI="urn:t:p" listVersionID=""><code>p1</code></e>')).to.deep.equal(['codelist.unknown-code', 'codelist.unknown-version']);
    expect(message(`<e listURI="urn:t:q" listVersionID="1"><code>it's</code></e><e listURI="urn:t:q" listVersionID="1"><code>x y</code></e>`)).to.deep.equal([]);
    expect(message('<e listURI="urn:t:q" listVersionID="1"><code>a</code></e>')).to.deep.equal(['codelist.unknown-code']);
    expect(message('<e listURI="urn:t:p" listVersionID="2"><code>p2</code></e><e listURI="urn:t:p"><code>p1</code></e>')).to.deep.equal([]);
    expect(message('<e listURI="urn:t:p" listVersionID="1"><code>p2</code></e>')).to.deep.equal(['codelist.unknown-code']);
    expect(message('<e listURI="urn:t:p" listVersionID="3"><code>p1</code></e>')).to.deep.equal(['codelist.unknown-version']);
    expect(message('<e listURI="urn:t:other" listVersionID="1"><code>zz</code></e>')).to.deep.equal([]);
    check.dispose();
  });

  it('judges alike without the prefilter, for lists too large for its literals', () => {
    const codes = Array.from({ length: 2000 }, (_, i) => `c${String(i).padStart(5, '0')}`);
    const registry = new CodeListRegistry([{ uri: 'urn:t:big', version: '1', shortName: 'big', codes: new Set(codes), file: 'x' }]);
    const check = compileCodeListCheck(registry, new Map());
    if (!check) throw new Error('no check compiled');
    const doc = XmlDocument.fromString('<m><e listURI="urn:t:big" listVersionID="1"><code>c01999</code></e><e listURI="urn:t:big"><code>c00000</code></e><e listURI="urn:t:big" listVersionID="1"><code>c02000</code></e><e listURI="urn:t:big" listVersionID="2"><code>c00001</code></e></m>');
    const scope = openScope(doc, {});
    try {
      expect(check.check(doc.root, scope).map((f) => `${f.rule} ${f.path}`)).to.deep.equal(['codelist.unknown-code /m/e[3]', 'codelist.unknown-version /m/e[4]']);
    } finally {
      scope.close();
      doc.dispose();
      check.dispose();
    }
  });

  describe('with the XBeteiligung set', () => {
    let v: GatewayValidator;
    before(async () => {
      v = await loadValidator([here('../fixtures/xoev/')]);
    });
    after(() => v.close());
    const sample = readFileSync(here('../fixtures/xoev/xbeteiligung/1.2/samples/valid/example402FromCockpit.xml'), 'utf8');
    const withoutListUri = (code: string): Buffer => Buffer.from(sample
      .replace('<xbeteiligung:planartKommunal listURI="urn:xoev-de:xleitstelle:codeliste:planartkommunal" listVersionID="1">', '<xbeteiligung:planartKommunal listVersionID="1">')
      .replace('<code>6_3_EinfacherBPlan</code>', `<code>${code}</code>`));

    it('knows the list of an element whose listURI only the XSD fixes', () => {
      expect(v.check(withoutListUri('6_Bebauungsplan')).warnings).to.have.length(1); // the type-code warning only
      try {
        v.check(withoutListUri('7_Erfunden'));
        expect.fail('accepted');
      } catch (err) {
        expect((err as GatewayError).issues[0]).to.include({ rule: 'codelist.unknown-code', path: '/kommunal.Aktualisieren.0402/nachrichteninhalt/beteiligung/planartKommunal' });
      }
    });

    it('names the list and the versions held for a stale listVersionID', () => {
      const stale = sample.replace('codeliste:xbeteiligung-nachrichten" listVersionID="1.1"', 'codeliste:xbeteiligung-nachrichten" listVersionID="1.0"');
      try {
        v.check(Buffer.from(stale));
        expect.fail('accepted');
      } catch (err) {
        expect((err as GatewayError).issues[0]?.message).to.equal(
          'list urn:xoev-de:xleitstelle:codeliste:xbeteiligung-nachrichten version 1.0 is not held (stale or unknown listVersionID); versions held: 1.1, 1.2');
      }
    });
  });
});

describe('service rules (layer 6)', () => {
  const NS = { d: 'urn:example:demo' };
  const run = (rules: unknown[], body: string, type = 'demo.nachricht.0001'): Array<{ rule: string; path?: string; message: string }> => {
    const set = compileRules(rules.map((r) => ruleSchema.parse(r)), NS, 'standard.yaml');
    const doc = XmlDocument.fromString(`<d:${type} xmlns:d="urn:example:demo">${body}</d:${type}>`);
    try {
      return set.check(doc.root, type);
    } finally {
      doc.dispose();
      set.dispose();
    }
  };
  const base = { description: 'demo', messageTypes: ['demo.nachricht.0001'] };

  it('required, only where `when` holds, naming the missing path', () => {
    const rule = { ...base, id: 'r', kind: 'required', when: "d:art = 'b'", paths: ['d:betrag', 'd:datum'] };
    expect(run([rule], '<d:art>a</d:art>')).to.deep.equal([]);
    const found = run([rule], '<d:art>b</d:art><d:betrag>1</d:betrag>');
    expect(found.map((f) => [f.rule, f.path])).to.deep.equal([['rules.r', '/demo.nachricht.0001/datum']]);
  });

  it('dateOrder compares dates and date-times across zones, per context node, and skips missing dates', () => {
    const rule = { ...base, id: 'o', kind: 'dateOrder', context: 'd:zeitraum', from: 'd:beginn', to: 'd:ende' };
    const body = '<d:zeitraum><d:beginn>2024-05-24+02:00</d:beginn><d:ende>2024-05-23T22:00:00Z</d:ende></d:zeitraum>'
      + '<d:zeitraum><d:beginn>2024-05-24</d:beginn><d:ende>2024-05-23</d:ende></d:zeitraum><d:zeitraum><d:beginn>2024-05-24</d:beginn></d:zeitraum>';
    expect(run([rule], body).map((f) => f.path)).to.deep.equal(['/demo.nachricht.0001/zeitraum[2]/ende']);
    expect(instant('2024-05-24+02:00')).to.equal(Date.parse('2024-05-23T22:00:00Z'));
    expect(instant('24.05.2024')).to.equal(undefined);
  });

  it('sum within its tolerance; non-numbers are named; a missing total is left to other rules', () => {
    const rule = { ...base, id: 's', kind: 'sum', items: 'd:rate', total: 'd:gesamt' };
    expect(run([rule], '<d:rate>33.33</d:rate><d:rate>33.33</d:rate><d:rate>33.34</d:rate><d:gesamt>100.00</d:gesamt>')).to.deep.equal([]);
    expect(run([rule], '<d:rate>50</d:rate><d:gesamt>100</d:gesamt>')[0]?.message).to.equal('demo: d:rate do not add up to d:gesamt');
    expect(run([rule], '<d:rate>x</d:rate><d:gesamt>100</d:gesamt>')[0]?.message).to.contain('are not all numbers');
    expect(run([rule], '<d:rate>50</d:rate>')).to.deep.equal([]);
  });

  it('assert, and rules for other message types or `*`', () => {
    const rules = [
      { ...base, id: 'a', kind: 'assert', test: 'count(d:x) <= 1' },
      { ...base, id: 'other', messageTypes: ['demo.anders.0002'], kind: 'assert', test: 'false()' },
      { ...base, id: 'all', messageTypes: '*', kind: 'required', paths: ['d:x'] },
    ];
    expect(run(rules, '<d:x>1</d:x><d:x>2</d:x>').map((f) => f.rule)).to.deep.equal(['rules.a']);
    expect(run(rules, '', 'demo.anders.0002').map((f) => f.rule)).to.deep.equal(['rules.other', 'rules.all']);
  });

  it('proRata: the charged amounts are the annual amount for the months of liability (start month in full), to the year end or a given end', () => {
    const rule = { ...base, id: 'p', kind: 'proRata', annual: 'd:jahr', charged: 'd:rate', from: 'd:ab' };
    const body = (ab: string, rates: string[]): string => `<d:jahr>120.00</d:jahr><d:ab>${ab}</d:ab>${rates.map((r) => `<d:rate>${r}</d:rate>`).join('')}`;
    expect(run([rule], body('2025-03-01', ['40.00', '30.00', '30.00']))).to.deep.equal([]);
    expect(run([rule], body('2025-01-01', ['30.00', '30.00', '30.00', '30.00']))).to.deep.equal([]);
    const full = run([rule], body('2025-03-01', ['40.00', '40.00', '40.00']));
    expect(full.map((f) => [f.rule, f.path])).to.deep.equal([['rules.p', '/demo.nachricht.0001/rate']]);
    expect(full[0]?.message).to.equal('demo: d:rate do not add up to d:jahr for the months of liability from d:ab to the end of its year (annual amount × months / 12)');
    expect(run([rule], body('2025-03-01', ['x']))[0]?.message).to.contain('are not all numbers');
    expect(run([rule], '<d:jahr>120.00</d:jahr><d:rate>120.00</d:rate>')).to.deep.equal([]); // no start: left to a required rule
    const withEnd = { ...rule, id: 'q', to: 'd:bis' };
    expect(run([withEnd], `${body('2025-03-01', ['50.00'])}<d:bis>2025-07-31</d:bis>`)).to.deep.equal([]);
    expect(run([withEnd], `${body('2025-03-01', ['100.00'])}<d:bis>2025-07-31</d:bis>`).map((f) => f.rule)).to.deep.equal(['rules.q']);
    expect([liabilityMonths('2025-03-01', ''), liabilityMonths('2025-12-15', ''), liabilityMonths('2024-11-01', '2025-02-28')]).to.deep.equal([10, 1, 4]);
    expect([liabilityMonths('01.03.2025', ''), liabilityMonths('2025-03-01', '2025-02-01'), liabilityMonths('2025-03-01', 'bald')]).to.deep.equal([undefined, undefined, undefined]);
  });

  it('equal: two values must be the same string, pointing at the right one; a missing side is left to other rules', () => {
    const rule = { ...base, id: 'e', kind: 'equal', left: 'd:antragsteller/d:geburt', right: "d:mitglied[d:rolle = 'selbst']/d:geburt" };
    const member = (rolle: string, geburt: string): string => `<d:mitglied><d:rolle>${rolle}</d:rolle><d:geburt>${geburt}</d:geburt></d:mitglied>`;
    const same = `<d:antragsteller><d:geburt>1979-02-28</d:geburt></d:antragsteller>${member('Kind', '2016-09-02')}${member('selbst', '1979-02-28')}`;
    expect(run([rule], same)).to.deep.equal([]);
    const differs = run([rule], same.replace('<d:geburt>1979-02-28</d:geburt></d:antragsteller>', '<d:geburt>1984-06-15</d:geburt></d:antragsteller>'));
    expect(differs.map((f) => [f.rule, f.path])).to.deep.equal([['rules.e', "/demo.nachricht.0001/mitglied[d:rolle = 'selbst']/geburt"]]);
    expect(differs[0]?.message).to.equal("demo: d:antragsteller/d:geburt differs from d:mitglied[d:rolle = 'selbst']/d:geburt").and.not.contain('1984');
    expect(run([rule], `<d:antragsteller><d:geburt>1979-02-28</d:geburt></d:antragsteller>${member('Kind', '2016-09-02')}`)).to.deep.equal([]);
  });

  it('refuses an expression that does not compile or uses an unknown prefix, naming the rule', () => {
    try {
      compileRules([ruleSchema.parse({ ...base, id: 'bad', kind: 'required', paths: ['nope:x'] })], NS, 'standard.yaml');
      expect.fail('compiled');
    } catch (err) {
      expect((err as GatewayError).issues[0]?.message).to.match(/^rules\[0\] bad paths\[0\]: /);
    }
  });
});
