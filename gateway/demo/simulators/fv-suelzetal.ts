/**
 * SIMULATOR — the on-prem Hundesteuer Fachverfahren of the Gemeinde Sülzetal (AGS 15083490),
 * not a real system; its only interface is a file drop. Sülzetal delegates Hundehaltung (e2e):
 * it gets the ZSA's draft as HST-ENTWURF CSV (xzsa-steuerfestsetzung-to-fv-csv), one record per
 * instalment, imports it and answers with one HST-RUECK CSV file (FEST, sometimes AEND) in its
 * outgoing directory, which the demo's answer collector maps (fv-csv-to-xzsa) and submits.
 *
 * The gateway has no file-drop egress connector yet, so the draft reaches the drop through the
 * endpoint's pull mailbox: this simulator fetches it and writes it into `<drop>/eingang` the
 * way a file drop must (`.<name>.part`, fsync, rename; names unique per message), then reads
 * the file back from there. Files stay in `eingang` as the proof of the drop.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { DialectAnswerCollector } from '../answers.js';
import { pollMailbox, type MailboxItem } from '../client.js';
import { formatOf } from '../tracker.js';
import { municipalityOf, type SimContext, type Simulator } from './context.js';
import type { Received } from './fv-wohngeld.js';

export const SUELZETAL = '15083490';

const RUECK_COLUMNS = ['SATZART', 'ANTWORT_ID', 'VORGANG_ID', 'BEZUG_ID', 'EMPFAENGER', 'AGS', 'LEIKA', 'ERSTELLT', 'STATUS', 'KASSENZEICHEN', 'BESCHEIDDATUM', 'JAHRESSTEUER', 'GRUND', 'GRUNDTEXT', 'SACHBEARBEITUNG', 'DIENSTSTELLE'];

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
  private kassenzeichen = 0;

  constructor(private readonly ctx: SimContext, readonly dropDir: string, private readonly answers: DialectAnswerCollector) {}

  async start(): Promise<void> {
    const m = municipalityOf(this.ctx, SUELZETAL);
    const onError = (err: unknown) => this.ctx.warn(`Sülzetal simulator: ${String(err)}`);
    this.loops = [pollMailbox(this.ctx.client, m.endpoints.hund ?? 'fv-15083490-hund', (i) => this.onItem(i), { signal: this.ctx.signal, onError })];
  }

  async stop(): Promise<void> {
    await Promise.all(this.loops);
  }

  private async onItem(item: MailboxItem): Promise<void> {
    const format = formatOf(item.form);
    const file = await dropFile(join(this.dropDir, 'eingang'), `${item.messageType}-${item.messageUuid}.csv`, item.body);
    const rows = parse(await readFile(file), { delimiter: ';', columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
    const first = rows[0];
    const readable = first !== undefined && first['VORGANG_ID'] === item.vorgangId;
    this.received.push({ messageType: item.messageType, format, readable });
    this.ctx.tracker.hop(item.vorgangId, { from: item.messageType === 'hund.steuerfestsetzung.0102' ? 'ZSA clerk' : 'EfA Hund', to: 'FV Sülzetal', messageType: item.messageType, format });
    if (!first || first['SATZART'] !== 'EF') return; // only drafts are answered here
    this.kassenzeichen += 1;
    const now = new Date();
    const aend = this.ctx.rng.chance(0.1);
    const annual = Number((first['JAHRESBETRAG'] ?? '0').replace(',', '.'));
    const answer = {
      SATZART: 'RM', ANTWORT_ID: this.ctx.rng.uuid(), VORGANG_ID: first['VORGANG_ID'], BEZUG_ID: first['NACHRICHT_ID'], EMPFAENGER: 'efa:hund-lsa',
      AGS: first['AGS'], LEIKA: first['LEIKA'], ERSTELLT: `${de(now)} ${String(now.getHours()).padStart(2, '0')}:${String(now.getMinutes()).padStart(2, '0')}`,
      STATUS: aend ? 'AEND' : 'FEST', KASSENZEICHEN: `HST-SUE-${now.getFullYear()}-${String(this.kassenzeichen).padStart(5, '0')}`, BESCHEIDDATUM: de(now),
      JAHRESSTEUER: aend ? (annual / 2).toFixed(2).replace('.', ',') : '', GRUND: '', GRUNDTEXT: '',
      SACHBEARBEITUNG: 'Demo-Sachbearbeitung Steuern', DIENSTSTELLE: 'Gemeinde Sülzetal, Steuern und Abgaben (Demo)',
    };
    const csv = stringify([answer], { header: true, columns: RUECK_COLUMNS, delimiter: ';', record_delimiter: 'unix' });
    const out = await dropFile(join(this.dropDir, 'ausgang'), `HST-RUECK-${answer.ANTWORT_ID}.csv`, csv);
    await this.answers.collect('fv-csv-to-xzsa', out);
  }
}
