import * as fit from './fit-connect.js';
import type { FitConnectStore } from '../fit-connect.js';
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import type { MessageForm, NewForm } from '../../model/index.js';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import type { KeyRing } from '../../crypto/at-rest.js';
import { GatewayError } from '../../errors.js';
import { PayloadSealer } from '../sealing.js';
import type {
  AcceptResult,
  AckedMessage,
  BacklogRow,
  ClaimOptions,
  DelegationChange,
  DelegationMode,
  MailboxItem,
  MailboxLease,
  XtaFetchLease,
  MessageFilter,
  MessageStore,
  NewMessage,
  OutboxItem,
  ProofSnapshot,
  ProofSubject,
  PurgeResult,
  RecordDeletionCandidate,
  RecordDeletionResult,
  Rejection,
  RetentionCandidate,
  RetentionRecord,
  RetentionRule,
  StoredMessage,
  StoredRejection,
  StorePressure,
  Transition,
} from '../types.js';
import { createQueryBuilder, openDatabase, SqlRunner, type SqliteContext } from './connection.js';
import * as browse from './browse.js';
import * as delegations from './delegations.js';
import * as forms from './forms.js';
import { formPart, type SealedForm } from './forms.js';
import { GroupCommit } from './group-commit.js';
import * as mailbox from './mailbox.js';
import * as messages from './messages.js';
import { migrate } from './migrations.js';
import * as claim from './outbox-claim.js';
import * as marks from './outbox-marks.js';
import * as reads from './reads.js';
import * as records from './record-deletion.js';
import * as retention from './retention.js';
import * as rewrap from './rewrap.js';
import * as uploads from './uploads.js';
import * as xta from './xta-fetches.js';
import * as events from './vorgang-events.js';
import type { BrowsePage, BrowseQuery, EndpointActivity, OverviewFigures } from '../browse-types.js';
import * as reports from './reports.js';
import type { CaseDefinition, ClosedIncomplete, FirstOf, OpenCaseCount, ReportMessage, ReportPeriod, UsageAggregate, VorgangMessageTime } from '../report-types.js';
import type { DeadlineCandidate, DeadlineQuery, NewVorgangEvent, VorgangEvent } from '../vorgang-events.js';

export interface SqliteStoreOptions {
  /** Database file; its folder is created. */
  path: string;
  /** Clock in epoch ms (tests); defaults to Date.now. */
  now?: () => number;
  /** At-rest keys: payloads are sealed with the active one (ADR 0009). Without: stored in the clear. */
  atRest?: KeyRing;
  /** Called after every committed write batch with its duration in seconds and its size (gateway/monitoring). */
  /** After every batch: its duration, size and whether it committed (GroupCommit). */
  onCommit?: (seconds: number, operations: number, committed: boolean) => void;
  /** Called right after each COMMIT returned, before its callers hear of it: the ids of the messages it accepted (GroupCommit). */
  onBatchCommitted?: (messageIds: string[], synchronous: number) => void;
}

/** Connection settings as SQLite reports them (for health pages and tests). */
export interface SqliteDiagnostics {
  journalMode: string;
  /** 2 = FULL. */
  synchronous: number;
  foreignKeys: boolean;
  busyTimeoutMs: number;
  schemaVersion: number;
}

/**
 * MessageStore on one embedded SQLite file (the embedded default mode). One connection
 * per process; every write goes through the group commit (group-commit.ts), reads run
 * directly on the same connection. Semantics: gateway/store/types.ts.
 */
export class SqliteMessageStore implements MessageStore {
  /** The FIT-Connect port (ADR 0027): its writes go through the same group commit. */
  readonly fitConnect: FitConnectStore;
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly ctx: SqliteContext;
  private readonly commits: GroupCommit;
  private readonly sealer: PayloadSealer;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: SqliteStoreOptions) {
    this.db = openDatabase(opts.path);
    this.ctx = { sql: new SqlRunner(this.db), qb: createQueryBuilder(), now: opts.now ?? Date.now };
    this.fitConnect = {
      create: (sub, event) => this.write(() => fit.create(this.ctx, sub, event)),
      get: (id) => this.read(() => fit.get(this.ctx, id)),
      putAttachment: (id, attachmentId, jwe) => this.write(() => fit.putAttachment(this.ctx, id, attachmentId, jwe)),
      attachments: (id) => this.read(() => fit.attachments(this.ctx, id)),
      transition: (id, from, to, events, opts) => this.write(() => fit.transition(this.ctx, id, from, to, events, opts)),
      addEventOnce: (id, event) => this.write(() => fit.addEventOnce(this.ctx, id, event)),
      listByDestination: (destinationId, status, limit, offset, leikas) => this.read(() => fit.listByDestination(this.ctx, destinationId, status, limit, offset, leikas)),
      countByDestination: (destinationId, status, leikas) => this.read(() => fit.countByDestination(this.ctx, destinationId, status, leikas)),
      countCaseEvents: (caseId) => this.read(() => fit.countCaseEvents(this.ctx, caseId)),
      caseSubmissions: (caseId) => this.read(() => fit.caseSubmissions(this.ctx, caseId)),
      caseEvents: (caseId, limit, offset) => this.read(() => fit.caseEvents(this.ctx, caseId, limit, offset)),
      ensureReply: (r, event) => this.write(() => fit.ensureReply(this.ctx, r, event)),
      getReply: (id) => this.read(() => fit.getReply(this.ctx, id)),
      caseMailboxItems: (caseId, mailboxes) => this.read(() => fit.caseMailboxItems(this.ctx, caseId, mailboxes)),
      replyOfMessage: (id) => this.read(() => fit.replyOfMessage(this.ctx, id)),
      acceptReply: (id, events) => this.write(() => fit.acceptReply(this.ctx, id, events)),
    };
    this.commits = new GroupCommit(this.db, opts.onCommit, opts.onBatchCommitted);
    this.sealer = new PayloadSealer(opts.atRest);
  }

  async migrate(): Promise<void> {
    this.assertOpen();
    this.commits.flush();
    const applied = migrate(this.db, this.ctx.now);
    // A new database file (and its WAL) must survive a power cut as a directory entry too.
    if (applied.length > 0 && this.opts.path !== ':memory:') fsyncDirectory(dirname(this.opts.path));
  }

  close(): Promise<void> {
    this.closing ??= Promise.resolve().then(() => {
      this.commits.close();
      this.db.close();
    });
    return this.closing;
  }

  diagnostics(): SqliteDiagnostics {
    this.assertOpen();
    const p = (name: string) => this.db.pragma(name, { simple: true });
    return {
      journalMode: String(p('journal_mode')),
      synchronous: Number(p('synchronous')),
      foreignKeys: Number(p('foreign_keys')) === 1,
      busyTimeoutMs: Number(p('busy_timeout')),
      schemaVersion: Number(this.db.prepare('SELECT coalesce(max(version), 0) FROM schema_version').pluck().get()),
    };
  }

  // --- ingress ---------------------------------------------------------------------------
  accept(msg: NewMessage): Promise<AcceptResult> {
    let stored;
    let sealedForms: SealedForm[];
    try {
      stored = this.sealer.seal(msg.id, msg.payload); // CPU work outside the write lock
      sealedForms = (msg.forms ?? []).map((f) => this.sealForm(msg.id, f));
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write(() => messages.accept(this.ctx, msg, stored, sealedForms), msg.id);
  }

  private sealForm(messageId: string, f: NewForm): SealedForm {
    const { body, ...meta } = f;
    return { ...meta, size: body.length, sha512: createHash('sha512').update(body).digest('hex'), stored: this.sealer.seal(messageId, body, formPart(f.name)) };
  }
  recordRejection(r: Rejection): Promise<void> {
    return this.write(() => messages.recordRejection(this.ctx, r));
  }
  listRejections(limit: number): Promise<StoredRejection[]> {
    return this.read(() => messages.listRejections(this.ctx, limit));
  }

  // --- outbox ----------------------------------------------------------------------------
  /** Payloads are opened after the claim commits; an item whose payload does not open goes dead (it never will). */
  async claimDue(opts: ClaimOptions): Promise<OutboxItem[]> {
    const claimed = await this.write(() => claim.claimDue(this.ctx, opts));
    const items: OutboxItem[] = [];
    for (const { payloadKeyId, payloadPart, ...item } of claimed) {
      try {
        items.push({ ...item, payload: this.sealer.open(item.messageId, { blob: item.payload, keyId: payloadKeyId }, payloadPart) });
      } catch (err) {
        const reason = `stored payload does not open: ${err instanceof Error ? err.message : String(err)}`;
        await this.write(() => marks.markDead(this.ctx, item, reason, false));
      }
    }
    return items;
  }
  markDelivered(item: OutboxItem, detail: string): Promise<void> {
    return this.write(() => marks.markDelivered(this.ctx, item, detail));
  }
  markInMailbox(item: OutboxItem, mailboxName: string): Promise<void> {
    return this.write(() => marks.markInMailbox(this.ctx, item, mailboxName));
  }
  markRetrying(item: OutboxItem, reason: string, dueAt: Date): Promise<void> {
    return this.write(() => marks.markRetrying(this.ctx, item, reason, dueAt));
  }
  markDead(item: OutboxItem, reason: string, countAttempt: boolean): Promise<void> {
    return this.write(() => marks.markDead(this.ctx, item, reason, countAttempt));
  }
  release(item: OutboxItem, reason: string, dueAt?: Date): Promise<void> {
    return this.write(() => marks.release(this.ctx, item, reason, dueAt));
  }
  releaseOwner(owner: string): Promise<number> {
    return this.write(() => claim.releaseOwner(this.ctx, owner));
  }
  replay(messageId: string, actor: string): Promise<boolean> {
    return this.write(() => marks.replay(this.ctx, messageId, actor));
  }
  replayAllDead(actor: string, endpointId?: string): Promise<string[]> {
    return this.write(() => marks.replayAllDead(this.ctx, actor, endpointId));
  }
  nextDueAt(): Promise<Date | null> {
    return this.read(() => claim.nextDueAt(this.ctx));
  }
  outboxDepth(): Promise<Record<string, number>> {
    return this.read(() => claim.outboxDepth(this.ctx));
  }

  // --- reads -----------------------------------------------------------------------------
  getMessage(id: string): Promise<StoredMessage | null> {
    return this.read(() => reads.getMessage(this.ctx, id));
  }
  getMessageByUuid(author: string, messageUuid: string): Promise<StoredMessage | null> {
    return this.read(() => reads.getMessageByUuid(this.ctx, author, messageUuid));
  }
  getPayload(id: string): Promise<Buffer | null> {
    return this.read(() => {
      const stored = reads.getPayload(this.ctx, id);
      return stored === null ? null : this.sealer.open(id, stored);
    });
  }
  listForms(messageId: string): Promise<MessageForm[]> {
    return this.read(() => forms.listForms(this.ctx, messageId));
  }
  getForm(messageId: string, name: string): Promise<{ form: MessageForm; body: Buffer } | null> {
    return this.read(() => {
      const found = forms.getForm(this.ctx, messageId, name);
      return found === null ? null : { form: found.form, body: this.sealer.open(messageId, found.stored, formPart(name)) };
    });
  }
  putForm(messageId: string, form: NewForm): Promise<MessageForm> {
    let sealed: SealedForm;
    try {
      sealed = this.sealForm(messageId, form);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write(() => forms.putForm(this.ctx, messageId, sealed));
  }
  listMessages(filter: MessageFilter): Promise<StoredMessage[]> {
    return this.read(() => reads.listMessages(this.ctx, filter));
  }
  history(messageId: string): Promise<Transition[]> {
    return this.read(() => reads.history(this.ctx, messageId));
  }
  vorgang(vorgangId: string): Promise<StoredMessage[]> {
    return this.read(() => reads.vorgang(this.ctx, vorgangId));
  }
  /** One read transaction (BEGIN DEFERRED … COMMIT): every row from one snapshot (ADR 0049). */
  proofSnapshot(subject: ProofSubject): Promise<ProofSnapshot> {
    return this.read(() => this.db.transaction(() => reads.proofSnapshot(this.ctx, subject)).deferred());
  }
  countByState(): Promise<Record<string, number>> {
    return this.read(() => reads.countByState(this.ctx));
  }
  backlog(): Promise<BacklogRow[]> {
    return this.read(() => reads.backlog(this.ctx));
  }
  browseMessages(q: BrowseQuery): Promise<BrowsePage> {
    return this.read(() => browse.browseMessages(this.ctx, q));
  }
  endpointActivity(endpointIds: readonly string[]): Promise<Record<string, EndpointActivity>> {
    return this.read(() => browse.endpointActivity(this.ctx, endpointIds));
  }
  overviewFigures(now: Date): Promise<OverviewFigures> {
    return this.read(() => browse.overviewFigures(this.ctx, now));
  }

  // --- pull mailboxes --------------------------------------------------------------------
  mailboxPut(mailboxName: string, messageId: string): Promise<void> {
    return this.write(() => mailbox.mailboxPut(this.ctx, mailboxName, messageId));
  }
  mailboxList(mailboxName: string, limit: number, exceptAgs?: readonly string[]): Promise<MailboxItem[]> {
    return this.read(() => mailbox.mailboxList(this.ctx, mailboxName, limit, exceptAgs));
  }
  async mailboxFetch(mailboxName: string, leaseMs: number, itemId?: number, exceptAgs?: readonly string[]): Promise<MailboxLease | null> {
    const leased = await this.write(() => mailbox.mailboxFetch(this.ctx, mailboxName, leaseMs, itemId, exceptAgs));
    return leased === null ? null : this.openLease(leased);
  }
  /** A lease as the mailbox functions return it, its payload opened (at-rest encryption). */
  private openLease({ payloadKeyId, payloadPart, ...lease }: mailbox.StoredLease): MailboxLease {
    return { ...lease, payload: this.sealer.open(lease.item.messageId, { blob: lease.payload, keyId: payloadKeyId }, payloadPart) };
  }
  mailboxAck(mailboxName: string, itemId: number, leaseToken: string, actor: string): Promise<AckedMessage | null> {
    return this.write(() => mailbox.mailboxAck(this.ctx, mailboxName, itemId, leaseToken, actor));
  }
  async xtaFetch(mailboxName: string, itemId: number, leaseMs: number, exceptAgs?: readonly string[]): Promise<MailboxLease | null> {
    const leased = await this.write(() => xta.xtaFetch(this.ctx, mailboxName, itemId, leaseMs, exceptAgs));
    return leased === null ? null : this.openLease(leased);
  }
  xtaFetchLease(mailboxName: string, messageId: string): Promise<XtaFetchLease | null> {
    return this.read(() => xta.xtaFetchLease(this.ctx, mailboxName, messageId));
  }

  // --- delegations -----------------------------------------------------------------------
  setDelegation(change: Omit<DelegationChange, 'seq' | 'at' | 'previous'>, configured: DelegationMode | null): Promise<DelegationChange> {
    return this.write(() => delegations.setDelegation(this.ctx, change, configured));
  }
  delegationOverrides(): Promise<Record<string, DelegationMode>> {
    return this.read(() => delegations.delegationOverrides(this.ctx));
  }
  delegationHistory(ags?: string): Promise<DelegationChange[]> {
    return this.read(() => delegations.delegationHistory(this.ctx, ags));
  }

  // --- encryption at rest ----------------------------------------------------------------
  async rewrapPayloads(limit: number): Promise<{ rewrapped: number; remaining: number }> {
    const active = this.sealer.requireRing().activeKeyId;
    const max = Math.max(1, Math.min(10_000, Math.floor(limit)));
    const rows = await this.read(() => rewrap.payloadsToRewrap(this.ctx, active, max));
    const sealed = rows.map((r) => ({ id: r.id, from: r.keyId, to: this.sealer.rewrap(r.id, r) }));
    // the stored forms of messages (ADR 0020) after the payloads, within the same limit
    const formRows = rows.length < max ? await this.read(() => rewrap.formsToRewrap(this.ctx, active, max - rows.length)) : [];
    const forms = formRows.map((r) => ({ ...r, from: r.keyId, to: this.sealer.rewrap(r.id, r, formPart(r.name)) }));
    const rewrapped = await this.write(
      () => sealed.filter((r) => rewrap.replacePayload(this.ctx, r.id, r.from, r.to)).length + forms.filter((f) => rewrap.replaceForm(this.ctx, f.id, f.name, f.from, f.to)).length,
    );
    return { rewrapped, remaining: await this.read(() => rewrap.countToRewrap(this.ctx, active) + rewrap.countFormsToRewrap(this.ctx, active)) };
  }

  // --- retention -------------------------------------------------------------------------
  retentionCandidates(now: Date, rules: RetentionRule[]): Promise<RetentionCandidate[]> {
    return this.read(() => retention.retentionCandidates(this.ctx, now, rules));
  }
  purgePayload(messageId: string, reason: string): Promise<PurgeResult> {
    return this.write(() => retention.purgePayload(this.ctx, messageId, reason));
  }
  retentionLog(messageId?: string): Promise<RetentionRecord[]> {
    return this.read(() => retention.retentionLog(this.ctx, messageId));
  }
  recordDeletionCandidates(purgedBefore: Date, limit: number): Promise<RecordDeletionCandidate[]> {
    return this.read(() => records.recordDeletionCandidates(this.ctx, purgedBefore, limit));
  }
  deleteVorgangRecords(vorgangId: string, purgedBefore: Date, reason: string): Promise<RecordDeletionResult> {
    return this.write(() => records.deleteVorgangRecords(this.ctx, vorgangId, purgedBefore, reason));
  }

  recordUpload(sha512: string, uploader: string): Promise<void> {
    return this.write(() => uploads.recordUpload(this.ctx, sha512, uploader));
  }
  uploadedBy(sha512: string, uploader: string): Promise<boolean> {
    return this.read(() => uploads.uploadedBy(this.ctx, sha512, uploader));
  }

  recordVorgangEvent(e: NewVorgangEvent): Promise<boolean> {
    return this.write(() => events.recordVorgangEvent(this.ctx, e));
  }
  vorgangEvents(vorgangId: string): Promise<VorgangEvent[]> {
    return this.read(() => events.vorgangEvents(this.ctx, vorgangId));
  }
  deadlineCandidates(q: DeadlineQuery): Promise<DeadlineCandidate[]> {
    return this.read(() => events.deadlineCandidates(this.ctx, q));
  }
  deadlineWatermark(q: DeadlineQuery): Promise<number> {
    return this.read(() => events.deadlineWatermark(this.ctx, q));
  }

  reportMessages(p: ReportPeriod): Promise<ReportMessage[]> {
    return this.read(() => reports.reportMessages(this.ctx, p));
  }
  reportOpenCases(to: Date, def: CaseDefinition, ags?: readonly string[]): Promise<OpenCaseCount[]> {
    return this.read(() => reports.openCases(this.ctx, to, def, ags));
  }
  reportFirstOf(vorgangIds: readonly string[], which: FirstOf): Promise<VorgangMessageTime[]> {
    return this.read(() => reports.firstOf(this.ctx, vorgangIds, which));
  }
  reportClosedIncomplete(p: ReportPeriod): Promise<ClosedIncomplete[]> {
    return this.read(() => reports.closedIncomplete(this.ctx, p));
  }
  reportUsage(p: ReportPeriod): Promise<UsageAggregate[]> {
    return this.read(() => reports.usage(this.ctx, p));
  }

  pressure(): StorePressure {
    return this.commits.pressure();
  }

  ping(): Promise<void> {
    return this.read(() => {
      this.db.prepare('SELECT 1').get();
    });
  }

  /** Queues a write for the next group commit; resolves after COMMIT (fsync'd). */
  private write<T>(op: () => T, label?: string): Promise<T> {
    if (this.closing !== undefined) return Promise.reject(closedError());
    return this.commits.write(op, label);
  }

  /** Runs a read now, on committed data. */
  private read<T>(op: () => T): Promise<T> {
    try {
      this.assertOpen();
      return Promise.resolve(op());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw closedError();
  }
}

function closedError(): GatewayError {
  return new GatewayError('GW_NOT_READY', 'The message store is closed.');
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
