import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { JWK } from 'jose';
import { currentDelegations } from '../auth/ownership.js';
import type { FitConnectRemit } from '../auth/policy.js';
import type { ParticipantConfig } from '../config/schema.js';
import { signFitConnectSet, verifySet, type FitConnectEventName } from '../crypto/set.js';
import { ERROR_CATALOG, GatewayError, problemType, type Issue } from '../errors.js';
import { refusalSummary } from '../ingress/diagnostics.js';
import { RecipientEncryption } from '../outbox/recipient-encryption.js';
import { PACKAGE_ROOT } from '../paths.js';
import { LOCAL_UPLOADER } from '../store/attachments.js';
import type { FitEventRecord, FitSubmission } from '../store/fit-connect.js';
import { decryptPart, LEIKA_URN, type FitDestination } from './destinations.js';
import { callbackUpdateOf } from './destination-update.js';
import { compileJsonSchema, type FitMetadata } from './metadata-schema.js';
import { fitProblemType } from './problems.js';
import { FitReplies } from './replies.js';
import { isSender, isSubscriber, subscribesTo } from './remit.js';
import { checkSubmission } from './submit.js';
import type { FitConnectDeps, ServiceSchemas } from './types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LEIKA_ID = /^(?:urn:de:fim:leika:leistung:)?(\d{14})$/;

const bad = (message: string, path: string) => new GatewayError('GW_BAD_REQUEST', message, { issues: [{ message, path }] });
const notFound = (id: string) => new GatewayError('GW_FC_SUBMISSION_NOT_FOUND', `no submission ${id.slice(0, 64)}`);

/**
 * The FIT-Connect Submission API over the gateway (ADR 0027): the sender's create, upload and
 * submit; the subscriber's list, fetch, accept and reject; the case's event log. Every call
 * comes with the authenticated participant (null only for the local admin of `auth.mode:
 * off`); remit checks are made here on the stored submission, and a submission the caller may
 * not see answers exactly like an unknown one.
 */
export class FitConnectService implements ServiceSchemas, FitConnectRemit {
  private readonly validators = new Map<string, (v: unknown) => Issue[]>();
  /** The reply channel (ADR 0033). */
  readonly replies: FitReplies;
  private readonly encryption: RecipientEncryption;

  constructor(private readonly d: FitConnectDeps) {
    this.encryption = new RecipientEncryption(d.recipientKeys);
    this.replies = new FitReplies(d);
    d.callbacks?.onDelivered((c) => this.recordNotified(c.destinationId, c.submissionIds));
    for (const dest of d.destinations.all()) {
      for (const svc of dest.cfg.services) {
        const file = svc.submissionSchema.file;
        if (this.validators.has(file)) continue;
        const path = isAbsolute(file) ? file : existsSync(resolve(file)) ? resolve(file) : join(PACKAGE_ROOT, file);
        this.validators.set(file, compileJsonSchema(JSON.parse(readFileSync(path, 'utf8')) as object));
      }
    }
  }

  check(file: string, value: unknown): Issue[] {
    return this.validators.get(file)!(value);
  }

  /** `GET /v1/destinations/{id}`: what a sender needs before it encrypts. */
  async destination(id: string): Promise<Record<string, unknown>> {
    const dest = this.d.destinations.get(id);
    const { publicKey } = await dest.keys();
    return {
      destinationId: dest.cfg.id,
      status: 'active',
      // reply channels per service, as the Submission API names them since 1.3.0 (ADR 0041), and at the top for older senders
      services: dest.cfg.services.map((s) => ({
        identifier: `${LEIKA_URN}${s.leika}`,
        submissionSchemas: [{ schemaUri: s.submissionSchema.uri, mimeType: s.submissionSchema.mimeType }],
        replyChannels: { fitConnect: {} },
      })),
      encryptionKid: publicKey.kid,
      metadataVersions: ['1.0.0', '2.0.0'],
      // the reply channel (ADR 0033): replies come back over this API, encrypted to the sender's reply key
      replyChannels: { fitConnect: {} },
    };
  }

  /** `GET /v1/destinations/{id}/keys/{kid}`: the destination's public encryption JWK (with x5c). */
  async key(id: string, kid: string): Promise<JWK> {
    const dest = this.d.destinations.get(id);
    const { publicKey } = await dest.keys();
    const key = publicKey.kid === kid ? publicKey : dest.signingKeys.find((k) => k.kid === kid);
    if (key === undefined) throw new GatewayError('GW_NOT_FOUND', `destination ${id} has no key ${kid.slice(0, 64)}`);
    return key;
  }

  /** `POST /v1/submissions`. Accepts `publicService` (v2 senders) or `serviceType` (v1 senders). */
  async create(p: ParticipantConfig | null, body: Record<string, unknown>): Promise<{ destinationId: string; submissionId: string; caseId: string }> {
    if (typeof body.destinationId !== 'string') throw bad('destinationId is required', '/destinationId');
    const dest = this.d.destinations.get(body.destinationId.toLowerCase());
    const announcedRaw = body.announcedAttachments ?? [];
    if (!Array.isArray(announcedRaw) || announcedRaw.some((a) => typeof a !== 'string' || !UUID.test(a.toLowerCase()))) throw bad('announcedAttachments must be a list of UUIDs', '/announcedAttachments');
    const announced = [...new Set(announcedRaw.map((a) => (a as string).toLowerCase()))];
    if (announced.length !== announcedRaw.length) throw bad('announcedAttachments names an attachment twice', '/announcedAttachments');
    if (announced.length > this.d.cfg.server.maxAttachments) throw new GatewayError('GW_PAYLOAD_TOO_LARGE', `more than ${this.d.cfg.server.maxAttachments} attachments announced`);
    const svcField = (body.publicService ?? body.serviceType) as { identifier?: unknown } | undefined;
    const leika = typeof svcField?.identifier === 'string' ? LEIKA_ID.exec(svcField.identifier)?.[1] : undefined;
    if (leika === undefined) throw bad('publicService.identifier (or serviceType.identifier) must be urn:de:fim:leika:leistung:<14 digits>', '/publicService/identifier');
    const service = dest.cfg.services.find((s) => s.leika === leika);
    if (service === undefined || (p !== null && !(p.services ?? []).includes(service.service))) {
      throw new GatewayError('GW_FC_SERVICE_NOT_AVAILABLE', `destination ${dest.cfg.id} offers no service ${leika} to this sender`, { issues: [{ message: 'service not available', path: '/publicService/identifier' }] });
    }
    const sub = { submissionId: randomUUID(), caseId: randomUUID(), destinationId: dest.cfg.id, author: p?.id ?? 'local', leika, announced };
    await this.d.store.fitConnect.create(sub, await this.event('create-submission', sub));
    return { destinationId: sub.destinationId, submissionId: sub.submissionId, caseId: sub.caseId };
  }

  /** The submission if the sender may write it (else "not found"). */
  async own(p: ParticipantConfig | null, id: string): Promise<FitSubmission> {
    const sub = UUID.test(id) ? await this.d.store.fitConnect.get(id) : null;
    if (sub === null || (p !== null && !isSender(p, sub))) throw notFound(id);
    return sub;
  }

  /** `PUT /v1/submissions/{id}/attachments/{attachmentId}`: keeps the JWE as uploaded (checked at submit). */
  async upload(p: ParticipantConfig | null, id: string, attachmentId: string, jwe: string): Promise<void> {
    const sub = await this.own(p, id);
    if (!sub.announced.includes(attachmentId.toLowerCase())) throw new GatewayError('GW_FC_ATTACHMENT_NOT_ANNOUNCED', `attachment ${attachmentId.slice(0, 64)} was not announced`, { issues: [{ message: 'not announced', path: 'attachmentId' }] });
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){4}$/.test(jwe.trim())) throw new GatewayError('GW_FC_ENCRYPTION_ISSUE', 'the attachment is not a compact JWE', { issues: [{ message: 'not a compact JWE', path: `attachments/${attachmentId.slice(0, 64)}`, rule: 'jwe.structure' }] });
    if (!(await this.d.store.fitConnect.putAttachment(sub.submissionId, attachmentId.toLowerCase(), jwe.trim()))) throw new GatewayError('GW_FC_SUBMISSION_STATE', `submission ${id} was already submitted`);
  }

  /**
   * `PUT /v1/submissions/{id}`: checks everything (submit.ts), maps the form and routes it
   * through the pipeline. A refusal marks the submission `rejected` with a reject-submission
   * event naming the problem, and stores no message; the sender creates a new submission.
   */
  async submit(p: ParticipantConfig | null, id: string, body: Record<string, unknown>): Promise<{ destinationId: string; submissionId: string; caseId: string }> {
    const sub = await this.own(p, id);
    if (sub.status !== 'created') throw new GatewayError('GW_FC_SUBMISSION_STATE', `submission ${id} is ${sub.status}, not created`);
    const dest = this.d.destinations.get(sub.destinationId);
    let gatewayId: string;
    let replyKey: JWK | null = null;
    try {
      const uploaded = await this.d.store.fitConnect.attachments(sub.submissionId);
      const checked = await checkSubmission(this.d, this, dest, sub, body, uploaded, p?.kennung ?? LOCAL_UPLOADER).catch(async (err: unknown) => {
        // the pipeline records its own refusals; the FIT-Connect checks before it are recorded here (no content: refusalSummary)
        if (err instanceof GatewayError) await this.recordRefusal(err, p, sub, body);
        throw err;
      });
      const result = await this.d.pipeline.submit(checked.form, checked.attachments, {
        remote: 'fit-connect',
        ingress: { mediaType: 'application/json', submitter: p === null ? null : { id: p.id, services: p.services } },
        ...(p !== null && {
          checkHeader: (h) => {
            if (h.author !== p.kennung) throw new GatewayError('GW_FORBIDDEN', `the mapped message names author ${h.author}, not the sender ${p.kennung}`);
          },
        }),
      });
      gatewayId = result.receipt.gatewayId;
      replyKey = checked.replyKey;
    } catch (err) {
      // a refusal of the submission rejects it; a passing fault (store not ready, upload budget) leaves it `created` for another try
      if (err instanceof GatewayError && !ERROR_CATALOG[err.code].retryable && ERROR_CATALOG[err.code].status < 500) {
        // the event outlives the purged content: it names what and where, never content (refusalSummary, not err.message)
        const problem = { type: fitProblemType(err.code) ?? problemType(err.code), title: ERROR_CATALOG[err.code].title, detail: refusalSummary(err).slice(0, 500), instance: err.issues[0]?.path ?? 'submission' };
        const events = [await this.event('reject-submission', sub, { problems: [problem] }), await this.event('delete-submission', sub)];
        await this.d.store.fitConnect.transition(sub.submissionId, ['created'], 'rejected', events, { purge: true });
      }
      throw err;
    }
    const done = await this.d.store.fitConnect.transition(sub.submissionId, ['created'], 'submitted', [await this.event('submit-submission', sub)], {
      parts: { messageId: gatewayId, encryptedMetadata: String(body.encryptedMetadata), encryptedData: String(body.encryptedData), replyKey: replyKey === null ? null : JSON.stringify(replyKey) },
    });
    if (!done) throw new GatewayError('GW_FC_SUBMISSION_STATE', `submission ${id} was submitted concurrently`);
    // the destination's callback, if it has one: stored now, POSTed in the background; it never fails the submit
    await this.d.callbacks?.notifyNewSubmissions(sub.destinationId, [{ submissionId: sub.submissionId, caseId: sub.caseId }]);
    return { destinationId: sub.destinationId, submissionId: sub.submissionId, caseId: sub.caseId };
  }

  /**
   * notify-submission (FIT-Connect's event of the Zustelldienst): the destination's callback
   * announcing these submissions was answered 2xx. Recorded once per submission (a callback sent
   * again after a crash adds nothing), signed like every event of the case.
   */
  async recordNotified(destinationId: string, submissionIds: readonly string[]): Promise<void> {
    for (const id of submissionIds) {
      const sub = UUID.test(id) ? await this.d.store.fitConnect.get(id) : null;
      if (sub === null || sub.destinationId !== destinationId) continue;
      await this.d.store.fitConnect.addEventOnce(sub.submissionId, await this.event('notify-submission', sub));
    }
  }

  private async recordRefusal(err: GatewayError, p: ParticipantConfig | null, sub: FitSubmission, body: Record<string, unknown>): Promise<void> {
    const bytes = Buffer.from(`${String(body.encryptedMetadata ?? '')}.${String(body.encryptedData ?? '')}`);
    await this.d.store
      .recordRejection({ code: err.code, detail: refusalSummary(err), author: p?.kennung ?? null, messageUuid: sub.submissionId, messageType: null, size: bytes.length, sha512: createHash('sha512').update(bytes).digest('hex'), remote: 'fit-connect' })
      .catch((e: unknown) => this.d.log.error({ err: e instanceof Error ? e.message : String(e) }, 'could not record rejection'));
  }

  /** `GET /v1/submissions?destinationId=`: the destination's submissions ready for pickup (status submitted). */
  async list(p: ParticipantConfig | null, destinationId: string, limit: number, offset: number): Promise<Record<string, unknown>> {
    const dest = this.d.destinations.get(destinationId.toLowerCase());
    if (p !== null && !subscribesTo(p, dest, await currentDelegations(this.d.cfg, this.d.store))) {
      throw new GatewayError('GW_FORBIDDEN', `${p.id} does not subscribe to destination ${dest.cfg.id}`, { extra: { rule: 'fit-connect.subscriber' } });
    }
    const delegation = await currentDelegations(this.d.cfg, this.d.store);
    // the services whose submissions the caller sees, narrowed in the query so pages and totalCount agree
    const leikas = p === null ? undefined : dest.cfg.services.filter((x) => isSubscriber(p, dest, x.service, delegation)).map((x) => x.leika);
    const [items, totalCount] = await Promise.all([this.d.store.fitConnect.listByDestination(dest.cfg.id, 'submitted', limit, offset, leikas), this.d.store.fitConnect.countByDestination(dest.cfg.id, 'submitted', leikas)]);
    return { count: items.length, offset, totalCount, submissions: items.map((s) => ({ destinationId: s.destinationId, submissionId: s.submissionId, caseId: s.caseId })) };
  }

  private serviceOf(dest: FitDestination, s: Pick<FitSubmission, 'leika'>): string | undefined {
    return dest.cfg.services.find((x) => x.leika === s.leika)?.service;
  }

  /** The submission if the subscriber may read it (else "not found"). */
  async subscribed(p: ParticipantConfig | null, id: string): Promise<{ sub: FitSubmission; dest: FitDestination }> {
    const sub = UUID.test(id) ? await this.d.store.fitConnect.get(id) : null;
    if (sub === null) throw notFound(id);
    const dest = this.d.destinations.get(sub.destinationId);
    if (p !== null && !isSubscriber(p, dest, this.serviceOf(dest, sub), await currentDelegations(this.d.cfg, this.d.store))) throw notFound(id);
    return { sub, dest };
  }

  private subscriberKey(p: ParticipantConfig | null): JWK {
    return this.encryption.requireKey(p?.endpoint, 'FIT-Connect subscribers receive submissions encrypted to their own key: configure participants[].encryptionKey for this participant');
  }

  /** Re-encrypts one stored part from the destination's key to the subscriber's (the mailbox's recipient encryption). */
  private async reseal(dest: FitDestination, jwe: string | null, part: string, key: JWK, cty: string): Promise<string> {
    const plain = await decryptPart(dest, jwe, part);
    // always a JWE to the subscriber, also for an attachment its sender declared as application/jose
    return this.encryption.sealTo(key, plain, cty);
  }

  /** `GET /v1/submissions/{id}`: metadata and data re-encrypted to the subscriber's key. */
  async fetch(p: ParticipantConfig | null, id: string): Promise<Record<string, unknown>> {
    const { sub, dest } = await this.subscribed(p, id);
    if (sub.status !== 'submitted') throw notFound(id); // FIT-Connect: only submissions ready for pickup
    const key = this.subscriberKey(p);
    return {
      destinationId: sub.destinationId,
      submissionId: sub.submissionId,
      caseId: sub.caseId,
      serviceType: { identifier: `${LEIKA_URN}${sub.leika}`, name: this.serviceOf(dest, sub) ?? '' },
      attachments: sub.announced,
      encryptedMetadata: await this.reseal(dest, sub.encryptedMetadata, 'encryptedMetadata', key, 'application/json'),
      encryptedData: await this.reseal(dest, sub.encryptedData, 'encryptedData', key, 'application/json'),
    };
  }

  /** `GET /v1/submissions/{id}/attachments/{attachmentId}`: one attachment re-encrypted to the subscriber's key. */
  async fetchAttachment(p: ParticipantConfig | null, id: string, attachmentId: string): Promise<string> {
    const { sub, dest } = await this.subscribed(p, id);
    const aid = attachmentId.toLowerCase();
    if (sub.status !== 'submitted' || !sub.announced.includes(aid)) throw notFound(id);
    const key = this.subscriberKey(p);
    const meta = JSON.parse((await decryptPart(dest, sub.encryptedMetadata, 'encryptedMetadata')).toString('utf8')) as FitMetadata;
    const mime = meta.contentStructure.attachments.find((a) => a.attachmentId.toLowerCase() === aid)?.mimeType ?? 'application/octet-stream';
    return this.reseal(dest, (await this.d.store.fitConnect.attachments(sub.submissionId)).get(aid) ?? null, `attachments/${aid}`, key, mime);
  }

  /**
   * `POST /v1/cases/{caseId}/events`: the subscriber's accept-submission or reject-submission
   * (a SET). The gateway records the event in the case's log as its own SET (signed with the
   * gateway's key, so the sender verifies one JWKS). The subscriber's own signature must verify
   * against the destination's `subscriberSigningKeys` (PS512, `iss` = destination id); a
   * destination without them takes no event at all (fail closed, ADR 0041).
   */
  async postEvent(p: ParticipantConfig | null, caseId: string, token: string): Promise<void> {
    const claims = decodeSet(token);
    const entries = Object.entries(claims.events ?? {});
    const name = entries.length === 1 ? (/^https:\/\/schema\.fitko\.de\/fit-connect\/events\/(accept-submission|reject-submission)$/.exec(entries[0]![0])?.[1] as FitConnectEventName | undefined) : undefined;
    const subId = typeof claims.sub === 'string' ? /^submission:([0-9a-f-]{36})$/.exec(claims.sub)?.[1] : undefined;
    if (name === undefined || subId === undefined || claims.txn !== `case:${caseId}`) {
      throw new GatewayError('GW_FC_EVENT_INVALID', 'the body must be a SET with one accept-submission or reject-submission event, sub submission:<id> and txn case:<caseId>', { issues: [{ message: 'not an accept or reject of this case', path: 'body', rule: 'event.shape' }] });
    }
    const { sub, dest } = await this.subscribed(p, subId);
    if (sub.caseId !== caseId) throw new GatewayError('GW_FC_CASE_NOT_FOUND', `no case ${caseId}`);
    // The subscriber's own signature, as FIT-Connect requires. Fail closed (ADR 0041): a destination that names no
    // subscriberSigningKeys cannot have a subscriber's SET verified, so it takes none; a token alone does not sign an event.
    if (dest.signingKeys.length === 0) {
      throw new GatewayError('GW_FC_EVENT_INVALID', `destination ${dest.cfg.id} names no subscriber signing keys, so its subscriber's events cannot be verified and are refused; configure fitConnect.destinations[].subscriberSigningKeys`, {
        issues: [{ message: 'no subscriber signing keys configured', path: 'body', rule: 'set.no-subscriber-keys' }],
      });
    }
    await verifySet(token, { keys: dest.signingKeys }, { issuer: dest.cfg.id }).catch((err: unknown) => {
      const rule = err instanceof GatewayError ? (err.issues[0]?.rule ?? 'set.signature') : 'set.signature';
      throw new GatewayError('GW_FC_EVENT_INVALID', `the event's signature does not verify against the destination's subscriber keys (${rule})`, { issues: [{ message: 'signature refused', path: 'body', rule }], cause: err });
    });
    const details = entries[0]![1] as Record<string, unknown>;
    const problems = name === 'reject-submission' ? details['problems'] : undefined;
    if (name === 'reject-submission' && (!Array.isArray(problems) || problems.length === 0 || problems.length > 50)) {
      throw new GatewayError('GW_FC_EVENT_INVALID', 'a reject-submission names 1 to 50 problems', { issues: [{ message: 'problems missing', path: 'events/reject-submission/problems', rule: 'event.problems' }] });
    }
    const to = name === 'accept-submission' ? 'accepted' : 'rejected';
    // FIT-Connect deletes a submission's content once it is accepted or rejected: so does the gateway (the message it became stays).
    const events = [await this.event(name, sub, problems === undefined ? {} : { problems: cleanProblems(problems as unknown[]) }), await this.event('delete-submission', sub)];
    const ok = await this.d.store.fitConnect.transition(sub.submissionId, ['submitted'], to, events, { purge: true });
    if (!ok) throw new GatewayError('GW_FC_SUBMISSION_STATE', `submission ${sub.submissionId} is ${sub.status}; only a submitted submission is accepted or rejected`);
  }

  /**
   * `PATCH /v1/destinations/{id}`: the destination's subscriber sets or rotates its callback
   * (FIT-Connect: the callback URL and secret are set by the API client; the secret can be
   * written, never read); the body is read by callbackUpdateOf. Answers the callback URL now in force.
   */
  async setCallback(p: ParticipantConfig | null, id: string, body: Record<string, unknown>): Promise<{ destinationId: string; callback: { url: string } }> {
    const dest = this.d.destinations.get(id.toLowerCase());
    const target = callbackUpdateOf(body);
    if (this.d.callbacks === undefined) throw new GatewayError('GW_NOT_READY', 'callbacks are not running in this gateway');
    const set = await this.d.callbacks.setTarget(dest.cfg.id, target, p?.id ?? 'local');
    this.d.log.info({ destinationId: dest.cfg.id, by: p?.id ?? 'local', host: new URL(set.url).host }, 'FIT-Connect destination callback set over the API');
    return { destinationId: dest.cfg.id, callback: set };
  }

  /** Route policy `fit-destination`: the destination is the participant's own (not the ZSA's by delegation). */
  async asDestinationOwner(p: ParticipantConfig, destinationId: string): Promise<boolean> {
    return this.d.destinations.get(destinationId.toLowerCase()).cfg.participant === p.id;
  }

  /** Route policy `fit-sender` (gateway/auth/policy.ts). */
  asSender(p: ParticipantConfig, submissionId: string): Promise<FitSubmission> {
    return this.own(p, submissionId);
  }

  /** Route policy `fit-subscriber`. */
  asSubscriber(p: ParticipantConfig, submissionId: string): Promise<unknown> {
    return this.subscribed(p, submissionId);
  }

  /** Route policy `fit-reply`: a reply on the caller's own case, still available. */
  asReplyRecipient(p: ParticipantConfig, replyId: string): Promise<unknown> {
    return this.replies.own(p, replyId);
  }

  /** Route policy `fit-case`: the sender of the case's submission or a subscriber of its destination. */
  async asCaseParty(p: ParticipantConfig | null, caseId: string): Promise<FitSubmission> {
    const first = (UUID.test(caseId) ? await this.d.store.fitConnect.caseSubmissions(caseId) : [])[0];
    const none = () => new GatewayError('GW_FC_CASE_NOT_FOUND', `no case ${caseId.slice(0, 64)}`);
    if (first === undefined) throw none();
    if (p !== null && !isSender(p, first)) {
      const dest = this.d.destinations.get(first.destinationId);
      if (!isSubscriber(p, dest, this.serviceOf(dest, first), await currentDelegations(this.d.cfg, this.d.store))) throw none();
    }
    return first;
  }

  /** `GET /v1/cases/{caseId}/events`: the case's event log, for its sender and its subscriber. */
  async events(p: ParticipantConfig | null, caseId: string, limit: number, offset: number): Promise<{ eventLog: string[]; totalCount: number }> {
    const sub = await this.asCaseParty(p, caseId);
    await this.observeForward(sub);
    const [events, totalCount] = await Promise.all([this.d.store.fitConnect.caseEvents(caseId, limit, offset), this.d.store.fitConnect.countCaseEvents(caseId)]);
    return { eventLog: events.map((e) => e.token), totalCount };
  }

  /**
   * forward-submission: the message the submission became was handed on along its route (put
   * into the receiver's mailbox or delivered to its endpoint). Recorded once, when first
   * observed (on reading the event log), so it needs no hook in the delivery worker.
   */
  private async observeForward(sub: FitSubmission): Promise<void> {
    if (sub.messageId === null) return;
    const m = await this.d.store.getMessage(sub.messageId);
    if (m === null || !['in_mailbox', 'delivered', 'acknowledged'].includes(m.state)) return;
    await this.d.store.fitConnect.addEventOnce(sub.submissionId, await this.event('forward-submission', sub));
  }

  private async event(name: FitConnectEventName, s: Pick<FitSubmission, 'submissionId' | 'caseId'>, details: Record<string, unknown> = {}): Promise<FitEventRecord> {
    const token = await signFitConnectSet({ name, issuer: this.d.signing.issuer(), submissionId: s.submissionId, caseId: s.caseId, details }, await this.d.signing.key.get());
    return { event: name, token };
  }
}

/** The payload of a compact JWS, unverified (see postEvent). GW_FC_EVENT_INVALID when it is no JWS with a JSON object payload. */
function decodeSet(token: string): { sub?: unknown; txn?: unknown; events?: Record<string, unknown> } {
  const parts = token.trim().split('.');
  try {
    if (parts.length !== 3 || token.length > 65_536) throw new Error('shape');
    const v: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('shape');
    return v as { sub?: unknown; txn?: unknown; events?: Record<string, unknown> };
  } catch {
    throw new GatewayError('GW_FC_EVENT_INVALID', 'the body is not a compact JWS (SET)', { issues: [{ message: 'not a SET', path: 'body', rule: 'event.jws' }] });
  }
}

/** Only the RFC 7807 members FIT-Connect's problems carry, as short strings. */
function cleanProblems(problems: unknown[]): Array<Record<string, string>> {
  return problems.map((x) => {
    const o = (typeof x === 'object' && x !== null ? x : {}) as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const k of ['type', 'title', 'detail', 'instance']) if (typeof o[k] === 'string') out[k] = (o[k] as string).slice(0, 1000);
    return out;
  });
}
