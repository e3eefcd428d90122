/** Samples of a Prometheus text exposition, by metric name: each with its labels and value. */
export type Samples = Map<string, Array<{ labels: Record<string, string>; value: number }>>;

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the text format (version 0.0.4); comment lines are skipped, a line that is not a sample fails the test. */
export function parseMetrics(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(LABEL)].map((l) => [l[1]!, l[2]!.replace(/\\(.)/g, '$1')]));
    const list = out.get(m[1]!) ?? [];
    list.push({ labels, value: Number(m[3]) });
    out.set(m[1]!, list);
  }
  return out;
}

/** The value of the one sample of `name` whose labels are exactly `labels`; fails when there is none. */
export function valueOf(s: Samples, name: string, labels: Record<string, string>): number {
  const want = JSON.stringify(Object.entries(labels).sort());
  const hit = (s.get(name) ?? []).find((x) => JSON.stringify(Object.entries(x.labels).sort()) === want);
  if (!hit) throw new Error(`no sample ${name}${JSON.stringify(labels)}; have ${JSON.stringify(s.get(name) ?? [])}`);
  return hit.value;
}

/** The sum over every sample of `name` (0 when there is none). */
export function sumOf(s: Samples, name: string): number {
  return (s.get(name) ?? []).reduce((n, x) => n + x.value, 0);
}
