/**
 * Source languages, compiled once per expression: JSONata for JSON (and for CSV/fixed
 * records, which are JSON objects of their columns), namespace-aware XPath 1.0 on the
 * libxml2-wasm document for XML. A plain dotted path (`applicant.address.zip`) on a JSON
 * source is read directly and only falls back to JSONata when it meets an array; so is a
 * condition that compares such a path with a string literal (`payment.method = 'sepa'`).
 */
import jsonata from 'jsonata';
import { XmlNode, XmlXPath, type NamespaceMap } from 'libxml2-wasm';
import type { Issue } from '../errors.js';
import { elementPath } from '../validation/element-path.js';
import { XPathCompiler } from '../validation/xpath.js';
import { jsonataReason, MappingFault } from './fault.js';

/** Where a rule reads from: the context value (a JSON value or an XmlNode) and its input path. */
export interface SourceCtx {
  readonly node: unknown;
  /** Read only for error reports (it may be computed on demand). */
  readonly path: string;
}

export interface SourceExpr {
  /** The value the expression selects (undefined when nothing); `rule` names the rule in faults. */
  read(ctx: SourceCtx, rule: string): Promise<unknown> | unknown;
  items(ctx: SourceCtx, rule: string): Promise<SourceCtx[]> | SourceCtx[];
  test(ctx: SourceCtx, rule: string): Promise<boolean> | boolean;
  /** The input path of what the expression selects, for error reports. */
  at(ctx: SourceCtx): string;
}

export type Usage = 'read' | 'items' | 'test';

export interface SourceCompiler {
  compile(label: string, expr: string, usage: Usage): SourceExpr | undefined;
  readonly issues: Issue[];
  done(): void;
  dispose(): void;
}

const SIMPLE = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/;
const ARRAY = Symbol('array');
/** `path = 'text'` / `path != 'text'`: a dotted path compared with a string literal without quotes or escapes inside. */
const COMPARE = /^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*(!?=)\s*'([^'\\]*)'$/;

/**
 * JSONata's verdict on `<value> = literal` (or `!=`) for a value read by a plain path, or
 * undefined when only JSONata can tell (an array: JSONata flattens sequences). JSONata
 * compares nothing with an absent value (both operators are false); a present value of
 * another type is unequal.
 */
export function compareLiteral(value: unknown, op: '=' | '!=', literal: string): boolean | undefined {
  if (value === undefined) return false;
  if (Array.isArray(value)) return undefined;
  return (value === literal) === (op === '=');
}

/** Compiles JSONata `expr`; undefined and an issue when it does not parse. */
export function compileJsonata(expr: string, label: string, file: string, issues: Issue[]): jsonata.Expression | undefined {
  try {
    return jsonata(expr);
  } catch (err) {
    issues.push({ message: `${label}: ${jsonataReason(err)} (expression: ${expr})`, path: file, layer: 'mapping' });
    return undefined;
  }
}

function joinJson(base: string, expr: string): string {
  return base === '' ? expr : `${base}.${expr}`;
}

/** The same expression used the same way compiles once (so conditions can be evaluated once per context). */
function cached(compile: SourceCompiler['compile']): SourceCompiler['compile'] {
  const seen = new Map<string, SourceExpr>();
  return (label, expr, usage) => {
    const key = `${usage}\u0000${expr}`;
    const hit = seen.get(key);
    if (hit) return hit;
    const made = compile(label, expr, usage);
    if (made) seen.set(key, made);
    return made;
  };
}

export function jsonSourceCompiler(file: string): SourceCompiler {
  const issues: Issue[] = [];
  return {
    issues,
    done() {},
    dispose() {},
    compile: cached((label, expr) => {
      const compiled = compileJsonata(expr, label, file, issues);
      if (!compiled) return undefined;
      const compare = COMPARE.exec(expr);
      const steps = SIMPLE.test(expr) ? expr.split('.') : compare ? (compare[1] as string).split('.') : undefined;
      const evaluate = async (ctx: SourceCtx, rule: string): Promise<unknown> => {
        try {
          return await compiled.evaluate(ctx.node);
        } catch (err) {
          throw new MappingFault(rule, joinJson(ctx.path, expr), jsonataReason(err));
        }
      };
      /** The value at the plain path, or ARRAY once the path meets an array (JSONata flattens those: only it can tell). */
      const walk = (node: unknown, path: readonly string[]): unknown => {
        let v = node;
        for (const s of path) {
          if (Array.isArray(v)) return ARRAY;
          if (v === null || typeof v !== 'object') return undefined;
          v = Object.hasOwn(v, s) ? (v as Record<string, unknown>)[s] : undefined;
        }
        return v;
      };
      const read = (ctx: SourceCtx, rule: string): Promise<unknown> | unknown => {
        if (!steps || compare) return evaluate(ctx, rule);
        const v = walk(ctx.node, steps);
        return v === ARRAY ? evaluate(ctx, rule) : v;
      };
      const test = async (ctx: SourceCtx, rule: string): Promise<boolean> => Boolean(await read(ctx, rule));
      return {
        read,
        at: (ctx) => joinJson(ctx.path, expr),
        async items(ctx, rule) {
          const v = await read(ctx, rule);
          const list = v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
          return list.map((node, i) => ({ node, path: `${joinJson(ctx.path, expr)}[${i}]` }));
        },
        test(ctx, rule) {
          if (!compare || !steps) return test(ctx, rule);
          const v = walk(ctx.node, steps);
          return (v === ARRAY ? undefined : compareLiteral(v, compare[2] as '=' | '!=', compare[3] as string)) ?? test(ctx, rule);
        },
      };
    }),
  };
}

export function xmlSourceCompiler(file: string, namespaces: NamespaceMap): SourceCompiler {
  const xc = new XPathCompiler(namespaces, file, 'mapping');
  return {
    issues: xc.issues,
    done: () => xc.done(),
    dispose: () => xc.dispose(),
    compile: cached((label, expr, usage) => {
      const wrapped = usage === 'read' ? `string(${expr})` : usage === 'test' ? `boolean(${expr})` : expr;
      const xpath = xc.compile(label, wrapped);
      if (!xpath) return undefined;
      return xmlExpr(xpath, expr);
    }),
  };
}

/** An item of an XML group; its element path (several XPath evaluations) is computed only for an error report. */
class XmlItem implements SourceCtx {
  private cached: string | undefined;
  constructor(readonly node: XmlNode) {}
  get path(): string {
    this.cached ??= elementPath(this.node);
    return this.cached;
  }
}

function xmlExpr(xpath: XmlXPath, expr: string): SourceExpr {
  const at = (ctx: SourceCtx): string => `${ctx.path}/${expr}`;
  return {
    at,
    read(ctx) {
      const v = (ctx.node as XmlNode).eval(xpath);
      return typeof v === 'string' ? v : undefined;
    },
    items(ctx) {
      return (ctx.node as XmlNode).find(xpath).map((node) => new XmlItem(node));
    },
    test(ctx) {
      return (ctx.node as XmlNode).eval(xpath) === true;
    },
  };
}
