import { HOUR, MIN, seedClosedEvent, seedMessages, type SeedMessage } from './seed.js';

/**
 * November 2026 (German time: 2026-10-31T23:00Z to 2026-11-30T23:00Z) in three
 * municipalities, with durations chosen so medians and p90 can be checked by hand
 * (docs/reports.md, nearest rank). AGS of the demo configuration (Destatis keys):
 * Magdeburg 15003000 (Hund delegated e2e), Halle 15002000 (none), Wittenberg 15091000 (Wohngeld step).
 */
const MD = '15003000';
const HAL = '15002000';
const WB = '15091000';
const HUND = '99102013104000';
const WOHNGELD = '99107023037000';
const B = Date.parse('2026-11-02T08:00:00Z');
const at = (ms: number) => new Date(ms).toISOString();

/** A Magdeburg Hund case: application to the ZSA, draft to the Fachverfahren 1 h later (delivered after 5 s), release `releaseAfter` later, delivered `toCitizen` later. */
function mdCase(n: number, opened: number, createdBefore: number, toZsa: number, release?: { after: number; toCitizen: number }): SeedMessage[] {
  const v = `md-hund-${n}`;
  const out: SeedMessage[] = [
    { id: `${v}-a`, vorgang: v, type: 'hund.anmeldung.0101', route: 'hund-anmeldung', ags: MD, leika: HUND, endpoint: 'zsa-hund', received: at(opened), createdBefore, deliveredAfter: toZsa, attachmentSizes: [500] },
  ];
  if (release) {
    const draft = opened + HOUR;
    out.push({ id: `${v}-d`, vorgang: v, type: 'hund.steuerfestsetzung.0102', route: 'hund-steuerfestsetzung', ags: MD, leika: HUND, endpoint: 'fv-15003000-hund', received: at(draft), deliveredAfter: 5000, author: 'zsa:lsa', reader: 'ags:15003000' });
    out.push({ id: `${v}-f`, vorgang: v, type: 'hund.freigabe.0103', route: 'hund-freigabe', ags: MD, leika: HUND, endpoint: 'efa-hund-lsa', received: at(draft + 5000 + release.after), deliveredAfter: release.toCitizen, author: 'ags:15003000', reader: 'efa:hund-lsa' });
  }
  return out;
}

export const SCENARIO: SeedMessage[] = [
  ...mdCase(1, B, 2000, 1000, { after: 60 * MIN, toCitizen: 3000 }),
  ...mdCase(2, B + 24 * HOUR, 500, 4000, { after: 30 * MIN, toCitizen: 1000 }),
  ...mdCase(3, B + 48 * HOUR, 8000, 2000, { after: 120 * MIN, toCitizen: 7000 }),
  ...mdCase(4, B + 72 * HOUR, 1000, 10000),
  // opened in October, closed in November
  { id: 'md-hund-0-a', vorgang: 'md-hund-0', type: 'hund.anmeldung.0101', route: 'hund-anmeldung', ags: MD, leika: HUND, endpoint: 'zsa-hund', received: '2026-10-20T08:00:00.000Z', deliveredAfter: 1000 },
  { id: 'md-hund-0-d', vorgang: 'md-hund-0', type: 'hund.steuerfestsetzung.0102', route: 'hund-steuerfestsetzung', ags: MD, leika: HUND, endpoint: 'fv-15003000-hund', received: '2026-11-05T10:00:00.000Z', deliveredAfter: 5000, author: 'zsa:lsa', reader: 'ags:15003000' },
  { id: 'md-hund-0-f', vorgang: 'md-hund-0', type: 'hund.freigabe.0103', route: 'hund-freigabe', ags: MD, leika: HUND, endpoint: 'efa-hund-lsa', received: at(Date.parse('2026-11-05T10:00:00.000Z') + 5000 + 90 * MIN), deliveredAfter: 4000, author: 'ags:15003000', reader: 'efa:hund-lsa' },
  // stored in December: outside
  { id: 'md-hund-5-a', vorgang: 'md-hund-5', type: 'hund.anmeldung.0101', route: 'hund-anmeldung', ags: MD, leika: HUND, endpoint: 'zsa-hund', received: '2026-12-01T08:00:00.000Z', deliveredAfter: 1000 },
  // Halle keeps Hund: to its Fachverfahren. 23:30Z on 31 Oct is 00:30 on 1 Nov in German time (in November); 22:30Z is still October.
  { id: 'hal-hund-0-a', vorgang: 'hal-hund-0', type: 'hund.anmeldung.0101', route: 'hund-anmeldung', ags: HAL, leika: HUND, endpoint: 'fv-15002000-hund', received: '2026-10-31T22:30:00.000Z', deliveredAfter: 1500, reader: 'ags:15002000' },
  { id: 'hal-hund-1-a', vorgang: 'hal-hund-1', type: 'hund.anmeldung.0101', route: 'hund-anmeldung', ags: HAL, leika: HUND, endpoint: 'fv-15002000-hund', received: '2026-10-31T23:30:00.000Z', deliveredAfter: 1500, reader: 'ags:15002000' },
  { id: 'hal-hund-2-a', vorgang: 'hal-hund-2', type: 'hund.anmeldung.0101', route: 'hund-anmeldung', ags: HAL, leika: HUND, endpoint: 'fv-15002000-hund', received: '2026-11-10T09:00:00.000Z', deliveredAfter: 1500, reader: 'ags:15002000', size: 2500 },
  // Wittenberg: one Nachforderung unanswered (overdue), one case closed as incomplete by its deadline
  { id: 'wb-wg-1-a', vorgang: 'wb-wg-1', type: 'wohngeld.antrag.0201', route: 'wohngeld-antrag', ags: WB, leika: WOHNGELD, endpoint: 'zsa-wohngeld', received: '2026-11-03T08:00:00.000Z', deliveredAfter: 1000, author: 'efa:wohngeld-lsa' },
  { id: 'wb-wg-1-n', vorgang: 'wb-wg-1', type: 'wohngeld.nachforderung.0203', route: 'wohngeld-nachforderung', ags: WB, leika: WOHNGELD, endpoint: 'efa-wohngeld-lsa', received: '2026-11-04T08:00:00.000Z', deliveredAfter: 1000, author: 'zsa:lsa', reader: 'efa:wohngeld-lsa' },
  { id: 'wb-wg-2-a', vorgang: 'wb-wg-2', type: 'wohngeld.antrag.0201', route: 'wohngeld-antrag', ags: WB, leika: WOHNGELD, endpoint: 'zsa-wohngeld', received: '2026-11-01T08:00:00.000Z', deliveredAfter: 1000, author: 'efa:wohngeld-lsa' },
  { id: 'wb-wg-2-n', vorgang: 'wb-wg-2', type: 'wohngeld.nachforderung.0203', route: 'wohngeld-nachforderung', ags: WB, leika: WOHNGELD, endpoint: 'efa-wohngeld-lsa', received: '2026-11-01T09:00:00.000Z', deliveredAfter: 1000, author: 'zsa:lsa', reader: 'efa:wohngeld-lsa' },
];

/** The reference time of the figures' deadline snapshot. */
export const AS_OF = new Date('2026-12-02T00:00:00Z');

export function seedScenario(dbPath: string): void {
  seedMessages(dbPath, SCENARIO);
  seedClosedEvent(dbPath, 'wb-wg-2', 'wb-wg-2-n', '2026-11-29T09:00:00.000Z');
}
