import type { JWK } from 'jose';
import { canonicalJson, hashEntry } from '../audit/chain.js';
import type { AuditEntry } from '../audit/types.js';
import { eventOf, SET_EVENT_TYPES, verifySet, type SetClaims } from '../crypto/set.js';
import { canTransition, isMessageState } from '../model/index.js';
import { bundleDigest, PROOF_FORMAT, type ProofBody, type ProofBundle, type ProofMessage } from './proof-bundle.js';

/** One finding of `verifyProofBundle`: which check, on what, and why it failed. */
export interface ProofCheck {
  check: 'structure' | 'keys' | 'manifest' | 'subject' | 'receipt' | 'history' | 'events' | 'audit';
  ok: boolean;
  detail: string;
}

export interface ProofVerdict {
  ok: boolean;
  subject: string | null;
  messages: number;
  auditEntries: number;
  checks: ProofCheck[];
}

export interface ProofVerifyOptions {
  /** A pinned JWK Set (e.g. the gateway's JWKS fetched earlier): signatures must verify against it, not only against the bundle's keys. */
  jwks?: { keys: readonly JWK[] };
  now?: Date;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown): x is string => typeof x === 'string';

/** The structural problems of an untrusted bundle (empty when it has the shape of ProofBundle). */
function structureProblems(b: unknown): string[] {
  if (!isObj(b)) return ['the bundle is not a JSON object'];
  const p: string[] = [];
  if (b['format'] !== PROOF_FORMAT) p.push(`format must be ${PROOF_FORMAT}`);
  for (const k of ['subject', 'issuer', 'createdAt', 'manifest'] as const) if (!isStr(b[k])) p.push(`${k} must be a string`);
  if (!Array.isArray(b['messages'])) p.push('messages must be a list');
  else
    b['messages'].forEach((m, i) => {
      if (!isObj(m) || !isStr(m['id']) || !isStr(m['state']) || !isStr(m['receipt']) || !Array.isArray(m['transitions']) || !Array.isArray(m['events'])) p.push(`messages[${i}] lacks id, state, receipt, transitions or events`);
      else if (!(m['transitions'] as unknown[]).every((t) => isObj(t) && isStr(t['to']) && isStr(t['at']))) p.push(`messages[${i}].transitions has an entry without to or at`);
    });
  if (!Array.isArray(b['vorgangEvents'])) p.push('vorgangEvents must be a list');
  const a = b['audit'];
  if (!isObj(a) || !Array.isArray(a['entries']) || !isObj(a['head']) || !isStr(a['headToken'])) p.push('audit must hold entries, head and headToken');
  if (!isObj(b['keys']) || !Array.isArray((b['keys'] as Record<string, unknown>)['keys'])) p.push('keys must be a JWK Set');
  return p;
}

/**
 * Verifies a proof-of-delivery bundle offline (ADR 0031): every token's signature (against
 * the bundle's keys, and against `opts.jwks` when given), the manifest's digest over the
 * whole bundle, the subject, each message's receipt and history (states follow the state
 * machine and end in the stated state, one matching signed event per transition), and each
 * audit entry's hash, the links between consecutive entries and the signed audit head.
 * Never throws for a bad bundle: every failure is a check with `ok: false`.
 */
export async function verifyProofBundle(bundle: unknown, opts: ProofVerifyOptions = {}): Promise<ProofVerdict> {
  const checks: ProofCheck[] = [];
  const fail = (check: ProofCheck['check'], detail: string) => checks.push({ check, ok: false, detail });
  const pass = (check: ProofCheck['check'], detail: string) => checks.push({ check, ok: true, detail });
  const problems = structureProblems(bundle);
  if (problems.length > 0) {
    problems.forEach((d) => fail('structure', d));
    return { ok: false, subject: isObj(bundle) && isStr(bundle['subject']) ? bundle['subject'] : null, messages: 0, auditEntries: 0, checks };
  }
  const b = bundle as ProofBundle;
  pass('structure', `format ${PROOF_FORMAT}`);

  // keys: with a pinned set, every bundle key must be in it unchanged, and tokens verify against the pinned set only
  const bundleKeys = b.keys.keys;
  const keys = opts.jwks ?? b.keys;
  if (opts.jwks) {
    const pinned = new Map(opts.jwks.keys.map((k) => [k.kid, k]));
    const foreign = bundleKeys.filter((k) => {
      const p = pinned.get(k.kid);
      return !p || p.n !== k.n || p.e !== k.e;
    });
    if (foreign.length > 0) fail('keys', `the bundle carries keys not in the pinned JWKS: ${foreign.map((k) => String(k.kid)).join(', ')}`);
    else pass('keys', `every key of the bundle is in the pinned JWKS (${bundleKeys.length})`);
  } else pass('keys', `verifying with the bundle's own keys (${bundleKeys.length}); pin the gateway's JWKS with --jwks for a stronger check`);

  const token = async (what: string, t: string, type: string, check: ProofCheck['check']): Promise<SetClaims | undefined> => {
    try {
      const c = await verifySet(t, keys, { issuer: b.issuer, ...(opts.now ? { now: opts.now } : {}) });
      if (eventOf(c).type !== type) throw new Error(`event ${eventOf(c).type} is not ${type}`);
      return c;
    } catch (err) {
      fail(check, `${what}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  };

  // manifest
  const { manifest, ...body } = b;
  const mc = await token('manifest', manifest, SET_EVENT_TYPES.proofBundle, 'manifest');
  if (mc) {
    const d = eventOf(mc).details;
    let digest: string;
    try {
      digest = bundleDigest(body as ProofBody);
    } catch {
      digest = '(not canonical JSON)';
    }
    if (d['digest'] !== digest) fail('manifest', `the bundle's content does not match the signed digest (signed ${String(d['digest']).slice(0, 16)}…, computed ${digest.slice(0, 16)}…): something was changed, added or removed`);
    else if (d['subject'] !== b.subject || mc.sub !== b.subject) fail('manifest', `the manifest is signed for ${String(d['subject'])}, not ${b.subject}`);
    else if (d['messages'] !== b.messages.length || d['auditEntries'] !== b.audit.entries.length) fail('manifest', 'the number of messages or audit entries differs from the signed manifest');
    else pass('manifest', `signed digest sha-256 ${digest} matches`);
  }

  // subject
  const m = /^(message|vorgang):(.+)$/.exec(b.subject);
  const ids = b.messages.map((x) => x.id);
  if (!m) fail('subject', `subject ${b.subject} is neither message:<id> nor vorgang:<id>`);
  else if (b.messages.length === 0) fail('subject', 'the bundle holds no message');
  else if (new Set(ids).size !== ids.length) fail('subject', 'a message is listed twice');
  else if (m[1] === 'message' && (b.messages.length !== 1 || ids[0] !== m[2])) fail('subject', `a message's proof holds exactly message ${m[2]}`);
  else if (m[1] === 'vorgang' && b.messages.some((x) => x.vorgangId !== m[2])) fail('subject', `a message of another Vorgang is in the proof of Vorgang ${m[2]}`);
  else pass('subject', `${b.subject}: ${ids.length} message(s)`);

  for (const pm of b.messages) await checkMessage(pm, token, fail, pass);
  await checkAudit(b, new Set([b.subject, ...ids.map((i) => `message:${i}`)]), token, fail, pass);
  return { ok: checks.every((c) => c.ok), subject: b.subject, messages: b.messages.length, auditEntries: b.audit.entries.length, checks };
}

type TokenCheck = (what: string, t: string, type: string, check: ProofCheck['check']) => Promise<SetClaims | undefined>;
type Note = (check: ProofCheck['check'], detail: string) => void;
const sec = (iso: string) => Math.floor(Date.parse(iso) / 1000);

async function checkMessage(pm: ProofMessage, token: TokenCheck, fail: Note, pass: Note): Promise<void> {
  const where = `message ${pm.id}`;
  const rc = await token(`${where} receipt`, pm.receipt, SET_EVENT_TYPES.receipt, 'receipt');
  if (rc) {
    const d = eventOf(rc).details;
    if (rc.sub !== `message:${pm.id}` || rc.txn !== `vorgang:${pm.vorgangId}`) fail('receipt', `${where}: the receipt is for ${rc.sub} in ${rc.txn}`);
    else if (d['messageUuid'] !== pm.messageUuid || d['author'] !== pm.author || d['sha512'] !== pm.sha512 || d['receivedAt'] !== pm.receivedAt) fail('receipt', `${where}: message UUID, author, hash or time differ from the signed receipt`);
    else pass('receipt', `${where}: signed receipt of ${pm.receivedAt}`);
  }
  // history: from null to the stated state along the state machine
  const ts = pm.transitions;
  let bad: string | undefined;
  ts.forEach((t, i) => {
    const prev = i === 0 ? null : ts[i - 1]!.to;
    if (bad) return;
    if (!isMessageState(t.to) || t.from !== prev) bad = `transition ${i + 1} goes ${String(t.from)} → ${t.to}, after ${String(prev)}`;
    else if (prev !== null && (!isMessageState(prev) || !canTransition(prev, t.to))) bad = `transition ${i + 1} ${prev} → ${t.to} is not allowed`;
    else if (i > 0 && Date.parse(t.at) < Date.parse(ts[i - 1]!.at)) bad = `transition ${i + 1} is earlier than the one before`;
  });
  if (!bad && (ts.length === 0 || ts[0]!.to !== 'received')) bad = 'the history does not start with received';
  if (!bad && ts[ts.length - 1]!.to !== pm.state) bad = `the history ends in ${ts[ts.length - 1]!.to}, but the state is ${pm.state}`;
  if (bad) fail('history', `${where}: ${bad}`);
  else pass('history', `${where}: ${ts.map((t) => t.to).join(' → ')}`);
  // one signed event per transition, equal to it
  if (pm.events.length !== ts.length) {
    fail('events', `${where}: ${pm.events.length} signed events for ${ts.length} transitions`);
    return;
  }
  let ok = true;
  for (const [i, t] of ts.entries()) {
    const c = await token(`${where} event ${i + 1}`, pm.events[i]!, SET_EVENT_TYPES.stateChange, 'events');
    if (!c) {
      ok = false;
      continue;
    }
    const d = eventOf(c).details;
    if (c.sub !== `message:${pm.id}` || d['from'] !== t.from || d['to'] !== t.to || d['reason'] !== t.reason || d['attempt'] !== t.attempt || d['messageUuid'] !== pm.messageUuid || c.toe !== sec(t.at)) {
      fail('events', `${where}: signed event ${i + 1} does not match transition ${t.from ?? '∅'} → ${t.to} at ${t.at}`);
      ok = false;
    }
  }
  if (ok) pass('events', `${where}: ${ts.length} signed state changes match`);
}

async function checkAudit(b: ProofBundle, concerns: ReadonlySet<string>, token: TokenCheck, fail: Note, pass: Note): Promise<void> {
  const entries: AuditEntry[] = b.audit.entries;
  let ok = true;
  entries.forEach((e, i) => {
    let recomputed: string;
    try {
      recomputed = hashEntry({ ...e, detail: canonicalJson(e.detail) });
    } catch {
      recomputed = '';
    }
    if (recomputed !== e.hash) {
      fail('audit', `audit entry ${e.seq}: its content does not match its hash`);
      ok = false;
    }
    if (!concerns.has(e.target)) {
      fail('audit', `audit entry ${e.seq} is about ${e.target}, not about this proof's subject`);
      ok = false;
    }
    const prev = entries[i - 1];
    if (prev && e.seq <= prev.seq) {
      fail('audit', `audit entry ${e.seq} is out of order`);
      ok = false;
    }
    if (prev && e.seq === prev.seq + 1 && e.prevHash !== prev.hash) {
      fail('audit', `audit entry ${e.seq} is not chained to entry ${prev.seq}`);
      ok = false;
    }
  });
  const hc = await token('audit head', b.audit.headToken, SET_EVENT_TYPES.auditCheckpoint, 'audit');
  if (!hc) return;
  const d = eventOf(hc).details;
  const last = entries[entries.length - 1];
  if (d['seq'] !== b.audit.head.seq || d['hash'] !== b.audit.head.hash) fail('audit', 'the audit head differs from the signed checkpoint');
  else if (last && (last.seq > b.audit.head.seq || (last.seq === b.audit.head.seq && last.hash !== b.audit.head.hash))) fail('audit', `audit entry ${last.seq} lies beyond or differs from the signed head ${b.audit.head.seq}`);
  else if (ok) pass('audit', `${entries.length} entries intact; signed head ${b.audit.head.seq}:${b.audit.head.hash} (check the gateway's log with: zsa-gateway audit verify --anchor ${b.audit.head.seq}:${b.audit.head.hash})`);
}

/** The verdict as lines for the CLI: one per check, then the result. */
export function formatVerdict(v: ProofVerdict): string {
  const lines = v.checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.check}: ${c.detail}`);
  lines.push(v.ok ? `VALID: proof of ${v.subject} (${v.messages} message(s), ${v.auditEntries} audit entries) verifies.` : `INVALID: proof of ${v.subject ?? '(unknown subject)'} does not verify (${v.checks.filter((c) => !c.ok).length} failed check(s)).`);
  return lines.join('\n');
}
