/**
 * One XPath evaluation context for one parsed message, with the standard's namespace
 * prefixes registered once. libxml2-wasm's `node.eval(xpath)` creates a context and
 * registers every prefix of the expression again on each call (two string copies into wasm
 * memory per prefix), which cost more than most of the expressions themselves: reading a
 * header was as dear as parsing the message (ADR 0035). A scope does that once per message
 * and then evaluates each precompiled expression with one context-node switch.
 *
 * It uses libxml2-wasm's internal module (lib/libxml2.mjs, lib/nodes.mjs) and the `_ptr` /
 * `_nodePtr` fields of its wrappers, as laid out in 0.7.x (like xsd-validate.ts). Should an
 * upgrade move them, `openScope` returns the public-API scope: correct, only slower.
 * Synchronous like every libxml2 call here: open, evaluate, `close` in `finally`.
 */
import { XmlError, XmlXPathError, type NamespaceMap, type XmlDocument, type XmlNode, type XmlXPath } from 'libxml2-wasm';
import * as lx from 'libxml2-wasm/lib/libxml2.mjs';
import * as nodes from 'libxml2-wasm/lib/nodes.mjs';

/** What an XPath 1.0 expression evaluates to, as libxml2-wasm's `eval` returns it. */
export type XPathValue = XmlNode[] | string | number | boolean;

export interface XPathScope {
  /** Evaluates `xpath` with `node` (of the scope's document) as context node; the same result as `node.eval(xpath)`. */
  eval(node: XmlNode, xpath: XmlXPath): XPathValue;
  /** Like `eval`, for an expression that must select nodes (as `node.find`): throws otherwise. */
  find(node: XmlNode, xpath: XmlXPath): XmlNode[];
  /** Frees the context. Idempotent. */
  close(): void;
}

const createNode = (nodes as unknown as { createNode?: (ptr: number) => XmlNode }).createNode;
const pointer = (wrapper: object, field: '_ptr' | '_nodePtr'): number | undefined => {
  const p = (wrapper as Record<string, unknown>)[field];
  return typeof p === 'number' && p !== 0 ? p : undefined;
};

/** True when the internal fast path is in use (see the module comment). */
export const FAST_XPATH = typeof createNode === 'function' && typeof lx.xmlXPathNewContext === 'function'
  && typeof lx.xmlXPathCompiledEval === 'function' && typeof lx.xmlXPathSetContextNode === 'function';

/** The public API: a context per evaluation, for documents the internals cannot reach. */
export const PUBLIC_SCOPE: XPathScope = { eval: (node, xpath) => node.eval(xpath), find: (node, xpath) => node.find(xpath), close: () => {} };

function nodeSet(v: XPathValue): XmlNode[] {
  if (Array.isArray(v)) return v;
  throw new XmlError('XPath selector must return a node set');
}

/** Opens a scope on `doc` with every prefix of `namespaces` registered. */
export function openScope(doc: XmlDocument, namespaces: NamespaceMap): XPathScope {
  const docPtr = pointer(doc, '_ptr');
  if (!FAST_XPATH || docPtr === undefined || !createNode) return PUBLIC_SCOPE;
  const make = createNode;
  let ctx = lx.xmlXPathNewContext(docPtr);
  if (!ctx) return PUBLIC_SCOPE;
  for (const [prefix, uri] of Object.entries(namespaces)) lx.xmlXPathRegisterNs(ctx, prefix, uri);
  const scope: XPathScope = {
    find: (node, xpath) => nodeSet(scope.eval(node, xpath)),
    eval(node, xpath) {
      const nodePtr = pointer(node, '_nodePtr');
      const xpathPtr = pointer(xpath, '_ptr');
      // a node of another document (or a wrapper without pointer) is evaluated the public way
      if (!ctx || nodePtr === undefined || xpathPtr === undefined || lx.XmlTreeCommonStruct.doc(nodePtr) !== docPtr) return node.eval(xpath);
      lx.xmlXPathSetContextNode(nodePtr, ctx);
      const obj = lx.xmlXPathCompiledEval(xpathPtr, ctx);
      if (obj === 0) throw new XmlXPathError(`Failed to evaluate XPath expression '${xpath.toString()}'`);
      try {
        switch (lx.XmlXPathObjectStruct.type(obj)) {
          case lx.XmlXPathObjectStruct.Type.XPATH_NODESET: {
            const set = lx.XmlXPathObjectStruct.nodesetval(obj);
            if (!set) return [];
            const count = lx.XmlNodeSetStruct.nodeCount(set);
            const table = lx.XmlNodeSetStruct.nodeTable(set, count);
            const out: XmlNode[] = [];
            for (let i = 0; i < count; i++) out.push(make(table[i] as number));
            return out;
          }
          case lx.XmlXPathObjectStruct.Type.XPATH_NUMBER: return lx.XmlXPathObjectStruct.floatval(obj);
          case lx.XmlXPathObjectStruct.Type.XPATH_BOOLEAN: return lx.XmlXPathObjectStruct.boolval(obj) !== 0;
          case lx.XmlXPathObjectStruct.Type.XPATH_STRING: return lx.XmlXPathObjectStruct.stringval(obj);
          default: throw new XmlXPathError(`XPath expression '${xpath.toString()}' returned an unsupported type`);
        }
      } finally {
        lx.xmlXPathFreeObject(obj);
      }
    },
    close() {
      if (ctx) lx.xmlXPathFreeContext(ctx);
      ctx = 0;
    },
  };
  return scope;
}
