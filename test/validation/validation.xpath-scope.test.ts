/**
 * The per-message XPath scope (xpath-scope.ts) must give exactly what libxml2-wasm's public
 * `eval`/`find` give — strings, numbers, booleans, node sets in document order, and the same
 * refusal of a non-node-set where nodes are expected — and must use the internal fast path
 * (FAST_XPATH), so an upgrade of libxml2-wasm that moves its internals is noticed here.
 */
import { expect } from 'chai';
import { XmlDocument, XmlElement, XmlXPath } from 'libxml2-wasm';
import { FAST_XPATH, openScope } from '../../gateway/validation/xpath-scope.js';

describe('validation: one XPath scope per message', () => {
  const NS = { a: 'urn:t:a', b: 'urn:t:b' };
  const xml = '<a:r xmlns:a="urn:t:a" xmlns:b="urn:t:b"><a:x n="1">eins</a:x><b:x n="2">zwei</b:x><a:x n="3"> drei </a:x><a:y/></a:r>';
  const exprs = ['string(a:x[2])', 'count(a:x)', 'boolean(b:x)', 'boolean(b:nope)', 'a:x | b:x', 'a:nothing', 'concat(a:x/@n, "|", b:x)', 'sum(*/@n)'];

  it('uses the internal fast path of libxml2-wasm 0.7', () => {
    expect(FAST_XPATH).to.equal(true);
  });

  it('evaluates every kind of result as the public API does, from the root and from inner nodes', () => {
    const doc = XmlDocument.fromString(xml);
    const scope = openScope(doc, NS);
    const compiled = exprs.map((e) => XmlXPath.compile(e, NS));
    try {
      const inner = doc.root.get('b:x', NS);
      if (!(inner instanceof XmlElement)) throw new Error('no inner node');
      for (const node of [doc.root, inner]) {
        compiled.forEach((x, i) => {
          const mine = scope.eval(node, x);
          const theirs = node.eval(x);
          if (Array.isArray(theirs)) {
            expect(Array.isArray(mine), exprs[i]).to.equal(true);
            expect((mine as XmlElement[]).map((n) => `${n.namespaceUri} ${n.name} ${n.line}`), exprs[i]).to.deep.equal(theirs.map((n) => `${(n as XmlElement).namespaceUri} ${(n as XmlElement).name} ${(n as XmlElement).line}`));
          } else {
            expect(mine, exprs[i]).to.equal(theirs);
          }
        });
      }
      expect(() => scope.find(doc.root, compiled[1] as XmlXPath)).to.throw('node set');
      expect(scope.find(doc.root, compiled[4] as XmlXPath)).to.have.length(3);
    } finally {
      scope.close();
      scope.close(); // idempotent
      compiled.forEach((x) => x.dispose());
      doc.dispose();
    }
  });

  it('falls back to the node\'s own evaluation for a node of another document', () => {
    const one = XmlDocument.fromString(xml);
    const other = XmlDocument.fromString(xml);
    const scope = openScope(one, NS);
    const x = XmlXPath.compile('string(a:x[2])', NS);
    try {
      expect(scope.eval(other.root, x)).to.equal(' drei ');
    } finally {
      scope.close();
      x.dispose();
      one.dispose();
      other.dispose();
    }
  });
});
