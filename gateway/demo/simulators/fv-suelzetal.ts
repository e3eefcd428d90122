/**
 * SIMULATOR — the on-prem Hundesteuer Fachverfahren of the Gemeinde Sülzetal (AGS 15083490),
 * not a real system; its only interface is a file drop. Sülzetal delegates Hundehaltung (e2e):
 * the gateway's `filedrop` connector writes the ZSA's draft as an HST-ENTWURF CSV file
 * (xzsa-steuerfestsetzung-to-fv-csv, one record per instalment) into `<drop>/eingang`; this
 * simulator polls that directory like an import job (complete files only: no dot files),
 * imports each file once and answers with one HST-RUECK 2 CSV file (FEST, sometimes AEND; one
 * record per instalment of the Bescheid's payment plan) and the Bescheid's PDF beside it in
 * `<drop>/ausgang`, and posts both as they are (the gateway maps HST-RUECK at ingress,
 * fv-csv-to-xzsa, the PDF as attachment; ADR 0024, 0025).
 * Imported files stay in `eingang` as the proof of the drop. Should Sülzetal stop delegating
 * while the demo runs, it gets the application as HST-IMPORT (xzsa-to-fv-csv) and decides it
 * itself, by the demo rules (dog-tax.ts) with its rates, answering with the same HST-RUECK 2.
 */
import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { submitDialectFile } from '../dialect-submit.js';
import { sleep } from '../client.js';
import { municipalityOf, type Received, type SimContext, type Simulator } from './context.js';
import { issueBescheid, maskIban, OwnAssessment, zahlweiseFromNote, type Decision } from './bescheid.js';

export const SUELZETAL = '15083490';

const RUECK_COLUMNS = ['SATZART', 'ANTWORT_ID', 'VORGANG_ID', 'BEZUG_ID', 'EMPFAENGER', 'AGS', 'LEIKA', 'ERSTELLT', 'STATUS', 'KASSENZEICHEN', 'BESCHEIDDATUM', 'JAHRESSTEUER', 'GRUND', 'GRUNDTEXT', 'SACHBEARBEITUNG', 'DIENSTSTELLE',
  'FESTSETZUNG_AB', 'FESTGESETZT', 'EPAY_REF', 'MANDATSREF', 'IBAN_MASKIERT', 'DATEI', 'SHA512', 'GROESSE', 'FAELLIG_AM', 'RATENBETRAG'];

/** Writes `data` as `dir/name` the file-drop way: `.<name>.part`, fsync, rename. */
export async function dropFile(dir: string, name: string, data: Buffer | string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const part = join(dir, `.${name}.part`);
  const fh = await open(part, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  const final = join(dir, name);
  await rename(part, final);
  return final;
}

const de = (d: Date): string => `${String(d.getDate()).padStart(2, '0')}.${String(d.getMonth() + 1).padStart(2, '0')}.${d.getFullYear()}`;

export class SuelzetalFachverfahrenSimulator implements Simulator {
  readonly name = 'Fachverfahren Sülzetal, file drop (simulator)';
  readonly received: Received[] = [];
  private loops: Promise<void>[] = [];
  private readonly imported = new Set<string>();
  private kassenzeichen = 0;
  private readonly own = new OwnAssessment(SUELZETAL);

  constructor(private readonly ctx: SimContext, readonly dropDir: string) {}

  async start(): Promise<void> {
    municipalityOf(this.ctx, SUELZETAL);
    await mkdir(join(this.dropDir, 'eingang'), { recursive: true });
    this.loops = [this.importLoop()];
  }

  async stop(): Promise<void> {
    await Promise.all(this.loops);
  }

  /** The import job: every complete file in `eingang` once, oldest name first. */
  private async importLoop(): Promise<void> {
    const inbox = join(this.dropDir, 'eingang');
    while (!this.ctx.signal.aborted) {
      let files: string[] = [];
      try {
        files = (await readdir(inbox)).filter((f) => !f.startsWith('.') && f.endsWith('.csv') && !this.imported.has(f)).sort();
      } catch (err) {
        this.ctx.warn(`Sülzetal simulator: cannot read its drop directory: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      for (const f of files) {
        this.imported.add(f);
        await this.importFile(join(inbox, f), f).catch((err: unknown) => this.ctx.warn(`Sülzetal simulator: ${String(err)}`));
      }
      if (files.length === 0) await sleep(50, this.ctx.signal);
    }
  }

  private async importFile(file: string, name: string): Promise<void> {
    const messageType = /^(.+?)-[0-9a-f-]{36}-[A-Za-z0-9_-]+\.csv$/.exec(name)?.[1] ?? 'unknown'; // <messageType>-<gatewayId>-<messageUuid>.csv
    const format = 'HST CSV file';
    const rows = parse(await readFile(file), { delimiter: ';', columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
    const first = rows[0];
    const vorgangId = first?.['VORGANG_ID'] ?? '';
    const readable = first !== undefined && this.ctx.tracker.cases.has(vorgangId);
    this.received.push({ messageType, format, readable });
    this.ctx.tracker.hop(vorgangId, { from: messageType === 'hund.steuerfestsetzung.0102' ? 'ZSA clerk' : 'EfA Hund', to: 'FV Sülzetal', messageType, format });
    if (first === undefined) return;
    const iso = (d: string): string => d.split('.').reverse().join('-');
    const num = (a: string): string => a.replace(',', '.');
    if (first['SATZART'] === 'HA') {
      // An application (HST-IMPORT): Sülzetal does not delegate now and decides itself, by the demo rules.
      const own = this.own.assess([first['NAME'], first['VORNAME'], first['GEBURTSDATUM']].join('|'), { start: iso(first['HALTUNG_AB'] ?? ''), dangerous: first['STEUERKLASSE'] !== '1' });
      const mandat = first['MANDATSREFERENZ'] ?? '';
      await this.answer(first, false, {
        jahresbetrag: own.jahresbetrag, festsetzungAb: own.festsetzungAb, instalments: own.instalments,
        ...(mandat ? { lastschrift: { mandatsreferenz: mandat, ibanMaskiert: maskIban(first['IBAN'] ?? '') } } : {}),
        hund: first['HUND_NAME'] ?? '', empfaenger: { name: `${first['VORNAME'] ?? ''} ${first['NAME'] ?? ''}`, anschrift: [`${first['STRASSE'] ?? ''} ${first['HAUSNUMMER'] ?? ''}`, `${first['PLZ'] ?? ''} ${first['ORT'] ?? ''}`] },
      });
      return;
    }
    if (first['SATZART'] !== 'EF') {
      this.ctx.warn(`Sülzetal simulator: unknown record type in ${name}, not imported`);
      return;
    }
    // A ZSA draft (HST-ENTWURF): released, one in ten corrected (AEND).
    const aend = this.ctx.rng.chance(0.1);
    const lastschrift = zahlweiseFromNote(first['BEMERKUNG']);
    await this.answer(first, aend, {
      jahresbetrag: num(first['JAHRESBETRAG'] ?? '0'), festsetzungAb: iso(first['FESTSETZUNG_AB'] ?? ''),
      instalments: rows.map((r) => ({ datum: iso(r['FAELLIG_AM'] ?? ''), betrag: num(r['RATENBETRAG'] ?? '0') })),
      ...(aend ? { korrigiert: (Number(num(first['JAHRESBETRAG'] ?? '0')) / 2).toFixed(2) } : {}), ...(lastschrift ? { lastschrift } : {}),
    });
  }

  /**
   * Sülzetal's HST-RUECK 2 answer to the imported record `first` (an application or a draft: its
   * VORGANG_ID, NACHRICHT_ID, AGS and LEIKA are echoed), with the Bescheid's PDF beside it,
   * posted as it is (the gateway maps it, fv-csv-to-xzsa).
   */
  private async answer(first: Record<string, string>, aend: boolean, d: Pick<Decision, 'jahresbetrag' | 'festsetzungAb' | 'instalments' | 'korrigiert' | 'lastschrift' | 'hund' | 'empfaenger'>): Promise<void> {
    this.kassenzeichen += 1;
    const now = new Date();
    const iso = (x: string): string => x.split('.').reverse().join('-');
    const kz = `HST-SUE-${now.getFullYear()}-${String(this.kassenzeichen).padStart(5, '0')}`;
    const issuer = { gemeinde: 'Gemeinde Sülzetal', dienststelle: 'Steuern und Abgaben (Demo)', sachbearbeitung: 'Demo-Sachbearbeitung Steuern', ags: SUELZETAL };
    const { data, dokument } = await issueBescheid(issuer, { vorgangId: first['VORGANG_ID'] ?? '', bescheidnummer: kz, kassenzeichen: kz, bescheiddatum: iso(de(now)), ...d });
    const amount = (a: string): string => a.replace('.', ',');
    const germanIso = (x: string): string => x.split('-').reverse().join('.');
    const z = data.zahlung;
    const kase = {
      SATZART: 'RM', ANTWORT_ID: this.ctx.rng.uuid(), VORGANG_ID: first['VORGANG_ID'], BEZUG_ID: first['NACHRICHT_ID'], EMPFAENGER: 'efa:hund-lsa',
      AGS: first['AGS'], LEIKA: first['LEIKA'], ERSTELLT: `${de(now)} ${String(now.getHours()).padStart(2, '0')}:${String(now.getMinutes()).padStart(2, '0')}`,
      STATUS: aend ? 'AEND' : 'FEST', KASSENZEICHEN: kz, BESCHEIDDATUM: de(now),
      JAHRESSTEUER: amount(data.festsetzung.jahresbetrag), GRUND: '', GRUNDTEXT: '',
      SACHBEARBEITUNG: issuer.sachbearbeitung, DIENSTSTELLE: 'Gemeinde Sülzetal, Steuern und Abgaben (Demo)',
      FESTSETZUNG_AB: germanIso(data.festsetzung.festsetzungAb), FESTGESETZT: amount(data.festsetzung.betrag), EPAY_REF: z.ePaymentReferenz ?? '',
      MANDATSREF: z.lastschrift?.mandatsreferenz ?? '', IBAN_MASKIERT: z.lastschrift?.ibanMaskiert ?? '', DATEI: dokument.dateiname, SHA512: dokument.sha512, GROESSE: String(dokument.groesse),
    };
    // One record per instalment, the case columns repeated (HST-RUECK 2); the PDF first, so the answer never names a file not yet there.
    const records = z.faelligkeiten.map((r) => ({ ...kase, FAELLIG_AM: germanIso(r.datum), RATENBETRAG: amount(r.betrag) }));
    const outDir = join(this.dropDir, 'ausgang');
    const pdf = await dropFile(outDir, dokument.dateiname, dokument.bytes);
    const csv = stringify(records, { header: true, columns: RUECK_COLUMNS, delimiter: ';', record_delimiter: 'unix' });
    const out = await dropFile(outDir, `HST-RUECK-${kase.ANTWORT_ID}.csv`, csv);
    // posted as it is: the gateway maps HST-RUECK 2 at ingress (fv-csv-to-xzsa, ADR 0025)
    await submitDialectFile(this.ctx.client, out, 'text/csv', [pdf]);
  }
}
