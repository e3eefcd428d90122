import { stringify } from 'csv-stringify/sync';
import type { GatewayConfig } from '../config/schema.js';
import { serviceOfMessage } from '../auth/ownership.js';
import type { ReportStore } from '../store/contracts.js';
import { caseDefinition } from './hops.js';
import { REPORT_TIME_ZONE, type Period } from './period.js';

/** One line of the usage report: what one municipality used of one service in the period. */
export interface UsageRow {
  /** `YYYY-MM`, or `<from>/<to>` (ISO) for a period that is not a calendar month. */
  period: string;
  ags: string;
  municipality: string | null;
  /** Service id; empty for messages of no configured service. */
  service: string;
  casesOpened: number;
  messages: number;
  payloadBytes: number;
  attachmentBytes: number;
  /** payloadBytes + attachmentBytes. */
  bytes: number;
}

export interface UsageReport {
  period: { from: string; to: string; month: string | null; timeZone: string };
  scope: string[] | 'all';
  items: UsageRow[];
}

/** The CSV columns, in order (docs/reports.md). A header line names them. */
export const USAGE_CSV_COLUMNS = ['period', 'ags', 'municipality', 'service', 'cases_opened', 'messages', 'payload_bytes', 'attachment_bytes', 'bytes'] as const;

/**
 * Usage per municipality and service for a period, summed in SQL (messages and bytes stored
 * in the period; cases = opening messages). The basis for sharing the ZSA's costs among the
 * municipalities; rows sorted by AGS, then service.
 */
export async function computeUsage(cfg: GatewayConfig, store: ReportStore, period: Period, ags?: readonly string[]): Promise<UsageReport> {
  const opening = new Set(caseDefinition(cfg).openingRoutes);
  const label = period.month ?? `${period.from.toISOString()}/${period.to.toISOString()}`;
  const rows = new Map<string, UsageRow>();
  for (const u of await store.reportUsage({ from: period.from, to: period.to, ...(ags === undefined ? {} : { ags }) })) {
    const service = serviceOfMessage(cfg, u)?.id ?? '';
    const key = `${u.ags}\u0000${service}`;
    const r = rows.get(key) ?? { period: label, ags: u.ags, municipality: cfg.municipalities.find((m) => m.ags === u.ags)?.name ?? null, service, casesOpened: 0, messages: 0, payloadBytes: 0, attachmentBytes: 0, bytes: 0 };
    if (opening.has(u.routeName)) r.casesOpened += u.messages;
    r.messages += u.messages;
    r.payloadBytes += u.payloadBytes;
    r.attachmentBytes += u.attachmentBytes;
    r.bytes = r.payloadBytes + r.attachmentBytes;
    rows.set(key, r);
  }
  const items = [...rows.values()].sort((a, b) => a.ags.localeCompare(b.ags) || a.service.localeCompare(b.service));
  return { period: { from: period.from.toISOString(), to: period.to.toISOString(), month: period.month, timeZone: REPORT_TIME_ZONE }, scope: ags === undefined ? 'all' : [...ags], items };
}

/** RFC 4180 CSV (comma, CRLF, header line) of the usage rows. */
export function usageCsv(r: UsageReport): string {
  return stringify(
    r.items.map((x) => [x.period, x.ags, x.municipality ?? '', x.service, x.casesOpened, x.messages, x.payloadBytes, x.attachmentBytes, x.bytes]),
    { header: true, columns: [...USAGE_CSV_COLUMNS], record_delimiter: 'windows' },
  );
}
