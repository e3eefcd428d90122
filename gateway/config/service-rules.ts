import { z } from 'zod';

/**
 * Per-service rules of the case flow (ADR 0023): the evidence cross-check, deadlines, and
 * values that must agree with an earlier message of the Vorgang (ADR 0024).
 * Kept apart from schema.ts so the services section stays readable.
 */

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 } as const;
/**
 * `30d`, `12h`, `45m`, `90s` (days, hours, minutes, seconds) → milliseconds. A number is
 * taken as milliseconds, so a validated configuration validates again unchanged.
 */
export const DURATION = z.union([
  z.number().int().min(1000).max(3_650 * 86_400_000),
  z
    .string()
    .regex(/^[1-9]\d{0,5}[dhms]$/, 'a duration is a number and a unit: 14d, 12h, 30m or 90s')
    .transform((v) => Number(v.slice(0, -1)) * UNIT_MS[v.slice(-1) as keyof typeof UNIT_MS]),
]);

/** A path of element local names, `/`-separated, e.g. `nachweise/nachweis`. */
const LOCAL_PATH = z.string().regex(/^[A-Za-z_][\w.-]*(\/[A-Za-z_][\w.-]*)*$/, 'element local names separated by /, e.g. nachweise/nachweis');

export const evidenceSchema = z
  .object({
    item: LOCAL_PATH.describe('Path of one evidence entry below the root element, by element local names (any namespace), e.g. `nachweise/nachweis`.'),
    sha512: LOCAL_PATH.describe('Path of the entry\'s sha512 (hex) below the entry, e.g. `sha512`.'),
    size: LOCAL_PATH.optional().describe('Path of the entry\'s size in bytes below the entry, e.g. `groesse`; when the entry has it, it must equal the attachment\'s size.'),
  })
  .strict();

export const caseMatchSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'lower-case letters, digits, . and -').describe('Name of the check; a refusal names the rule `case.<id>`.'),
    message: z.string().min(1).describe('Message type the check applies to, e.g. `hund.freigabe.0103`.'),
    path: LOCAL_PATH.describe('The value in that message, by element local names below the root, e.g. `bescheid/zahlung/lastschrift/mandatsreferenz`. A message without it passes.'),
    earlier: z.string().min(1).describe('Message type in the same Vorgang the value must come from (its latest), e.g. `hund.anmeldung.0101`.'),
    earlierPath: LOCAL_PATH.describe('The value there, e.g. `sepaMandat/mandatsreferenz`; the message is refused when it differs or the earlier message gives none.'),
  })
  .strict();

export const deadlineSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and -').describe('Name of the deadline (in case events, logs and the notice), e.g. `nachreichung`.'),
    after: z.array(z.string().min(1)).min(1).describe('Message types whose delivery starts the deadline, e.g. `wohngeld.nachforderung.0203`. A newer one of them restarts it.'),
    until: z.array(z.string().min(1)).min(1).describe('Message types that answer it, e.g. `wohngeld.nachreichung.0204`: once one follows, the deadline is met.'),
    remindAfter: DURATION.describe('After this time (from delivery) a `reminder` case event is raised: a number and a unit (`14d`, `12h`, `30m`, `90s`) or milliseconds.'),
    closeAfter: DURATION.describe('After this time (same units; longer than `remindAfter`) the Vorgang is closed as incomplete (`closed` case event) and the municipality\'s Fachverfahren gets a gateway.fehler.0902 with problem code GW_VORGANG_CLOSED.'),
  })
  .strict()
  .refine((d) => d.closeAfter > d.remindAfter, { message: 'closeAfter must be longer than remindAfter', path: ['closeAfter'] });

export const deadlineWatcherSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Run the deadline watcher in this instance. Several instances may run it: each event is recorded once.'),
    intervalMs: z.number().int().min(1000).max(86_400_000).default(60_000).describe('How often the watcher looks for deadlines that ran out.'),
    kennung: z.string().min(3).default('gw:zsa-gateway').describe('The gateway\'s own kennung, author of the notices it writes (gateway.fehler.0902).'),
  })
  .strict();

export type EvidenceConfig = z.output<typeof evidenceSchema>;
export type DeadlineConfig = z.output<typeof deadlineSchema>;
export type CaseMatchConfig = z.output<typeof caseMatchSchema>;
export type DeadlineWatcherConfig = z.output<typeof deadlineWatcherSchema>;
