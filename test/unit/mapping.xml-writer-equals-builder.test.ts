import { expect } from 'chai';
import fc from 'fast-check';
import { XMLBuilder } from 'fast-xml-parser';
import { toXml } from '../../gateway/mapping/serialize.js';
import type { TargetSpec } from '../../gateway/mapping/schema.js';
import { OutNode } from '../../gateway/mapping/target.js';

/**
 * The mapping engine writes XML output directly from its tree (ADR 0032). It must write
 * exactly what fast-xml-parser's XMLBuilder wrote with the options of ADR 0018 (preserveOrder,
 * attributes kept, entities escaped, nothing formatted or suppressed), so golden files and
 * receivers see no difference: compared byte for byte over generated trees whose names,
 * attributes and texts hold the characters XML escapes, umlauts, line breaks, empty values.
 */
const builder = new XMLBuilder({
  preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', format: false,
  suppressEmptyNode: false, suppressBooleanAttributes: false, suppressUnpairedNode: false, processEntities: true,
});

type Ordered = Record<string, unknown>;
function ordered(node: OutNode): Ordered {
  const content: Ordered[] = [];
  if (node.value !== undefined) content.push({ '#text': String(node.value) });
  for (const c of node.children) content.push(ordered(c));
  const el: Ordered = { [node.name]: content };
  if (node.attrs.length > 0) el[':@'] = Object.fromEntries(node.attrs.map(([k, v]) => [`@_${k}`, v]));
  return el;
}

const name = fc.stringMatching(/^[a-z][a-zA-Z0-9.]{0,8}$/).map((n) => `xzsa:${n}`);
const text = fc.stringMatching(/^[A-Za-z0-9 äöüßÄ€&<>'"\n;.,-]{0,24}$/);
interface Tree { name: string; attrs: Array<[string, string]>; value?: string; children: Tree[] }
/** A node whose children come from `kids` (three levels deep below the root at most). */
const nodeOf = (kids: fc.Arbitrary<Tree[]>): fc.Arbitrary<Tree> => fc.record({
  name,
  attrs: fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z][a-zA-Z]{0,6}$/), text), { maxLength: 3, selector: ([k]) => k }),
  value: fc.option(text, { nil: undefined }),
  children: kids,
});
const leaf = nodeOf(fc.constant([]));
const tree = nodeOf(fc.array(nodeOf(fc.array(nodeOf(fc.array(leaf, { maxLength: 2 })), { maxLength: 3 })), { maxLength: 3 }));

function build(t: Tree): OutNode {
  const n = new OutNode(t.name);
  n.attrs.push(...t.attrs);
  if (t.value !== undefined) n.value = t.value;
  for (const c of t.children) n.children.push(build(c));
  return n;
}

describe('mapping: the XML writer writes what fast-xml-parser\'s builder wrote', () => {
  it('byte for byte over generated trees, namespace declarations and root attributes included', () => {
    const spec = { format: 'xml', namespaces: { xzsa: 'urn:zsa-gateway:xzsa:1.1' }, attributes: { version: '1.1', produkt: 'A & B "C"' } } as unknown as TargetSpec;
    fc.assert(fc.property(tree, (t) => {
      const root = build(t);
      const top = new OutNode(root.name);
      top.attrs.push(['xmlns:xzsa', 'urn:zsa-gateway:xzsa:1.1'], ['version', '1.1'], ['produkt', 'A & B "C"'], ...root.attrs);
      top.children.push(...root.children);
      top.value = root.value;
      const expected = `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build([ordered(top)]) as string}\n`;
      expect(toXml(root, spec).toString('utf8')).to.equal(expected);
    }), { numRuns: 300 });
  });

  it('refuses a control character XML cannot carry, naming the rule', () => {
    const root = new OutNode('xzsa:a');
    const c = new OutNode('xzsa:b');
    c.value = 'x\u0001y';
    c.rule = 'b.rule';
    root.children.push(c);
    expect(() => toXml(root, { format: 'xml', namespaces: {}, attributes: {} } as unknown as TargetSpec)).to.throw().with.property('rule', 'b.rule');
  });
});
