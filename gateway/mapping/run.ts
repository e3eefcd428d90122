/**
 * Running compiled rules over one input: rules in order, each reading from the current
 * source context, converting the value through its steps and writing it into the output
 * tree. Every fault names the rule and the input path; no message value goes into a fault.
 */
import { XmlNode } from 'libxml2-wasm';
import { jsonataReason, MappingFault } from './fault.js';
import type { CompiledRule } from './compile.js';
import type { SourceCtx } from './source.js';
import { walk, write, type OutNode, type OutValue } from './target.js';
import { convertNumber, convertType } from './values.js';

type Values = Record<string, unknown>;


/** One scalar from what a source or expression returned; undefined when nothing. */
function scalar(v: unknown, rule: string, path: string): OutValue | undefined {
  let x = v;
  if (Array.isArray(x)) {
    if (x.length > 1) throw new MappingFault(rule, path, `${x.length} values where one is expected`);
    x = x[0];
  }
  if (x === undefined || x === null) return undefined;
  if (typeof x === 'string') return x.trim() === '' ? undefined : x.trim();
  if (typeof x === 'number' || typeof x === 'boolean') return x;
  throw new MappingFault(rule, path, 'a structure where a single value is expected');
}

async function raw(rule: CompiledRule, ctx: SourceCtx, values: Values, path: string): Promise<unknown> {
  if (rule.from) return rule.from.read(ctx, rule.id);
  if (rule.value !== undefined) return rule.value;
  if (rule.compute) {
    try {
      return await rule.compute.evaluate(values, ctx.node instanceof XmlNode ? undefined : { source: ctx.node });
    } catch (err) {
      throw new MappingFault(rule.id, path, `compute: ${jsonataReason(err)}`);
    }
  }
  return undefined;
}

/** The rule's final value, or undefined when the rule has nothing to write. */
export async function ruleValue(rule: CompiledRule, ctx: SourceCtx, values: Values): Promise<OutValue | undefined> {
  const path = rule.from ? rule.from.at(ctx) : `${ctx.path}(${rule.compute ? 'compute' : 'value'})`;
  const fail = (message: string): MappingFault => new MappingFault(rule.id, path, message);
  let v = scalar(await raw(rule, ctx, values, path), rule.id, path);
  if (v === undefined && rule.default !== undefined) v = rule.default;
  if (v === undefined) {
    if (rule.required) throw fail('mandatory value missing');
    return undefined;
  }
  let s = String(v);
  if (rule.pattern && !rule.pattern.test(s)) throw fail(`value does not match the pattern ${rule.pattern.source}`);
  try {
    if (rule.date) s = rule.date.convert(s);
    if (rule.number) s = convertNumber(s, rule.number.from, rule.number.to, rule.number.decimals);
  } catch (err) {
    throw fail((err as Error).message);
  }
  if (rule.codeList) {
    const list = rule.codeList;
    const hit = Object.hasOwn(list.map, s) ? list.map[s] : undefined;
    if (hit !== undefined) s = hit;
    else if (list.missing === 'default' && list.default !== undefined) s = list.default;
    else if (list.missing !== 'keep') throw fail(`code has no translation in code list ${list.name}`);
  }
  let result: OutValue = s;
  if (rule.map) {
    let mapped: unknown;
    try {
      mapped = await rule.map.evaluate(typeof v === 'string' || rule.date || rule.number || rule.codeList ? s : v);
    } catch (err) {
      throw fail(`map: ${jsonataReason(err)}`);
    }
    const m = scalar(mapped, rule.id, path);
    if (m === undefined) {
      if (rule.required) throw fail('mandatory value missing after map');
      return undefined;
    }
    result = m;
  }
  if (rule.type) {
    try {
      result = convertType(String(result), rule.type);
    } catch (err) {
      throw fail((err as Error).message);
    }
  }
  return result;
}

/** Runs `rules` against `ctx`, writing below `out`; `values` collects each rule's value for `compute`. */
export async function runRules(rules: readonly CompiledRule[], ctx: SourceCtx, out: OutNode, values: Values): Promise<void> {
  for (const rule of rules) {
    if (rule.when && !(await rule.when.test(ctx, rule.id))) continue;
    if (rule.forEach) {
      const items = await rule.forEach.items.items(ctx, rule.id);
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
    const v = await ruleValue(rule, ctx, values);
    if (v === undefined) continue;
    values[rule.as] = v;
    if (rule.to) write(out, rule.to, v, rule.id);
  }
}

