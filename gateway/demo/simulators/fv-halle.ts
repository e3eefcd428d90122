/**
 * SIMULATOR — the on-prem Fachverfahren of the Stadt Halle (Saale) (AGS 15002000), not a real
 * system: it cannot be reached from outside, so it pulls its two mailboxes at the gateway
 * (fetch, then ack). Halle delegates neither service, so it gets the applications themselves:
 * Hund in its older XML dialect HSTX 2.3 (xzsa-to-fv-legacy-xml), Wohngeld as XZSA. It
 * decides a Hund application itself and answers in HSTX (HSTX_BESCHEID, mapped back by
 * fv-legacy-xml-to-xzsa to hund.freigabe.0103, its own Bescheid to the citizen: a
 * municipality that did not delegate needs no ZSA draft, ADR 0019), computing the tax by the
 * demo rules (dog-tax.ts) itself; when it delegates, it releases the ZSA's draft the same way.
 * Either way the Bescheid's PDF goes beside the answer and its payment plan into it (ADR 0024).
 */
import { submitWithFiles } from '../dialect-submit.js';
import { pollMailbox, type MailboxItem } from '../client.js';
import { esc, textOf } from '../xzsa.js';
import { formatOf } from '../tracker.js';
import { municipalityOf, type Received, type SimContext, type Simulator } from './context.js';
import { wohngeldAtFachverfahren } from './fv-wohngeld.js';
import { draftOf, issueBescheid, maskIban, OwnAssessment, type Decision } from './bescheid.js';

export const HALLE = '15002000';

export class HalleFachverfahrenSimulator implements Simulator {
  readonly name = 'Fachverfahren Halle (Saale), on-prem pull mailbox (simulator)';
  readonly received: Received[] = [];
  private loops: Promise<void>[] = [];

  private kassenzeichen = 0;
  private readonly own = new OwnAssessment(HALLE);

  constructor(private readonly ctx: SimContext) {}

  async start(): Promise<void> {
    const m = municipalityOf(this.ctx, HALLE);
    const onError = (err: unknown) => this.ctx.warn(`Halle simulator: ${String(err)}`);
    this.loops = [
      pollMailbox(this.ctx.client, m.endpoints.hund ?? 'fv-15002000-hund', (i) => this.onHund(i), { signal: this.ctx.signal, onError }),
      pollMailbox(this.ctx.client, m.endpoints.wohngeld ?? 'fv-15002000-wohngeld', async (i) => {
        const format = formatOf(i.form);
        const readable = await wohngeldAtFachverfahren(this.ctx, m, { vorgangId: i.vorgangId, messageType: i.messageType, xml: i.body.toString('utf8'), format });
        this.received.push({ messageType: i.messageType, format, readable });
      }, { signal: this.ctx.signal, onError }),
    ];
  }

  async stop(): Promise<void> {
    await Promise.all(this.loops);
  }

  private async onHund(item: MailboxItem): Promise<void> {
    if (item.messageType === 'hund.steuerfestsetzung.0102') return this.release(item);
    const xml = item.body.toString('utf8');
    const format = formatOf(item.form);
    // An HSTX_ANMELDUNG, read as the old system does (no namespace, upper-case names, VORGANGSNR in KOPF).
    const vorgang = /<HSTX_ANMELDUNG VERSION="2\.3">[\s\S]*<KOPF>[\s\S]*<VORGANGSNR>([^<]+)<\/VORGANGSNR>/.exec(xml)?.[1];
    this.received.push({ messageType: item.messageType, format, readable: vorgang === item.vorgangId });
    this.ctx.tracker.hop(item.vorgangId, { from: 'EfA Hund', to: 'FV Halle (Saale)', messageType: item.messageType, format });
    // decided by Halle itself, by the demo rules (dog-tax.ts) with the default rates; a further dog by its own register of keepers
    const el = (name: string): string => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? '';
    const iso = (de: string): string => de.split('.').reverse().join('-');
    const own = this.own.assess([el('NAME'), el('VORNAME'), el('GEBDATUM')].join('|'), { start: iso(el('HALTUNG_AB')), dangerous: el('STEUERART') !== 'A' });
    const mandat = el('MANDATSREF');
    await this.answer(item, el('LEISTUNGSNR'), {
      jahresbetrag: own.jahresbetrag, festsetzungAb: own.festsetzungAb, instalments: own.instalments,
      ...(mandat ? { lastschrift: { mandatsreferenz: mandat, ibanMaskiert: maskIban(el('IBAN')) } } : {}),
      hund: el('RUFNAME'), empfaenger: { name: `${el('VORNAME')} ${el('NAME')}`, anschrift: [`${el('STRASSE')} ${el('HAUSNR')}`, `${el('PLZ')} ${el('ORT')}`] },
    });
  }

  /** A ZSA draft (Halle delegates now): released as drafted, answered in HSTX 2.3. */
  private async release(item: MailboxItem): Promise<void> {
    const xml = item.body.toString('utf8');
    const format = formatOf(item.form);
    this.received.push({ messageType: item.messageType, format, readable: textOf(xml, 'vorgangsID') === item.vorgangId });
    this.ctx.tracker.hop(item.vorgangId, { from: 'ZSA clerk', to: 'FV Halle (Saale)', messageType: item.messageType, format });
    await this.answer(item, textOf(xml, 'leikaSchluessel') ?? '', draftOf(xml));
  }

  /** Halle's HSTX_BESCHEID for the message it answers (the application, or the ZSA's draft), with its PDF beside it, posted as it is (the gateway maps it). */
  private async answer(item: MailboxItem, leika: string, d: Pick<Decision, 'jahresbetrag' | 'festsetzungAb' | 'instalments' | 'lastschrift' | 'hund' | 'empfaenger'>): Promise<void> {
    this.kassenzeichen += 1;
    const now = new Date();
    const p2 = (n: number): string => String(n).padStart(2, '0');
    const day = `${p2(now.getDate())}.${p2(now.getMonth() + 1)}.${now.getFullYear()}`;
    const kz = `5.${now.getFullYear()}.${String(this.kassenzeichen).padStart(4, '0')}.1`;
    const issuer = { gemeinde: 'Stadt Halle (Saale)', dienststelle: 'Fachbereich Steuern (Demo)', sachbearbeitung: 'Demo-Sachbearbeitung Steuern', ags: HALLE };
    const { data, dokument } = await issueBescheid(issuer, { vorgangId: item.vorgangId, bescheidnummer: kz, kassenzeichen: kz, bescheiddatum: day.split('.').reverse().join('-'), ...d });
    const de = (iso: string): string => iso.split('-').reverse().join('.');
    const amount = (s: string): string => s.replace('.', ',');
    const z = data.zahlung;
    const way = z.lastschrift
      ? `<LASTSCHRIFT><MANDATSREF>${esc(z.lastschrift.mandatsreferenz)}</MANDATSREF><IBAN_MASKIERT>${z.lastschrift.ibanMaskiert}</IBAN_MASKIERT></LASTSCHRIFT>`
      : `<EPAY_REF>${esc(z.ePaymentReferenz ?? '')}</EPAY_REF>`;
    const answer = `<?xml version="1.0" encoding="UTF-8"?>
<HSTX_BESCHEID VERSION="2.3">
  <KOPF><ANTWORTNR>${this.ctx.rng.uuid()}</ANTWORTNR><VORGANGSNR>${esc(item.vorgangId)}</VORGANGSNR><BEZUGNR>${esc(item.messageUuid)}</BEZUGNR><EMPFAENGER>efa:hund-lsa</EMPFAENGER><GKZ>${HALLE}</GKZ><LEISTUNGSNR>${esc(leika)}</LEISTUNGSNR><ERSTELLT>${day} ${p2(now.getHours())}:${p2(now.getMinutes())}:${p2(now.getSeconds())}</ERSTELLT></KOPF>
  <ERGEBNIS>1</ERGEBNIS>
  <KASSENZEICHEN>${kz}</KASSENZEICHEN>
  <BESCHEIDDATUM>${day}</BESCHEIDDATUM>
  <JAHRESSTEUER>${amount(data.festsetzung.jahresbetrag)}</JAHRESSTEUER>
  <FESTSETZUNG_AB>${de(data.festsetzung.festsetzungAb)}</FESTSETZUNG_AB>
  <FESTGESETZT>${amount(data.festsetzung.betrag)}</FESTGESETZT>
  <ZAHLUNG>${way}${z.faelligkeiten.map((r) => `<RATE><FAELLIG>${de(r.datum)}</FAELLIG><BETRAG>${amount(r.betrag)}</BETRAG></RATE>`).join('')}</ZAHLUNG>
  <DOKUMENT><DATEI>${esc(dokument.dateiname)}</DATEI><SHA512>${dokument.sha512}</SHA512><GROESSE>${dokument.groesse}</GROESSE></DOKUMENT>
  <SACHBEARBEITER><NAME>${issuer.sachbearbeitung}</NAME><DIENSTSTELLE>Stadt Halle (Saale), Fachbereich Steuern (Demo)</DIENSTSTELLE></SACHBEARBEITER>
</HSTX_BESCHEID>
`;
    // posted as it is: the gateway maps HSTX_BESCHEID at ingress (fv-legacy-xml-to-xzsa, ADR 0025)
    await submitWithFiles(this.ctx.client, Buffer.from(answer), 'application/xml', [{ name: dokument.dateiname, mediaType: dokument.mimeType, bytes: dokument.bytes }]);
  }
}
