/**
 * Value formats of the rules: dates between token patterns (yyyy MM dd HH mm ss), numbers
 * between decimal comma, dot and cents. Each parser throws a plain Error whose message
 * names the expected form, never the value; the runtime adds mapping, rule and path.
 */
const TOKENS: Record<string, { re: string; key: DatePart }> = {
  yyyy: { re: '(\\d{4})', key: 'year' },
  MM: { re: '(\\d{2})', key: 'month' },
  dd: { re: '(\\d{2})', key: 'day' },
  HH: { re: '(\\d{2})', key: 'hour' },
  mm: { re: '(\\d{2})', key: 'minute' },
  ss: { re: '(\\d{2})', key: 'second' },
};
type DatePart = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second';
const TOKEN_RE = /yyyy|MM|dd|HH|mm|ss/g;

export interface DateCodec {
  convert(value: string): string;
}

/** Compiles a date conversion; throws with a reason when a pattern has no date tokens or repeats one. */
export function compileDate(from: string, to: string): DateCodec {
  const keys: DatePart[] = [];
  const re = new RegExp(`^${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(TOKEN_RE, (t) => {
    const spec = TOKENS[t] as { re: string; key: DatePart };
    keys.push(spec.key);
    return spec.re;
  })}$`);
  for (const pattern of [from, to]) {
    const used: string[] = pattern.match(TOKEN_RE) ?? [];
    if (!used.includes('yyyy') || new Set(used).size !== used.length) throw new Error(`date pattern ${pattern} needs yyyy and each token at most once`);
  }
  const missing = (to.match(TOKEN_RE) ?? []).filter((t) => !keys.includes((TOKENS[t] as { key: DatePart }).key));
  if (missing.length > 0) throw new Error(`date pattern ${to} uses ${missing.join(', ')}, which ${from} does not provide`);
  return {
    convert(value) {
      const m = re.exec(value);
      if (!m) throw new Error(`not a date of the form ${from}`);
      const parts: Partial<Record<DatePart, string>> = {};
      keys.forEach((k, i) => { parts[k] = m[i + 1]; });
      const y = Number(parts.year);
      const mo = Number(parts.month ?? '1');
      const d = Number(parts.day ?? '1');
      const probe = new Date(Date.UTC(y, mo - 1, d));
      if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) throw new Error(`not a calendar date (form ${from})`);
      if (Number(parts.hour ?? 0) > 23 || Number(parts.minute ?? 0) > 59 || Number(parts.second ?? 0) > 59) throw new Error(`not a valid time (form ${from})`);
      return to.replace(TOKEN_RE, (t) => parts[(TOKENS[t] as { key: DatePart }).key] ?? '');
    },
  };
}

export type NumberForm = 'de' | 'plain' | 'cents';
const DE = /^-?\d{1,3}(\.\d{3})*(,\d+)?$|^-?\d+(,\d+)?$/;
const PLAIN = /^-?\d+(\.\d+)?$/;
const INT = /^-?\d+$/;

/** Converts a number between forms; `decimals` fixes the places of `de` and `plain` output. */
export function convertNumber(value: string, from: NumberForm, to: NumberForm, decimals: number): string {
  let n: number;
  if (from === 'de') {
    if (!DE.test(value)) throw new Error('not a number with decimal comma');
    n = Number(value.replace(/\./g, '').replace(',', '.'));
  } else if (from === 'cents') {
    if (!INT.test(value)) throw new Error('not a whole number of cents');
    n = Number(value) / 100;
  } else {
    if (!PLAIN.test(value)) throw new Error('not a number with decimal point');
    n = Number(value);
  }
  if (!Number.isFinite(n)) throw new Error('number out of range');
  if (to === 'cents') return String(Math.round(n * 100));
  const fixed = n.toFixed(decimals);
  return to === 'de' ? fixed.replace('.', ',') : fixed;
}

/** Converts a string to the JSON type a rule declares; throws when it is not of that type. */
export function convertType(value: string, type: 'string' | 'number' | 'integer' | 'boolean'): string | number | boolean {
  if (type === 'string') return value;
  if (type === 'boolean') {
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw new Error('not a boolean (true/false/1/0)');
  }
  const n = Number(value);
  if (value === '' || !Number.isFinite(n)) throw new Error(`not a ${type}`);
  if (type === 'integer' && !Number.isInteger(n)) throw new Error('not an integer');
  return n;
}
