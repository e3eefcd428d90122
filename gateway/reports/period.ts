import { GatewayError } from '../errors.js';

/** Months of the reports are calendar months in German time (ADR 0031). */
export const REPORT_TIME_ZONE = 'Europe/Berlin';

export interface Period {
  from: Date;
  to: Date;
  /** `YYYY-MM` when the period is a calendar month. */
  month: string | null;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DAY = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Minutes east of UTC of the German time zone at `at`. */
function offsetMinutes(at: Date): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: REPORT_TIME_ZONE, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** Midnight at the start of day `d` of month `m` (1-12) of `y`, German time. No change of summer time happens at midnight. */
function germanMidnight(y: number, m: number, d: number): Date {
  const utc = Date.UTC(y, m - 1, d);
  return new Date(utc - offsetMinutes(new Date(utc)) * 60_000);
}

/** `2026-11` → [2026-11-01 00:00, 2026-12-01 00:00) German time. Throws GW_BAD_REQUEST naming `where`. */
export function monthPeriod(month: string, where = 'query.month'): Period {
  const m = MONTH.exec(month);
  if (!m) throw new GatewayError('GW_BAD_REQUEST', `${where} must be a month written YYYY-MM, e.g. 2026-11`, { issues: [{ message: 'not a month YYYY-MM', path: where }] });
  const y = Number(m[1]);
  const mo = Number(m[2]);
  return { from: germanMidnight(y, mo, 1), to: mo === 12 ? germanMidnight(y + 1, 1, 1) : germanMidnight(y, mo + 1, 1), month };
}

function instant(text: string, where: string): Date {
  if (!DAY.test(text)) throw new GatewayError('GW_BAD_REQUEST', `${where} must be a date (YYYY-MM-DD, German time) or an ISO 8601 time with offset`, { issues: [{ message: 'not a date', path: where }] });
  const d = text.length === 10 ? germanMidnight(Number(text.slice(0, 4)), Number(text.slice(5, 7)), Number(text.slice(8, 10))) : new Date(text);
  if (Number.isNaN(d.getTime()) || (text.length === 10 && d.toISOString().slice(0, 7) < '1970')) throw new GatewayError('GW_BAD_REQUEST', `${where} is not a valid date`, { issues: [{ message: 'invalid date', path: where }] });
  return d;
}

const MAX_PERIOD_MS = 366 * 86_400_000;

/**
 * The period of a report request: `month`, or `from` and `to` (to exclusive; a date means
 * midnight German time). Exactly one form; at most 366 days. Throws GW_BAD_REQUEST.
 */
export function parsePeriod(q: { month?: string; from?: string; to?: string }): Period {
  if (q.month !== undefined) {
    if (q.from !== undefined || q.to !== undefined) throw new GatewayError('GW_BAD_REQUEST', 'give either month or from and to, not both', { issues: [{ message: 'month with from/to', path: 'query.month' }] });
    return monthPeriod(q.month);
  }
  if (q.from === undefined || q.to === undefined) throw new GatewayError('GW_BAD_REQUEST', 'a report needs month=YYYY-MM or both from and to', { issues: [{ message: 'no period', path: 'query.month' }] });
  const from = instant(q.from, 'query.from');
  const to = instant(q.to, 'query.to');
  if (to.getTime() <= from.getTime()) throw new GatewayError('GW_BAD_REQUEST', 'to must be later than from', { issues: [{ message: 'empty period', path: 'query.to' }] });
  if (to.getTime() - from.getTime() > MAX_PERIOD_MS) throw new GatewayError('GW_BAD_REQUEST', 'a report covers at most 366 days', { issues: [{ message: 'period too long', path: 'query.to' }] });
  return { from, to, month: null };
}
