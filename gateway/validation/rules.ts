/**
 * Layer 6: the service rules of a descriptor (rule-schema.ts), compiled once at load and
 * run on every message of the types they name. Each rule reads a few strings (its `when`
 * flag and its inputs) and judges them in code; the reads of all rules of one message type
 * without `context` are one XPath evaluation, and a rule with `context` costs one per
 * context node. A rule never fails on what another layer judges: a date order with a date
 * missing, a sum with its total missing, a pro-rata amount without annual amount or
 * start, or an equality with one side missing, is skipped (make the field `required` in its
 * own rule when it must be there).
 */
import type { XmlElement, XmlNode, XmlXPath } from 'libxml2-wasm';
import { GatewayError } from '../errors.js';
import { displayPath } from './element-path.js';
import { locate } from './findings.js';
import type { ServiceRule } from './rule-schema.js';
import type { Finding } from './types.js';
import { XPathCompiler, asText } from './xpath.js';
import { PUBLIC_SCOPE, type XPathScope } from './xpath-scope.js';

const MAX_FINDINGS = 50;
/** Separates the values in a combined read (a private-use character, as in header.ts). */
const SEP = '\ue001';

export interface RuleSet {
  /** Number of rules compiled. */
  readonly size: number;
  /** Runs the rules of `messageType` on the message whose root element is `root` (through `scope` when the caller opened one). */
  check(root: XmlElement, messageType: string, scope?: XPathScope): Finding[];
  dispose(): void;
}

interface Failure { message: string; expr?: string }

interface PreparedRule {
  rule: ServiceRule;
  /** String-valued XPath expressions the judgement needs; the first is the `when` flag. */
  inputs: string[];
  /** Names of the inputs, for load errors. */
  labels: string[];
  judge(values: string[]): Failure | undefined;
}

/** Reads the inputs of some rules in one evaluation (falling back to one per input if a value contains SEP). */
interface Reader { all: XmlXPath | undefined; single: Array<XmlXPath | undefined>; count: number }

/** Compiles every rule; throws GW_CONFIG_INVALID naming each expression that does not compile. */
export function compileRules(rules: readonly ServiceRule[], namespaces: Record<string, string>, file: string): RuleSet {
  const compiler = new XPathCompiler(namespaces, file);
  const prepared = rules.map(prepare);
  // each expression alone first: names the broken one, and is the fallback reader
  const singles = prepared.map((p, i) => p.inputs.map((e, k) => compiler.compile(`rules[${i}] ${p.rule.id} ${p.labels[k] ?? ''}`, e)));
  const contexts = prepared.map((p, i) => (p.rule.context ? compiler.compile(`rules[${i}] ${p.rule.id} context`, p.rule.context) : undefined));
  if (compiler.issues.length > 0) {
    compiler.dispose();
    throw new GatewayError('GW_CONFIG_INVALID', 'service rules do not compile', { issues: compiler.issues });
  }
  const reader = (indexes: number[]): Reader => {
    const inputs = indexes.flatMap((i) => prepared[i]?.inputs ?? []);
    const all = inputs.length > 0 ? compiler.compile('rules', `concat(${inputs.join(`, '${SEP}', `)}, '')`) : undefined;
    return { all, single: indexes.flatMap((i) => singles[i] ?? []), count: inputs.length };
  };
  const own = prepared.map((p, i) => (p.rule.context ? reader([i]) : undefined));
  const types = new Set(rules.flatMap((r) => (r.messageTypes === '*' ? [] : r.messageTypes)));
  const appliesTo = (p: PreparedRule, t: string | undefined): boolean => p.rule.messageTypes === '*' || (t !== undefined && p.rule.messageTypes.includes(t));
  const plan = new Map<string | undefined, { plain: PreparedRule[]; plainReader: Reader; withContext: number[] }>();
  for (const t of [...types, undefined]) {
    const plainIdx = prepared.flatMap((p, i) => (!p.rule.context && appliesTo(p, t) ? [i] : []));
    const withContext = prepared.flatMap((p, i) => (p.rule.context && appliesTo(p, t) ? [i] : []));
    plan.set(t, { plain: plainIdx.map((i) => prepared[i] as PreparedRule), plainReader: reader(plainIdx), withContext });
  }
  compiler.done();

  return {
    size: rules.length,
    check(root, messageType, scope = PUBLIC_SCOPE) {
      const steps = plan.get(types.has(messageType) ? messageType : undefined);
      if (!steps) return [];
      const findings: Finding[] = [];
      const judgeAll = (node: XmlNode, list: PreparedRule[], r: Reader): void => {
        if (r.count === 0) return;
        const values = readValues(node, r, scope);
        let at = 0;
        for (const p of list) {
          const mine = values.slice(at, at + p.inputs.length);
          at += p.inputs.length;
          const failed = mine[0] === 'true' ? p.judge(mine.slice(1)) : undefined;
          if (failed && findings.length < MAX_FINDINGS) findings.push(finding(p.rule, node, failed, namespaces));
        }
      };
      if (steps.plain.length > 0) judgeAll(root, steps.plain, steps.plainReader);
      for (const i of steps.withContext) {
        const context = contexts[i];
        const r = own[i];
        const p = prepared[i];
        if (!context || !r || !p) continue;
        for (const node of scope.find(root, context)) judgeAll(node, [p], r);
      }
      return findings;
    },
    dispose: () => compiler.dispose(),
  };
}

function readValues(node: XmlNode, r: Reader, scope: XPathScope): string[] {
  const joined = r.all ? scope.eval(node, r.all) : '';
  const values = typeof joined === 'string' ? joined.split(SEP) : [];
  if (values.length === r.count) return values.map((v) => v.trim());
  return r.single.map((x) => (x ? asText(scope.eval(node, x)) : ''));
}

/**
 * The finding of a failed rule, located at the element it concerns: the element its
 * expression names when the message has it (the later date, the total), else the context
 * node (a missing required field is reported where it should be).
 */
function finding(rule: ServiceRule, node: XmlNode, failed: Failure, namespaces: Record<string, string>): Finding {
  const at = locate(failed.expr ? (concerned(node, failed.expr, namespaces) ?? node) : node);
  const path = failed.expr ? displayPath(locate(node).path.slice(1), failed.expr) : at.path;
  return { message: `${rule.description}: ${failed.message}`, ...at, path, layer: 'rules', rule: `rules.${rule.id}` };
}

/** The first node `expr` selects from `node`, when it is a node-set expression that selects one; only on failure, so compiled here. */
function concerned(node: XmlNode, expr: string, namespaces: Record<string, string>): XmlNode | undefined {
  try {
    return node.get(expr, namespaces) ?? undefined;
  } catch {
    return undefined; // not a node-set expression (a function, a number): no element to point at
  }
}

function prepare(rule: ServiceRule): PreparedRule {
  const when = rule.when ? `string(boolean(${rule.when}))` : `'true'`;
  switch (rule.kind) {
    case 'required':
      return {
        rule, inputs: [when, ...rule.paths.map((p) => `string(${p})`)], labels: ['when', ...rule.paths.map((_, i) => `paths[${i}]`)],
        judge(values) {
          const i = values.findIndex((v) => v === '');
          const p = rule.paths[i];
          return p === undefined ? undefined : { message: `${p} is missing or empty`, expr: p };
        },
      };
    case 'dateOrder':
      return {
        rule, inputs: [when, `string(${rule.from})`, `string(${rule.to})`], labels: ['when', 'from', 'to'],
        judge([a = '', b = '']) {
          const ta = instant(a);
          const tb = instant(b);
          if (ta === undefined || tb === undefined) return undefined;
          const ok = rule.allowEqual ? ta <= tb : ta < tb;
          return ok ? undefined : { message: `${rule.from} is after ${rule.to}`, expr: rule.to };
        },
      };
    case 'sum':
      return {
        rule, inputs: [when, `string(sum(${rule.items}))`, `string(number(${rule.total}))`], labels: ['when', 'items', 'total'],
        judge([s = '', t = '']) {
          const total = Number(t);
          const sum = Number(s);
          if (Number.isNaN(total)) return undefined;
          if (Number.isNaN(sum)) return { message: `${rule.items} are not all numbers`, expr: rule.items };
          return Math.abs(sum - total) <= rule.tolerance ? undefined : { message: `${rule.items} do not add up to ${rule.total}`, expr: rule.total };
        },
      };
    case 'assert':
      return {
        rule, inputs: [when, `string(boolean(${rule.test}))`], labels: ['when', 'test'],
        judge: ([ok]) => (ok === 'true' ? undefined : { message: `${rule.test} does not hold` }),
      };
    case 'proRata':
      return {
        rule,
        inputs: [when, `string(number(${rule.annual}))`, `string(sum(${rule.charged}))`, `string(${rule.from})`, rule.to ? `string(${rule.to})` : `''`],
        labels: ['when', 'annual', 'charged', 'from', 'to'],
        judge([a = '', c = '', f = '', t = '']) {
          const annual = Number(a);
          const months = liabilityMonths(f, t);
          if (Number.isNaN(annual) || months === undefined) return undefined;
          const charged = Number(c);
          if (Number.isNaN(charged)) return { message: `${rule.charged} are not all numbers`, expr: rule.charged };
          const due = (annual * months) / 12;
          return Math.abs(charged - due) <= rule.tolerance
            ? undefined
            : { message: `${rule.charged} do not add up to ${rule.annual} for the months of liability from ${rule.from}${rule.to ? ` to ${rule.to}` : ' to the end of its year'} (annual amount × months / 12)`, expr: rule.charged };
        },
      };
    case 'equal':
      return {
        rule, inputs: [when, `string(${rule.left})`, `string(${rule.right})`], labels: ['when', 'left', 'right'],
        judge: ([l = '', r = '']) => (l === '' || r === '' || l === r ? undefined : { message: `${rule.left} differs from ${rule.right}`, expr: rule.right }),
      };
  }
}

const YEAR_MONTH = /^(-?\d{4,})-(\d{2})-\d{2}/;

/**
 * Months of liability from the month of `from` to the month of `to` (default December of
 * the year of `from`), both counted in full; undefined when `from` is no date, `to` is given
 * but no date, or `to` lies before `from` (the date order is a dateOrder rule's job).
 */
export function liabilityMonths(from: string, to: string): number | undefined {
  const f = YEAR_MONTH.exec(from);
  if (!f) return undefined;
  const start = Number(f[1]) * 12 + Number(f[2]) - 1;
  let end = Number(f[1]) * 12 + 11;
  if (to !== '') {
    const t = YEAR_MONTH.exec(to);
    if (!t) return undefined;
    end = Number(t[1]) * 12 + Number(t[2]) - 1;
  }
  return end < start ? undefined : end - start + 1;
}

const DATE = /^(-?\d{4,}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2}(?:\.\d+)?))?(Z|[+-]\d{2}:\d{2})?$/;

/** Milliseconds of an xs:date or xs:dateTime (a date as its midnight; no zone read as UTC); undefined when it is neither. */
export function instant(value: string): number | undefined {
  const m = DATE.exec(value);
  if (!m) return undefined;
  const zone = m[3] === undefined || m[3] === 'Z' ? 'Z' : m[3];
  const t = Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}${zone}`);
  return Number.isNaN(t) ? undefined : t;
}
