/**
 * A synchronous reading of the JSONata `map` expressions most mappings use on one string
 * (`$uppercase($replace($, ' ', ''))`, `$length($) = 12 ? $substring($, 0, 5) & … : $`).
 * JSONata 2 evaluates asynchronously (a promise chain per step), which made each such rule
 * cost more than the rest of its rule together (≈ 10 µs; ADR 0018, measurements).
 *
 * Compiled once from the JSONata AST when every node is of the subset below; otherwise (and
 * at run time whenever a value is not of the type the shortcut handles) the caller evaluates
 * with JSONata itself, so the result is always JSONata's:
 *   `$` (the string input), string and number literals, `&` of two strings, `=` / `!=` of two
 *   strings or two numbers, `c ? a : b` on a boolean, and the functions $length, $substring,
 *   $uppercase, $lowercase and $replace with a non-empty literal pattern and a replacement
 *   without `$` (JSONata reads `$n` in replacements).
 */
import type jsonata from 'jsonata';

/** Returned when the shortcut cannot tell; the caller evaluates with JSONata. */
export const ASK_JSONATA = Symbol('ask-jsonata');
type Value = string | number | boolean | typeof ASK_JSONATA;
export type ScalarExpr = (input: string) => Value;

interface Node {
  type: string;
  value?: unknown;
  lhs?: Node;
  rhs?: Node;
  condition?: Node;
  then?: Node;
  else?: Node;
  arguments?: Node[];
  procedure?: Node;
  predicate?: unknown;
  stages?: unknown;
  group?: unknown;
  focus?: unknown;
  index?: unknown;
  tuple?: unknown;
  keepArray?: unknown;
}

const str = (v: Value): v is string => typeof v === 'string';

/** JSONata's $substring: positions in code points, negative start counted from the end. */
function substring(s: string, start: number, length: number | undefined): string {
  const chars = Array.from(s);
  const from = chars.length + start < 0 ? 0 : start;
  if (length === undefined) return chars.slice(from).join('');
  if (length <= 0) return '';
  return chars.slice(from, from >= 0 ? from + length : chars.length + from + length).join('');
}

function compileFunction(node: Node): ScalarExpr | undefined {
  const name = node.procedure?.type === 'variable' ? node.procedure.value : undefined;
  const args = (node.arguments ?? []).map(compileNode);
  if (args.some((a) => a === undefined)) return undefined;
  const [a, b, c] = args as ScalarExpr[];
  switch (args.length === 1 ? name : args.length === 2 || args.length === 3 ? `${String(name)}/${args.length}` : undefined) {
    case 'length': return (x) => { const s = (a as ScalarExpr)(x); return str(s) ? Array.from(s).length : ASK_JSONATA; };
    case 'uppercase': return (x) => { const s = (a as ScalarExpr)(x); return str(s) ? s.toUpperCase() : ASK_JSONATA; };
    case 'lowercase': return (x) => { const s = (a as ScalarExpr)(x); return str(s) ? s.toLowerCase() : ASK_JSONATA; };
    case 'substring/2':
    case 'substring/3': return (x) => {
      const s = (a as ScalarExpr)(x);
      const start = (b as ScalarExpr)(x);
      const length = c ? c(x) : undefined;
      if (!str(s) || !Number.isInteger(start) || (length !== undefined && !Number.isInteger(length))) return ASK_JSONATA;
      return substring(s, start as number, length as number | undefined);
    };
    case 'replace/3': {
      const pattern = node.arguments?.[1];
      const replacement = node.arguments?.[2];
      if (pattern?.type !== 'string' || replacement?.type !== 'string') return undefined;
      const p = String(pattern.value);
      const r = String(replacement.value);
      if (p === '' || r.includes('$')) return undefined;
      return (x) => { const s = (a as ScalarExpr)(x); return str(s) ? s.split(p).join(r) : ASK_JSONATA; };
    }
    default: return undefined;
  }
}

function compileNode(node: Node): ScalarExpr | undefined {
  // steps with predicates, sorting, grouping, focus or index bindings are JSONata's alone
  if (node.predicate !== undefined || node.stages !== undefined || node.group !== undefined || node.focus !== undefined || node.index !== undefined || node.keepArray !== undefined) return undefined;
  switch (node.type) {
    case 'variable': return node.value === '' ? (x) => x : undefined;
    case 'string': { const v = String(node.value); return () => v; }
    case 'number': { const v = node.value; return typeof v === 'number' ? () => v : undefined; }
    case 'function': return compileFunction(node);
    case 'condition': {
      const test = node.condition && compileNode(node.condition);
      const yes = node.then && compileNode(node.then);
      const no = node.else && compileNode(node.else);
      if (!test || !yes || !no) return undefined;
      return (x) => { const t = test(x); return typeof t === 'boolean' ? (t ? yes(x) : no(x)) : ASK_JSONATA; };
    }
    case 'binary': {
      const l = node.lhs && compileNode(node.lhs);
      const r = node.rhs && compileNode(node.rhs);
      if (!l || !r) return undefined;
      const same = (x: Value, y: Value): boolean => x !== ASK_JSONATA && typeof x !== 'boolean' && typeof x === typeof y;
      switch (node.value) {
        case '&': return (x) => { const u = l(x); const v = r(x); return str(u) && str(v) ? u + v : ASK_JSONATA; };
        case '=': return (x) => { const u = l(x); const v = r(x); return same(u, v) ? u === v : ASK_JSONATA; };
        case '!=': return (x) => { const u = l(x); const v = r(x); return same(u, v) ? u !== v : ASK_JSONATA; };
        default: return undefined;
      }
    }
    default: return undefined;
  }
}

/** The shortcut for `expr`, or undefined when the expression is outside the subset. */
export function compileScalarExpr(expr: jsonata.Expression): ScalarExpr | undefined {
  return compileNode(expr.ast() as unknown as Node);
}
