/**
 * SIMULATOR — a ZSA clerk worker, not real casework. It pulls the ZSA's two work queues
 * (pull mailboxes `zsa-hund`, `zsa-wohngeld`: fetch, then ack) and applies simple, visible rules:
 * - Hund: a draft tax assessment (hund.steuerfestsetzung.0102) from the municipality's rates
 *   (rates.ts) by the rules in dog-tax.ts, sent to the municipality's Fachverfahren for release
 *   (the ZSA is Verwaltungshelfer: the Bescheid stays the municipality's), with the payment way
 *   the citizen chose noted for the Bescheid (bescheid.ts `zahlweiseNote`). A further dog is
 *   recognised by the clerk's own register of keepers it has drafted for in the municipality.
 * - Wohngeld: the completeness check (completeness.ts). Missing evidence → a Nachforderung
 *   (to the Fachverfahren under backoffice/prozessschritt, which sends it on to the citizen;
 *   to the citizen under e2e — the routes in demo.yaml decide); each Nachreichung joins the
 *   Vorgang and the check repeats; complete → the case file (wohngeld.weiterleitung.0205)
 *   to the municipality's Fachverfahren.
 */
import { pollMailbox, type MailboxItem } from '../client.js';
import { formatOf } from '../tracker.js';
import { nachforderung, steuerfestsetzung, textOf, weiterleitung, type Evidence } from '../xzsa.js';
import { EVIDENCE_NAMES, missingEvidence } from './completeness.js';
import { isoDay, municipalityOf, type SimContext, type Simulator } from './context.js';
import { draftAssessment } from './dog-tax.js';
import { ratesFor } from './rates.js';
import { maskIban, zahlweiseNote, type Lastschrift } from './bescheid.js';

/** The SEPA mandate of an Anmeldung, masked for the draft's payment note (the draft has no payment element: ADR 0024). */
function mandateIn(xml: string): Lastschrift | undefined {
  const ref = textOf(xml, 'mandatsreferenz');
  const iban = textOf(xml, 'iban');
  return ref && iban ? { mandatsreferenz: ref, ibanMaskiert: maskIban(iban) } : undefined;
}

interface WohngeldFile {
  antragUuid: string;
  incomeCodes: string[];
  evidence: Evidence[];
  nachreichungen: string[];
}

/** Evidence entries (Nachweisart code, file name) of an XZSA Antrag or Nachreichung. */
export function evidenceIn(xml: string): Evidence[] {
  return [...xml.matchAll(/<(?:\w+:)?nachweis>([\s\S]*?)<\/(?:\w+:)?nachweis>/g)].map((m) => {
    const block = m[1] ?? '';
    const sha512 = textOf(block, 'sha512');
    const groesse = Number(textOf(block, 'groesse'));
    return { art: /<code>(\d+)<\/code>/.exec(block)?.[1] ?? '99', dateiname: textOf(block, 'dateiname') ?? 'nachweis.pdf', ...(sha512 ? { sha512 } : {}), ...(Number.isInteger(groesse) && groesse > 0 ? { groesse } : {}) };
  });
}

/** The reduction request the EfA form mapping writes into `bemerkung`, if any. */
export function reductionIn(bemerkung: string | undefined): { kind: string; evidence: string[] } | undefined {
  const m = /Ermäßigung\/Befreiung beantragt: (.+?) \(Nachweise: ([^)]*)\)/.exec(bemerkung ?? '');
  if (!m) return undefined;
  return { kind: m[1] ?? '', evidence: (m[2] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '') };
}

export class ZsaClerkSimulator implements Simulator {
  readonly name = 'ZSA clerk (simulator)';
  /** Dogs drafted per keeper (AGS, name, birth date): the further-dog rule. */
  private readonly register = new Map<string, number>();
  private readonly files = new Map<string, WohngeldFile>();
  private loops: Promise<void>[] = [];

  constructor(private readonly ctx: SimContext) {}

  async start(): Promise<void> {
    const onError = (err: unknown) => this.ctx.warn(`ZSA clerk simulator: ${String(err)}`);
    this.loops = [
      pollMailbox(this.ctx.client, 'zsa-hund', (i) => this.onHund(i), { signal: this.ctx.signal, onError, workers: 3 }),
      pollMailbox(this.ctx.client, 'zsa-wohngeld', (i) => this.onWohngeld(i), { signal: this.ctx.signal, onError, workers: 3 }),
    ];
  }

  async stop(): Promise<void> {
    await Promise.all(this.loops);
  }

  /** Anything else in a ZSA queue (an Abmeldung, a Nachreichung for a file the clerk does not hold): said, then acknowledged. */
  private unexpected(item: MailboxItem): void {
    this.ctx.warn(`ZSA clerk simulator: no rule for ${item.messageType} in Vorgang ${item.vorgangId}, acknowledged without action`);
  }

  private async onHund(item: MailboxItem): Promise<void> {
    if (item.messageType !== 'hund.anmeldung.0101') return this.unexpected(item);
    const xml = item.body.toString('utf8');
    const ags = textOf(xml, 'ags') ?? '';
    const m = municipalityOf(this.ctx, ags);
    this.ctx.tracker.hop(item.vorgangId, { from: 'EfA Hund', to: 'ZSA clerk', messageType: item.messageType, format: formatOf(item.form) });
    const keeperKey = [ags, textOf(xml, 'vorname'), textOf(xml, 'familienname'), textOf(xml, 'geburtsdatum')].join('|');
    const kept = this.register.get(keeperKey) ?? 0;
    this.register.set(keeperKey, kept + 1);
    const kategorie = /<(?:\w+:)?kategorie[^>]*>\s*<code>(\d+)<\/code>/.exec(xml)?.[1] ?? '01';
    const bemerkung = textOf(xml, 'bemerkung');
    const reduction = reductionIn(bemerkung);
    const start = textOf(xml, 'haltungsbeginn') ?? textOf(xml, 'beginnHaltung') ?? isoDay();
    const draft = draftAssessment(ratesFor(ags), { start, dangerous: kategorie !== '01', dogsAlreadyKept: kept, ...(reduction ? { reduction } : {}) });
    const head = { uuid: this.ctx.rng.uuid(), vorgangId: item.vorgangId, leika: textOf(xml, 'leikaSchluessel') ?? '', ags, author: 'zsa:lsa', reader: `fv:${m.ags}-hund` };
    const body = steuerfestsetzung(head, { anmeldungUuid: item.messageUuid, jahresbetrag: draft.jahresbetrag, festsetzungAb: draft.festsetzungAb, instalments: draft.instalments, bemerkung: `Entwurf (ZSA, Demo): ${draft.notes.join('; ')} ${zahlweiseNote(mandateIn(xml))}` });
    await this.ctx.client.submit(body, 'application/xml');
  }

  private async onWohngeld(item: MailboxItem): Promise<void> {
    const xml = item.body.toString('utf8');
    const ags = textOf(xml, 'ags') ?? '';
    const m = municipalityOf(this.ctx, ags);
    let file = this.files.get(item.vorgangId);
    if (item.messageType === 'wohngeld.antrag.0201') {
      this.ctx.tracker.hop(item.vorgangId, { from: 'EfA Wohngeld', to: 'ZSA clerk', messageType: item.messageType, format: formatOf(item.form) });
      const incomeCodes = [...xml.matchAll(/<(?:\w+:)?einkommen>\s*<(?:\w+:)?art[^>]*>\s*<code>(\d+)<\/code>/g)].map((x) => x[1] ?? '99');
      file = { antragUuid: item.messageUuid, incomeCodes, evidence: evidenceIn(xml), nachreichungen: [] };
      this.files.set(item.vorgangId, file);
    } else if (item.messageType === 'wohngeld.nachreichung.0204' && file) {
      this.ctx.tracker.hop(item.vorgangId, { from: 'EfA Wohngeld', to: 'ZSA clerk', messageType: item.messageType, format: formatOf(item.form) });
      file.evidence.push(...evidenceIn(xml));
      file.nachreichungen.push(item.messageUuid);
    } else return this.unexpected(item);
    const head = { uuid: this.ctx.rng.uuid(), vorgangId: item.vorgangId, leika: textOf(xml, 'leikaSchluessel') ?? '', ags, author: 'zsa:lsa' };
    const missing = missingEvidence(file.incomeCodes, file.evidence.map((e) => e.art));
    if (missing.length > 0) {
      this.ctx.tracker.nachforderung(item.vorgangId);
      const reader = m.delegation.wohngeld === 'e2e' ? 'efa:wohngeld-lsa' : `fv:${m.ags}-wohngeld`;
      const missingList = missing.map((art) => ({ art, beschreibung: EVIDENCE_NAMES[art] ?? 'weiterer Nachweis' }));
      await this.ctx.client.submit(nachforderung({ ...head, reader }, { antragUuid: file.antragUuid, missing: missingList, frist: isoDay(14) }), 'application/xml');
      return;
    }
    this.files.delete(item.vorgangId);
    await this.ctx.client.submit(weiterleitung({ ...head, reader: `fv:${m.ags}-wohngeld` }, { antragUuid: file.antragUuid, nachreichungUuids: file.nachreichungen, evidence: file.evidence }), 'application/xml');
  }
}
