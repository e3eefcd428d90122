/**
 * SIMULATOR — an EfA online service (both citizen portals: "Hund anmelden" and "Wohngeld
 * beantragen"), not a real one. It submits synthetic, plausible forms as JSON through the
 * gateway's HTTP API (the gateway maps them to XZSA) — a Wohngeld application as multipart
 * with its evidence files attached —, polls its two mailboxes for answers, and answers a
 * Nachforderung with a Nachreichung listing and attaching exactly the evidence asked for (the
 * gateway cross-checks every listed hash against the attachments of the case, ADR 0023).
 * A case ends here when the citizen gets the municipality's Bescheid (hund.freigabe.0103):
 * completed when its PDF and payment details pass bescheid-check.ts, failed otherwise.
 */
import { pollMailbox, SubmitError, type MailboxItem } from '../client.js';
import { submitWithFiles } from '../dialect-submit.js';
import { EVIDENCE, evidenceFilesOf, hundForm, keeper, wohngeldForm, type Keeper } from '../forms.js';
import type { DemoMunicipality, DemoService } from '../participants.js';
import type { Rng } from '../rng.js';
import { formatOf } from '../tracker.js';
import { evidenceBytes, nachreichung, textOf, textsOf, type Evidence } from '../xzsa.js';
import { isoDay, type SimContext, type Simulator } from './context.js';
import { checkBescheid, type BescheidReceived } from './bescheid-check.js';

const CODE_FILES: Record<string, string> = Object.fromEntries(Object.values(EVIDENCE).map((e) => [e.code, e.file]));

export class EfaServiceSimulator implements Simulator {
  readonly name = 'EfA online service (simulator)';
  private readonly keepers = new Map<string, Keeper[]>();
  private loops: Promise<void>[] = [];
  /** The SEPA mandate reference each Hund application gave (undefined: transfer), to check its Bescheid against. */
  private readonly mandates = new Map<string, string | undefined>();
  /** Every Hund Bescheid received, as checked (bescheid-check.ts). */
  readonly bescheide: BescheidReceived[] = [];
  /** Draws of the answers (Nachreichung ids) come from their own generator, so the cases a seed submits do not depend on when answers arrive. */
  private readonly answerRng: Rng;

  constructor(private readonly ctx: SimContext) {
    this.answerRng = ctx.rng.fork('answers');
  }

  async start(): Promise<void> {
    const onError = (err: unknown) => this.ctx.warn(`EfA simulator: ${String(err)}`);
    this.loops = [
      pollMailbox(this.ctx.client, 'efa-hund-lsa', (i) => this.onHund(i), { signal: this.ctx.signal, onError }),
      pollMailbox(this.ctx.client, 'efa-wohngeld-lsa', (i) => this.onWohngeld(i), { signal: this.ctx.signal, onError }),
    ];
  }

  async stop(): Promise<void> {
    await Promise.all(this.loops);
  }

  /** Submits one new case; resolves when the gateway has accepted (or refused) the form. */
  async submitCase(service: DemoService, m: DemoMunicipality): Promise<string> {
    const { rng } = this.ctx;
    const now = new Date();
    const ids = { submissionId: rng.uuid(), caseId: rng.uuid() };
    const known = this.keepers.get(m.ags) ?? [];
    // About one in five dog owners registers a further dog: the ZSA clerk then applies the further-dog rate.
    const k = service === 'hund' && known.length > 0 && rng.chance(0.2) ? rng.pick(known) : keeper(rng, m, now);
    if (service === 'hund') this.keepers.set(m.ags, [...known, k]);
    const form = service === 'hund' ? hundForm(rng, m, k, ids, now) : wohngeldForm(rng, m, k, ids, now);
    if (service === 'hund') this.mandates.set(ids.caseId, (form['payment'] as { mandateReference?: string }).mandateReference);
    this.ctx.tracker.open({ vorgangId: ids.caseId, service, municipality: m.short, from: service === 'hund' ? 'EfA Hund' : 'EfA Wohngeld', format: 'form JSON' });
    try {
      if (service === 'hund') await this.ctx.client.submit(JSON.stringify(form), 'application/json');
      else await submitWithFiles(this.ctx.client, JSON.stringify(form), 'application/json', evidenceFilesOf(form, ids.caseId));
    } catch (err) {
      this.ctx.tracker.fail(ids.caseId, err instanceof SubmitError ? `${err.status} ${err.code}` : String(err));
      this.ctx.warn(`EfA simulator: submission refused: ${err instanceof SubmitError ? `${err.status} ${err.code}` : String(err)}`);
    }
    return ids.caseId;
  }

  /** Nothing else is expected in the citizen's mailboxes (e.g. a gateway.fehler.0902 would be): said, then acknowledged. */
  private unexpected(item: MailboxItem): void {
    this.ctx.warn(`EfA simulator: unexpected ${item.messageType} in Vorgang ${item.vorgangId}, acknowledged without action`);
  }

  /** The municipality's release reached the citizen: the Hund case is done. */
  private async onHund(item: MailboxItem): Promise<void> {
    if (item.messageType !== 'hund.freigabe.0103') return this.unexpected(item);
    const ags = textOf(item.body.toString('utf8'), 'ags') ?? '';
    const town = this.ctx.municipalities.find((m) => m.ags === ags)?.short ?? ags;
    const got = await checkBescheid(item.vorgangId, item.body.toString('utf8'), this.mandates.get(item.vorgangId), (sha) => this.ctx.client.attachment(sha));
    this.bescheide.push(got);
    this.ctx.tracker.hop(item.vorgangId, { from: `FV ${town}`, to: 'EfA Hund', messageType: item.messageType, format: `${formatOf(item.form)}${got.pdf?.hashMatches ? ' + PDF' : ''}` });
    if (got.problems.length === 0) return this.ctx.tracker.finish(item.vorgangId);
    this.ctx.tracker.fail(item.vorgangId, `Bescheid refused by the EfA service: ${got.problems.join('; ')}`);
    this.ctx.warn(`EfA simulator: Bescheid in Vorgang ${item.vorgangId} refused: ${got.problems.join('; ')}`);
  }

  /** A Nachforderung: the citizen uploads what is missing, as a Nachreichung into the same Vorgang. */
  private async onWohngeld(item: MailboxItem): Promise<void> {
    if (item.messageType !== 'wohngeld.nachforderung.0203') return this.unexpected(item);
    const xml = item.body.toString('utf8');
    const author = textsOf(xml, 'kennung')[1] ?? '';
    const ags = textOf(xml, 'ags') ?? '';
    const town = this.ctx.municipalities.find((m) => m.ags === ags)?.short ?? ags;
    this.ctx.tracker.hop(item.vorgangId, { from: author.startsWith('zsa:') ? 'ZSA clerk' : `FV ${town}`, to: 'EfA Wohngeld', messageType: item.messageType, format: formatOf(item.form) });
    const missing = [...xml.matchAll(/<(?:\w+:)?fehlendeUnterlage>[\s\S]*?<code>(\d+)<\/code>/g)].map((x) => x[1] ?? '99');
    const evidence: Evidence[] = missing.map((art) => ({ art, dateiname: `nachgereicht-${isoDay()}-${CODE_FILES[art] ?? 'nachweis.pdf'}` }));
    const head = { uuid: this.answerRng.uuid(), vorgangId: item.vorgangId, leika: textOf(xml, 'leikaSchluessel') ?? '', ags, author: 'efa:wohngeld-lsa', reader: 'zsa:lsa' };
    const files = evidence.map((e) => ({ name: e.dateiname, mediaType: 'application/pdf', bytes: evidenceBytes(e.dateiname, item.vorgangId) }));
    await submitWithFiles(this.ctx.client, nachreichung(head, { nachforderungUuid: item.messageUuid, evidence }), 'application/xml', files);
  }
}
