/**
 * SIMULATOR — the hosted (REST) Fachverfahren of the Landeshauptstadt Magdeburg (AGS
 * 15003000), not a real system: a local HTTP server that the gateway's `http` connector
 * delivers to (POST /hund, POST /wohngeld; answers 202 once it has the message). Magdeburg
 * delegates Hundehaltung (e2e): it gets the ZSA's draft and releases it as the municipality's
 * Bescheid (hund.freigabe.0103, XZSA 1.1 — no back mapping of the REST dialect exists), mostly
 * unchanged, sometimes corrected, with the Bescheid's PDF as attachment and its payment plan
 * (bescheid.ts). It gets the REST JSON dialect (xzsa-to-fv-rest-json) for an
 * application, should Magdeburg stop delegating. Wohngeld: fv-wohngeld.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { submitWithFiles } from '../dialect-submit.js';
import { formatOf } from '../tracker.js';
import { freigabe, textOf } from '../xzsa.js';
import { draftOf, issueBescheid } from './bescheid.js';
import { isoDay, municipalityOf, type Received, type SimContext, type Simulator } from './context.js';
import { wohngeldAtFachverfahren } from './fv-wohngeld.js';

export const MAGDEBURG = '15003000';

export class MagdeburgFachverfahrenSimulator implements Simulator {
  readonly name = 'Fachverfahren Magdeburg, hosted REST (simulator)';
  readonly received: Received[] = [];
  private server: Server | undefined;
  private closed: Promise<void> | undefined;
  private bescheide = 0;
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
    if (h.form !== undefined) {
      // The REST JSON dialect (xzsa-to-fv-rest-json): read as JSON, the case id in its meta block.
      const json = JSON.parse(text) as { meta?: { caseId?: string } };
      this.received.push({ messageType: h.messageType, format, readable: h.contentType.startsWith('application/json') && json.meta?.caseId === h.vorgangId });
      this.ctx.tracker.hop(h.vorgangId, { from: 'EfA Hund', to: 'FV Magdeburg', messageType: h.messageType, format });
      this.ctx.tracker.finish(h.vorgangId);
      return;
    }
    if (h.messageType !== 'hund.steuerfestsetzung.0102') {
      this.ctx.warn(`Magdeburg simulator: unexpected ${h.messageType} in Vorgang ${h.vorgangId}, taken without action`);
      return;
    }
    this.received.push({ messageType: h.messageType, format, readable: textOf(text, 'vorgangsID') === h.vorgangId });
    this.ctx.tracker.hop(h.vorgangId, { from: 'ZSA clerk', to: 'FV Magdeburg', messageType: h.messageType, format });
    const draft = draftOf(text);
    // One in ten drafts is corrected: the Steueramt knows of a reduction the form did not mention.
    const corrected = this.ctx.rng.chance(0.1) ? (Number(draft.jahresbetrag) / 2).toFixed(2) : undefined;
    this.bescheide += 1;
    const nummer = `HST-MD-${isoDay().slice(0, 4)}-${String(this.bescheide).padStart(6, '0')}`;
    const issuer = { gemeinde: 'Landeshauptstadt Magdeburg', dienststelle: 'Steueramt (Demo)', sachbearbeitung: 'Demo-Sachbearbeitung Steueramt', ags: MAGDEBURG };
    const { data, dokument } = await issueBescheid(issuer, { vorgangId: h.vorgangId, bescheidnummer: nummer, kassenzeichen: nummer, bescheiddatum: isoDay(), ...draft, ...(corrected ? { korrigiert: corrected } : {}) });
    const head = { uuid: this.ctx.rng.uuid(), vorgangId: h.vorgangId, leika: textOf(text, 'leikaSchluessel') ?? '', ags: MAGDEBURG, author: `fv:${MAGDEBURG}-hund`, reader: 'efa:hund-lsa' };
    const xml = freigabe(head, { entwurfUuid: h.messageUuid, ...(corrected ? { korrigiert: corrected } : {}), bescheid: data, dokument, durch: issuer.sachbearbeitung, organisation: 'Landeshauptstadt Magdeburg, Steueramt (Demo)' });
    await submitWithFiles(this.ctx.client, xml, 'application/xml', [{ name: dokument.dateiname, mediaType: dokument.mimeType, bytes: dokument.bytes }]);
  }
}
