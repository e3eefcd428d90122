/**
 * Running compiled rules over one input: rules in order, each reading from the current
 * source context, converting the value through its steps and writing it into the output
 * tree. Every fault names the rule and the input path; no message value goes into a fault.
 * Steps that can be synchronous stay synchronous (most rules read a plain path): only
 * JSONata evaluations are awaited, which keeps the per-rule cost near a property read.
 */
import type jsonata from 'jsonata';
import { XmlNode } from 'libxml2-wasm';
import { jsonataReason, MappingFault } from './fault.js';
import type { CompiledRule } from './compile.js';
import { ASK_JSONATA } from './scalar-expr.js';
import type { SourceCtx, SourceExpr } from './source.js';
import { walk, write, type OutNode, type OutValue } from './target.js';
import { convertNumber, convertType } from './values.js';

type Values = Record<string, unknown>;
type Maybe<T> = T | Promise<T>;

// No closures are created per rule on the hot path (the transpilers' name helpers make each one costly).
function isThenable<T>(x: Maybe<T>): x is Promise<T> {
  return typeof (x as { then?: unknown } | null)?.then === 'function';
}

/** The input path a rule reads from, for faults only. */
function inputPath(rule: CompiledRule, ctx: SourceCtx): string {
  return rule.from ? rule.from.at(ctx) : `${ctx.path}(${rule.compute ? 'compute' : 'value'})`;
}

function fault(rule: CompiledRule, ctx: SourceCtx, message: string): MappingFault {
  return new MappingFault(rule.id, inputPath(rule, ctx), message);
}

/** One scalar from what a source or expression returned; undefined when nothing. */
function scalar(v: unknown, rule: CompiledRule, ctx: SourceCtx): OutValue | undefined {
  let x = v;
  if (Array.isArray(x)) {
    if (x.length > 1) throw fault(rule, ctx, `${x.length} values where one is expected`);
    x = x[0];
  }
  if (x === undefined || x === null) return undefined;
  if (typeof x === 'string') {
    const t = x.trim();
    return t === '' ? undefined : t;
  }
  if (typeof x === 'number' || typeof x === 'boolean') return x;
  throw fault(rule, ctx, 'a structure where a single value is expected');
}

async function evaluate(expr: jsonata.Expression, input: unknown, bindings: Record<string, unknown> | undefined, rule: CompiledRule, ctx: SourceCtx, step: string): Promise<unknown> {
  try {
    return await expr.evaluate(input, bindings);
  } catch (err) {
    throw fault(rule, ctx, `${step}: ${jsonataReason(err)}`);
  }
}

function raw(rule: CompiledRule, ctx: SourceCtx, values: Values): Maybe<unknown> {
  if (rule.from) return rule.from.read(ctx, rule.id);
  if (rule.value !== undefined) return rule.value;
  if (rule.compute) return evaluate(rule.compute, values, ctx.node instanceof XmlNode ? undefined : { source: ctx.node }, rule, ctx, 'compute');
  return undefined;
}

function typed(rule: CompiledRule, ctx: SourceCtx, result: OutValue): OutValue {
  if (!rule.type) return result;
  try {
    return convertType(String(result), rule.type);
  } catch (err) {
    throw fault(rule, ctx, (err as Error).message);
  }
}

function afterMap(rule: CompiledRule, ctx: SourceCtx, mapped: unknown): OutValue | undefined {
  const m = scalar(mapped, rule, ctx);
  if (m === undefined) {
    if (rule.required) throw fault(rule, ctx, 'mandatory value missing after map');
    return undefined;
  }
  return typed(rule, ctx, m);
}

/** The value steps after the source: default, required, pattern, date, number, code list, map, type. */
function convert(rule: CompiledRule, ctx: SourceCtx, got: unknown): Maybe<OutValue | undefined> {
  let v = scalar(got, rule, ctx);
  if (v === undefined && rule.default !== undefined) v = rule.default;
  if (v === undefined) {
    if (rule.required) throw fault(rule, ctx, 'mandatory value missing');
    return undefined;
  }
  let s = String(v);
  if (rule.pattern && !rule.pattern.test(s)) throw fault(rule, ctx, `value does not match the pattern ${rule.pattern.source}`);
  try {
    if (rule.date) s = rule.date.convert(s);
    if (rule.number) s = convertNumber(s, rule.number.from, rule.number.to, rule.number.decimals);
  } catch (err) {
    throw fault(rule, ctx, (err as Error).message);
  }
  if (rule.codeList) {
    const list = rule.codeList;
    const hit = Object.hasOwn(list.map, s) ? list.map[s] : undefined;
    if (hit !== undefined) s = hit;
    else if (list.missing === 'default' && list.default !== undefined) s = list.default;
    else if (list.missing !== 'keep') throw fault(rule, ctx, `code has no translation in code list ${list.name}`);
  }
  if (!rule.map) return typed(rule, ctx, s);
  const input = typeof v === 'string' || rule.date || rule.number || rule.codeList ? s : v;
  if (rule.mapDirect && typeof input === 'string') {
    const direct = rule.mapDirect(input);
    if (direct !== ASK_JSONATA) return afterMap(rule, ctx, direct);
  }
  return evaluate(rule.map, input, undefined, rule, ctx, 'map').then((mapped) => afterMap(rule, ctx, mapped));
}

/** The rule's final value, or undefined when the rule has nothing to write. */
export function ruleValue(rule: CompiledRule, ctx: SourceCtx, values: Values): Maybe<OutValue | undefined> {
  const got = raw(rule, ctx, values);
  return isThenable(got) ? got.then((g) => convert(rule, ctx, g)) : convert(rule, ctx, got);
}

/** Runs `rules` against `ctx`, writing below `out`; `values` collects each rule's value for `compute`. */
export async function runRules(rules: readonly CompiledRule[], ctx: SourceCtx, out: OutNode, values: Values): Promise<void> {
  // Several rules often share one condition (`payment.method = 'sepa'`): evaluated once per context.
  let tests: Map<SourceExpr, boolean> | undefined;
  for (const rule of rules) {
    if (rule.when) {
      tests ??= new Map();
      let ok = tests.get(rule.when);
      if (ok === undefined) {
        const t = rule.when.test(ctx, rule.id);
        ok = isThenable(t) ? await t : t;
        tests.set(rule.when, ok);
      }
      if (!ok) continue;
    }
    if (rule.empty) {
      if (rule.to) walk(out, rule.to);
      continue;
    }
    if (rule.forEach) {
      const found = rule.forEach.items.items(ctx, rule.id);
      const items = isThenable(found) ? await found : found;
      if (items.length === 0 && rule.required) throw new MappingFault(rule.id, rule.forEach.items.at(ctx), 'mandatory group has no items');
      const collected: Values[] = [];
      for (const item of items) {
        const target = rule.to ? walk(out, rule.to, true) : out;
        const inner: Values = { ...values };
        await runRules(rule.forEach.rules, item, target, inner);
        collected.push(inner);
      }
      values[rule.as] = collected;
      continue;
    }
    const got = ruleValue(rule, ctx, values);
    const v = isThenable(got) ? await got : got;
    if (v === undefined) continue;
    values[rule.as] = v;
    if (rule.to) write(out, rule.to, v, rule.id);
  }
}
