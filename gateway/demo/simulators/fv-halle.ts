/**
 * SIMULATOR — the on-prem Fachverfahren of the Stadt Halle (Saale) (AGS 15002000), not a real
 * system: it cannot be reached from outside, so it pulls its two mailboxes at the gateway
 * (fetch, then ack). Halle delegates neither service, so it gets the applications themselves:
 * Hund in its older XML dialect HSTX 2.3 (xzsa-to-fv-legacy-xml), Wohngeld as XZSA. Taking
 * the application in ends the case in the demo.
 *
 * It does not send its HSTX answer (HSTX_BESCHEID, fv-legacy-xml-to-xzsa): the gateway accepts
 * a hund.freigabe.0103 only for a Vorgang that holds a ZSA draft (Verwaltungshelfer rule,
 * ADR 0021), and a case Halle handles alone has none — see docs/adr/0022-demo-and-simulators.md.
 */
import { pollMailbox, type MailboxItem } from '../client.js';
import { formatOf } from '../tracker.js';
import { municipalityOf, type Received, type SimContext, type Simulator } from './context.js';
import { wohngeldAtFachverfahren } from './fv-wohngeld.js';

export const HALLE = '15002000';

export class HalleFachverfahrenSimulator implements Simulator {
  readonly name = 'Fachverfahren Halle (Saale), on-prem pull mailbox (simulator)';
  readonly received: Received[] = [];
  private loops: Promise<void>[] = [];

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

  /** An HSTX_ANMELDUNG: read as the old system does (no namespace, upper-case names, VORGANGSNR in KOPF). */
  private async onHund(item: MailboxItem): Promise<void> {
    const xml = item.body.toString('utf8');
    const format = formatOf(item.form);
    const vorgang = /<HSTX_ANMELDUNG VERSION="2\.3">[\s\S]*<KOPF>[\s\S]*<VORGANGSNR>([^<]+)<\/VORGANGSNR>/.exec(xml)?.[1];
    this.received.push({ messageType: item.messageType, format, readable: vorgang === item.vorgangId });
    this.ctx.tracker.hop(item.vorgangId, { from: 'EfA Hund', to: 'FV Halle (Saale)', messageType: item.messageType, format });
    this.ctx.tracker.finish(item.vorgangId);
  }
}
