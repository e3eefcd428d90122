/**
 * Compiling the rules of one mapping.yaml: every expression, path, format and code-list
 * reference is checked here, at start, and every problem is collected (never the first
 * only), each naming the file, the rule id and the YAML path of the rule.
 */
import type jsonata from 'jsonata';
import type { Issue } from '../errors.js';
import type { CodeListSpec, MappingFile, RuleInput } from './schema.js';
import { compileJsonata, type SourceCompiler, type SourceExpr } from './source.js';
import { parseTargetPath, prefixes, type OutValue, type TargetPath } from './target.js';
import { compileScalarExpr, type ScalarExpr } from './scalar-expr.js';
import { compileDate, type DateCodec, type NumberForm } from './values.js';

export interface CompiledRule {
  id: string;
  as: string;
  when?: SourceExpr;
  from?: SourceExpr;
  value?: OutValue;
  compute?: jsonata.Expression;
  default?: OutValue;
  required: boolean;
  pattern?: RegExp;
  date?: DateCodec;
  number?: { from: NumberForm; to: NumberForm; decimals: number };
  codeList?: CodeListSpec & { name: string };
  map?: jsonata.Expression;
  /** `map` read synchronously for a string input where it is in the subset of scalar-expr.ts. */
  mapDirect?: ScalarExpr;
  type?: 'string' | 'number' | 'integer' | 'boolean';
  to?: TargetPath;
  forEach?: { items: SourceExpr; rules: CompiledRule[] };
  empty?: boolean;
}

export interface RuleCompileContext {
  file: string;
  spec: MappingFile;
  source: SourceCompiler;
  issues: Issue[];
  ids: Set<string>;
}

export function compileRules(rules: readonly RuleInput[], ctx: RuleCompileContext, at: string, inGroup: boolean): CompiledRule[] {
  return rules.flatMap((r, i) => {
    const c = compileRule(r, ctx, `${at}[${i}]`, inGroup);
    return c ? [c] : [];
  });
}

function compileRule(r: RuleInput, ctx: RuleCompileContext, at: string, inGroup: boolean): CompiledRule | undefined {
  const before = ctx.issues.length + ctx.source.issues.length;
  const problem = (message: string, where = ''): void => {
    ctx.issues.push({ message: `${ctx.file}: rule ${r.id} (${at}${where}): ${message}`, path: `${ctx.file}#${at}${where}`, rule: r.id, layer: 'mapping' });
  };
  const label = (where: string): string => `${ctx.file}: rule ${r.id} (${at}.${where})`;
  if (ctx.ids.has(r.id)) problem('the rule id is used twice');
  ctx.ids.add(r.id);
  const kinds = (['from', 'value', 'compute', 'forEach', 'empty'] as const).filter((k) => r[k] !== undefined);
  if (kinds.length !== 1) problem(`a rule needs exactly one of from, value, compute, forEach, empty (has ${kinds.length === 0 ? 'none' : kinds.join(', ')})`);
  if (r.empty && !r.to) problem('an empty rule needs `to`');
  if (r.rules && !r.forEach) problem('rules: only inside a forEach group');
  if (r.forEach && (!r.rules || r.rules.length === 0)) problem('a forEach group needs rules');
  if (!r.to && !r.forEach && !r.as && r.value !== undefined) problem('a constant without `to` has no effect');
  const out: CompiledRule = { id: r.id, as: r.as ?? r.id, required: r.required };
  if (r.empty) out.empty = true;
  if (r.value !== undefined) out.value = r.value;
  if (r.default !== undefined) out.default = r.default;
  if (r.type) out.type = r.type;
  const src = ctx.source;
  if (r.when) out.when = src.compile(label('when'), r.when, 'test');
  if (r.from) out.from = src.compile(label('from'), r.from, 'read');
  const jsonataAt = (expr: string, where: string): jsonata.Expression | undefined => {
    const found: Issue[] = [];
    const compiled = compileJsonata(expr, label(where), `${ctx.file}#${at}.${where}`, found);
    ctx.issues.push(...found.map((i) => ({ ...i, rule: r.id })));
    return compiled;
  };
  if (r.compute) out.compute = jsonataAt(r.compute, 'compute');
  if (r.map) {
    out.map = jsonataAt(r.map, 'map');
    const direct = out.map && compileScalarExpr(out.map);
    if (direct) out.mapDirect = direct;
  }
  if (r.pattern) {
    try {
      out.pattern = new RegExp(r.pattern, 'u');
    } catch {
      problem('pattern is not a valid regular expression', '.pattern');
    }
  }
  if (r.date) {
    try {
      out.date = compileDate(r.date.from, r.date.to);
    } catch (err) {
      problem((err as Error).message, '.date');
    }
  }
  if (r.number) out.number = r.number;
  if (r.codeList) {
    const list = ctx.spec.codeLists[r.codeList];
    if (!list) problem(`code list ${r.codeList} is not declared under codeLists`, '.codeList');
    else out.codeList = { ...list, name: r.codeList };
  }
  if (r.to) out.to = compileTarget(r.to, ctx, problem, Boolean(r.forEach), inGroup);
  if (r.forEach) {
    const items = src.compile(label('forEach'), r.forEach, 'items');
    const rules = compileRules(r.rules ?? [], ctx, `${at}.rules`, true);
    if (items) out.forEach = { items, rules };
  }
  return ctx.issues.length + ctx.source.issues.length === before ? out : undefined;
}

function compileTarget(to: string, ctx: RuleCompileContext, problem: (m: string, where?: string) => void, group: boolean, inGroup: boolean): TargetPath | undefined {
  const target = ctx.spec.to;
  if (target.format === 'csv' || target.format === 'fixed') {
    const columns = target.format === 'csv' ? target.csv?.columns ?? [] : (target.fixed?.columns ?? []).map((c) => c.name);
    if (group) {
      if (to !== '$records') problem('a forEach group of a csv/fixed target writes `to: $records` (one row per item)', '.to');
    } else if (!columns.includes(to)) problem(`column ${to} is not declared in to.${target.format}`, '.to');
    if (!group && inGroup && to === '$records') problem('$records is for forEach groups', '.to');
    return [{ name: to, append: false, attr: false }];
  }
  let path: TargetPath;
  try {
    path = parseTargetPath(to);
  } catch (err) {
    problem(`target path: ${(err as Error).message}`, '.to');
    return undefined;
  }
  if (target.format === 'json' && path.some((s) => s.attr)) problem('a JSON target has no attributes (@)', '.to');
  if (target.format === 'xml') {
    const unknown = prefixes(path).filter((p) => !(p in target.namespaces));
    if (unknown.length > 0) problem(`namespace prefix ${unknown.join(', ')} is not declared in to.namespaces`, '.to');
  }
  return path;
}
