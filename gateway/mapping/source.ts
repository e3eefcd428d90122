/**
 * Source languages, compiled once per expression: JSONata for JSON (and for CSV/fixed
 * records, which are JSON objects of their columns), namespace-aware XPath 1.0 on the
 * libxml2-wasm document for XML. A plain dotted path (`applicant.address.zip`) on a JSON
 * source is read directly and only falls back to JSONata when it meets an array.
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
      const steps = SIMPLE.test(expr) ? expr.split('.') : undefined;
      const evaluate = async (ctx: SourceCtx, rule: string): Promise<unknown> => {
        try {
          return await compiled.evaluate(ctx.node);
        } catch (err) {
          throw new MappingFault(rule, joinJson(ctx.path, expr), jsonataReason(err));
        }
      };
      const read = (ctx: SourceCtx, rule: string): Promise<unknown> | unknown => {
        if (!steps) return evaluate(ctx, rule);
        let v: unknown = ctx.node;
        for (const s of steps) {
          if (Array.isArray(v)) return evaluate(ctx, rule);
          if (v === null || typeof v !== 'object') return undefined;
          v = Object.hasOwn(v, s) ? (v as Record<string, unknown>)[s] : undefined;
        }
        return v;
      };
      return {
        read,
        at: (ctx) => joinJson(ctx.path, expr),
        async items(ctx, rule) {
          const v = await read(ctx, rule);
          const list = v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
          return list.map((node, i) => ({ node, path: `${joinJson(ctx.path, expr)}[${i}]` }));
        },
        async test(ctx, rule) {
          return Boolean(await read(ctx, rule));
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
