/**
 * SIMULATOR — the hosted (REST) Fachverfahren of the Landeshauptstadt Magdeburg (AGS
 * 15003000), not a real system: a local HTTP server that the gateway's `http` connector
 * delivers to (POST /hund, POST /wohngeld; answers 202 once it has the message). It speaks
 * the REST JSON dialect both ways. Magdeburg delegates Hundehaltung (e2e): it gets the ZSA's
 * draft as a "dog-tax draft" (xzsa-steuerfestsetzung-to-fv-rest-json) and releases it, mostly
 * unchanged, sometimes corrected, as a "dog-tax decision" with the Bescheid's payment plan and
 * its PDF as attachment (bescheid.ts), which the gateway maps to hund.freigabe.0103 (XZSA 1.1,
 * fv-rest-json-to-xzsa). Should Magdeburg stop delegating, it gets the application as a "dog
 * registration" (xzsa-to-fv-rest-json) and decides it itself by the demo rules (dog-tax.ts)
 * with its rates, answering the same way. Wohngeld: fv-wohngeld.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { submitWithFiles } from '../dialect-submit.js';
import { formatOf } from '../tracker.js';
import { issueBescheid, maskIban, OwnAssessment, zahlweiseFromNote, type Decision } from './bescheid.js';
import { isoDay, municipalityOf, type Received, type SimContext, type Simulator } from './context.js';
import { wohngeldAtFachverfahren } from './fv-wohngeld.js';

export const MAGDEBURG = '15003000';

/** What Magdeburg reads of the REST JSON it imports: a "dog-tax draft" (xzsa-steuerfestsetzung-to-fv-rest-json) or a "dog registration" (xzsa-to-fv-rest-json). */
interface RestImport {
  meta?: { kind?: string; messageId?: string; caseId?: string; serviceKey?: string };
  annualTaxCents?: number;
  liableFrom?: string;
  instalments?: Array<{ due: string; amountCents: number }>;
  notes?: string;
  keeper?: { givenName: string; surname: string; dateOfBirth: string; address: { street: string; houseNo: string; zip: string; town: string } };
  dog?: { callName?: string; category?: string };
  keepingFrom?: string;
  directDebit?: { iban: string; mandateRef: string };
}

const cents = (s: string): number => Math.round(Number(s) * 100);
const euro = (c: number): string => (c / 100).toFixed(2);

export class MagdeburgFachverfahrenSimulator implements Simulator {
  readonly name = 'Fachverfahren Magdeburg, hosted REST (simulator)';
  readonly received: Received[] = [];
  /** The decisions Magdeburg posted (accepted by the gateway), in the order posted: Vorgang, media type, the PDF attached. */
  readonly answered: Array<{ vorgangId: string; mediaType: 'application/json'; attachment: string }> = [];
  private server: Server | undefined;
  private closed: Promise<void> | undefined;
  private bescheide = 0;
  private readonly own = new OwnAssessment(MAGDEBURG);
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly ctx: SimContext) {}

  /** Base URL once started. */
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.closed ??= (async () => {
      await Promise.allSettled([...this.pending]);
      await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    })();
    return this.closed;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const header = (n: string): string => String(req.headers[n] ?? '');
    if (this.closed !== undefined) {
      res.writeHead(503, { 'retry-after': '5' }).end(); // shutting down: the gateway keeps the message and retries
      return;
    }
    if (req.method !== 'POST' || (req.url !== '/hund' && req.url !== '/wohngeld')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"accepted"}');
    const work = this.handle(req.url, body, { messageType: header('x-message-type'), vorgangId: header('x-vorgang-id'), messageUuid: header('x-message-uuid'), form: req.headers['x-message-form'] === undefined ? undefined : header('x-message-form'), contentType: header('content-type') })
      .catch((err: unknown) => this.ctx.warn(`Magdeburg simulator: ${String(err)}`));
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async handle(path: string, body: Buffer, h: { messageType: string; vorgangId: string; messageUuid: string; form: string | undefined; contentType: string }): Promise<void> {
    const format = formatOf(h.form);
    const text = body.toString('utf8');
    if (path === '/wohngeld') {
      const readable = await wohngeldAtFachverfahren(this.ctx, municipalityOf(this.ctx, MAGDEBURG), { vorgangId: h.vorgangId, messageType: h.messageType, xml: text, format });
      this.received.push({ messageType: h.messageType, format, readable });
      return;
    }
    const known = h.messageType === 'hund.steuerfestsetzung.0102' || h.messageType === 'hund.anmeldung.0101';
    if (h.form === undefined || !known || !h.contentType.startsWith('application/json')) {
      this.ctx.warn(`Magdeburg simulator: unexpected ${h.messageType} (${format}) in Vorgang ${h.vorgangId}, taken without action`);
      return;
    }
    // The REST JSON dialect: read as JSON, the case id in its meta block.
    const json = JSON.parse(text) as RestImport;
    this.received.push({ messageType: h.messageType, format, readable: json.meta?.caseId === h.vorgangId });
    if (json.meta?.kind === 'dog-tax.draft') {
      // xzsa-steuerfestsetzung-to-fv-rest-json: the ZSA's draft (Magdeburg delegates), released, one in ten corrected.
      this.ctx.tracker.hop(h.vorgangId, { from: 'ZSA clerk', to: 'FV Magdeburg', messageType: h.messageType, format });
      const lastschrift = zahlweiseFromNote(json.notes);
      const jahresbetrag = euro(json.annualTaxCents ?? 0);
      // The Steueramt sometimes knows of a reduction the form did not mention.
      const corrected = this.ctx.rng.chance(0.1) ? (Number(jahresbetrag) / 2).toFixed(2) : undefined;
      await this.decide(json, {
        jahresbetrag, festsetzungAb: json.liableFrom ?? '', instalments: (json.instalments ?? []).map((i) => ({ datum: i.due, betrag: euro(i.amountCents) })),
        ...(corrected ? { korrigiert: corrected } : {}), ...(lastschrift ? { lastschrift } : {}),
      });
      return;
    }
    // xzsa-to-fv-rest-json: the application itself (Magdeburg does not delegate now), decided by the demo rules.
    this.ctx.tracker.hop(h.vorgangId, { from: 'EfA Hund', to: 'FV Magdeburg', messageType: h.messageType, format });
    const k = json.keeper;
    const own = this.own.assess([k?.surname, k?.givenName, k?.dateOfBirth].join('|'), { start: json.keepingFrom ?? '', dangerous: json.dog?.category !== 'STANDARD' });
    const debit = json.directDebit;
    await this.decide(json, {
      jahresbetrag: own.jahresbetrag, festsetzungAb: own.festsetzungAb, instalments: own.instalments,
      ...(debit ? { lastschrift: { mandatsreferenz: debit.mandateRef, ibanMaskiert: maskIban(debit.iban) } } : {}),
      ...(json.dog?.callName ? { hund: json.dog.callName } : {}),
      ...(k ? { empfaenger: { name: `${k.givenName} ${k.surname}`, anschrift: [`${k.address.street} ${k.address.houseNo}`, `${k.address.zip} ${k.address.town}`] } } : {}),
    });
  }

  /** The Bescheid for the imported draft or application, posted as a REST JSON "dog-tax decision" with its PDF (the gateway maps it, fv-rest-json-to-xzsa). */
  private async decide(to: RestImport, d: Pick<Decision, 'jahresbetrag' | 'festsetzungAb' | 'instalments' | 'korrigiert' | 'lastschrift' | 'hund' | 'empfaenger'>): Promise<void> {
    const meta = to.meta ?? {};
    this.bescheide += 1;
    const nummer = `HST-MD-${isoDay().slice(0, 4)}-${String(this.bescheide).padStart(6, '0')}`;
    const issuer = { gemeinde: 'Landeshauptstadt Magdeburg', dienststelle: 'Steueramt (Demo)', sachbearbeitung: 'Demo-Sachbearbeitung Steueramt', ags: MAGDEBURG };
    const { data, dokument } = await issueBescheid(issuer, { vorgangId: meta.caseId ?? '', bescheidnummer: nummer, kassenzeichen: nummer, bescheiddatum: isoDay(), ...d });
    const z = data.zahlung;
    const decision = {
      meta: { kind: 'dog-tax.decision', answerId: this.ctx.rng.uuid(), caseId: meta.caseId, inReplyTo: meta.messageId, recipient: 'efa:hund-lsa', municipalityKey: MAGDEBURG, serviceKey: meta.serviceKey, createdAt: new Date().toISOString() },
      decision: d.korrigiert === undefined ? 'ISSUED' : 'ISSUED_WITH_CHANGES',
      notice: { number: nummer, date: data.bescheiddatum },
      annualTaxCents: cents(data.festsetzung.jahresbetrag),
      assessment: { from: data.festsetzung.festsetzungAb, amountCents: cents(data.festsetzung.betrag) },
      payment: {
        cashReference: z.kassenzeichen,
        ...(z.lastschrift ? { directDebit: { mandateRef: z.lastschrift.mandatsreferenz, ibanMasked: z.lastschrift.ibanMaskiert } } : { ePaymentReference: z.ePaymentReferenz }),
        instalments: z.faelligkeiten.map((r) => ({ due: r.datum, amountCents: cents(r.betrag) })),
      },
      document: { fileName: dokument.dateiname, mediaType: dokument.mimeType, sha512: dokument.sha512, size: dokument.groesse },
      decidedBy: { name: issuer.sachbearbeitung, office: 'Landeshauptstadt Magdeburg, Steueramt (Demo)' },
    };
    await submitWithFiles(this.ctx.client, JSON.stringify(decision), 'application/json', [{ name: dokument.dateiname, mediaType: dokument.mimeType, bytes: dokument.bytes }]);
    this.answered.push({ vorgangId: meta.caseId ?? '', mediaType: 'application/json', attachment: dokument.dateiname });
  }
}
