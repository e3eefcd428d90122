import type { Command } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import type { JWK } from 'jose';
import { GatewayError } from '../errors.js';
import type { FiguresReport } from '../reports/figures.js';
import { HOPS } from '../reports/hops.js';
import type { HopFigure } from '../reports/stats.js';
import type { UsageReport } from '../reports/usage.js';
import { api, gatewayUrl } from './client.js';

/** `1h 02m`, `3.2 s`, `–` for no samples. */
export function duration(ms: number | null): string {
  if (ms === null) return '–';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.round(ms / 60_000);
  return m < 60 ? `${m} min` : m < 2880 ? `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min` : `${(m / 1440).toFixed(1)} d`;
}

const hop = (h: HopFigure) => (h.count === 0 ? '–' : `${duration(h.medianMs)} / ${duration(h.p90Ms)} (${h.count})`);

function printFigures(r: FiguresReport): void {
  console.log(`Kennzahlen ${r.period.month ?? `${r.period.from} – ${r.period.to}`} (${r.period.timeZone}), Fristen Stand ${r.asOf}`);
  for (const x of [...r.items, ...r.totals]) {
    console.log(`\n${x.serviceName} · ${x.ags === null ? 'alle Kommunen' : `${x.municipality ?? ''} (${x.ags})`}`);
    console.log(`  Vorgänge: eröffnet ${x.cases.opened}, abgeschlossen ${x.cases.closed}, unvollständig geschlossen ${x.cases.closedIncomplete}, offen ${x.cases.open}, Fristen überschritten ${x.cases.overdueDeadlines}`);
    for (const h of HOPS) console.log(`  ${h.padEnd(10)} Median / p90 (Anzahl): ${hop(x.hops[h])}`);
  }
}

function printUsage(r: UsageReport): void {
  console.log(`Nutzung ${r.period.month ?? `${r.period.from} – ${r.period.to}`}`);
  for (const x of r.items) console.log(`  ${x.ags} ${(x.municipality ?? '').padEnd(30)} ${(x.service || '-').padEnd(10)} Vorgänge ${x.casesOpened}, Nachrichten ${x.messages}, ${x.bytes} Bytes`);
}

interface ReportOptions {
  month?: string;
  from?: string;
  to?: string;
  ags?: string;
  service?: string;
  csv?: boolean;
  json?: boolean;
  url?: string;
}

function reportQuery(o: ReportOptions, extra: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ month: o.month, from: o.from, to: o.to, ags: o.ags, ...extra })) if (v !== undefined) q.set(k, v);
  if (o.csv) q.set('format', 'csv');
  return q.toString();
}

/**
 * `zsa-gateway report figures|usage` (through the running gateway: its role and remit
 * decide what is answered) and `zsa-gateway proof get|verify` (verify works offline on a
 * saved bundle: exit 0 valid, 1 invalid, 2 on errors such as an unreadable file).
 */
export function registerReportCommands(program: Command): void {
  const report = program.command('report').description('service figures and monthly usage per municipality (docs/reports.md)');
  const common = (c: Command) =>
    c
      .option('--month <YYYY-MM>', 'calendar month in German time, e.g. 2026-11')
      .option('--from <date>', 'start (YYYY-MM-DD German time, or ISO 8601), with --to')
      .option('--to <date>', 'end, exclusive')
      .option('--ags <ags>', 'one municipality (AGS or ARS)')
      .option('--csv', 'print CSV')
      .option('--json', 'print JSON')
      .option('--url <url>', 'gateway base URL');
  common(report.command('figures').description('cases opened/closed/open, overdue deadlines, median and p90 per hop').option('--service <id>', 'one service')).action(async (o: ReportOptions) => {
    const res = await api<FiguresReport | string>(gatewayUrl(o.url), 'GET', `/api/v1/reports/figures?${reportQuery(o, { service: o.service })}`);
    if (o.csv) process.stdout.write(String(res.body));
    else if (o.json) console.log(JSON.stringify(res.body, null, 2));
    else printFigures(res.body as FiguresReport);
  });
  common(report.command('usage').description('cases, messages and bytes per municipality and service (the basis for sharing costs)')).action(async (o: ReportOptions) => {
    const res = await api<UsageReport | string>(gatewayUrl(o.url), 'GET', `/api/v1/reports/usage?${reportQuery(o)}`);
    if (o.csv) process.stdout.write(String(res.body));
    else if (o.json) console.log(JSON.stringify(res.body, null, 2));
    else printUsage(res.body as UsageReport);
  });

  const proof = program.command('proof').description('proof of delivery (Zustellnachweis) of a message or a Vorgang');
  proof
    .command('get <id>')
    .description('download the proof bundle (JSON) or the printable page (HTML) of a message, or of a Vorgang with --vorgang')
    .option('--vorgang', '<id> is a Vorgang id')
    .option('--format <format>', 'json or html', 'json')
    .requiredOption('-o, --out <file>', 'where to write it')
    .option('--url <url>', 'gateway base URL')
    .action(async (id: string, o: { vorgang?: boolean; format: string; out: string; url?: string }) => {
      if (o.format !== 'json' && o.format !== 'html') throw new GatewayError('GW_BAD_REQUEST', '--format is json or html (the PDF is served at ?format=pdf)');
      const path = `/api/v1/${o.vorgang ? 'vorgaenge' : 'messages'}/${encodeURIComponent(id)}/proof?format=${o.format}`;
      const res = await api<unknown>(gatewayUrl(o.url), 'GET', path);
      await writeFile(o.out, typeof res.body === 'string' ? res.body : JSON.stringify(res.body, null, 2));
      console.log(`wrote ${o.out}`);
    });
  proof
    .command('verify <bundle>')
    .description('verify a proof bundle offline: signatures, digest, histories, audit entries (exit 1 when it does not verify)')
    .option('--jwks <file>', 'the gateway\'s public JWKS saved earlier (/.well-known/jwks.json): signatures must verify against it')
    .option('--json', 'print the verdict as JSON')
    .action(async (file: string, o: { jwks?: string; json?: boolean }) => {
      const { verifyProofBundle, formatVerdict } = await import('../reports/proof-verify.js');
      const parse = async (f: string, what: string): Promise<unknown> => {
        try {
          return JSON.parse(await readFile(f, 'utf8')) as unknown;
        } catch (cause) {
          throw new GatewayError('GW_PROOF_INVALID', `${what} ${f} cannot be read as JSON: ${(cause as Error).message}`, { cause });
        }
      };
      const jwks = o.jwks === undefined ? undefined : ((await parse(o.jwks, 'JWKS')) as { keys?: JWK[] });
      if (jwks !== undefined && !Array.isArray(jwks.keys)) throw new GatewayError('GW_PROOF_INVALID', `${o.jwks} is not a JWK Set (no "keys" list)`);
      const verdict = await verifyProofBundle(await parse(file, 'bundle'), jwks ? { jwks: { keys: jwks.keys! } } : {});
      console.log(o.json ? JSON.stringify(verdict, null, 2) : formatVerdict(verdict));
      process.exitCode = verdict.ok ? 0 : 1;
    });
}
