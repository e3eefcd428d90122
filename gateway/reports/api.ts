import type { Request, Response } from 'express';
import { ALL_ROLES, forbidden } from '../auth/policy.js';
import { currentDelegations, sentOrReceived } from '../auth/ownership.js';
import { principalOf } from '../auth/principal.js';
import { route, type ApiRoute } from '../api/route.js';
import type { ServicesWith } from '../api/services.js';
import type { DelegationStore, ReportStore } from '../store/contracts.js';
import type { SigningKey } from '../crypto/signing-key.js';
import { GatewayError } from '../errors.js';
import type { ProofSnapshot, ProofSubject } from '../store/types.js';
import { computeFigures, type FiguresStore } from './figures.js';
import { figuresCsv } from './figures-csv.js';
import { parsePeriod } from './period.js';
import { buildProofBundle, type ProofBundle } from './proof-bundle.js';
import { proofHtml } from './proof-html.js';
import { proofPdf } from './proof-pdf.js';
import { reportScope } from './scope.js';
import { computeUsage, usageCsv } from './usage.js';

/** Figures, usage and proof bundles: the report queries (proofSnapshot among them) and the delegations of a proof's scope (ADR 0044). */
export type ReportsServices = ServicesWith<FiguresStore & ReportStore & Pick<DelegationStore, 'delegationOverrides'>>;

/** Municipalities see their own figures; operators and admins all (ADR 0031). */
const REPORT_ROLES = ['municipality', 'operator', 'admin'] as const;

function q(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new GatewayError('GW_BAD_REQUEST', `query parameter ${name} is given more than once or malformed`, { issues: [{ message: 'not a single value', path: `query.${name}` }] });
  return v;
}

/** `format` from the query, else from Accept; one of `allowed` (the first is the default). */
function format<F extends string>(req: Request, allowed: readonly [F, ...F[]]): F {
  const asked = q(req, 'format');
  if (asked !== undefined) {
    if (!(allowed as readonly string[]).includes(asked)) throw new GatewayError('GW_BAD_REQUEST', `format must be one of ${allowed.join(', ')}`, { issues: [{ message: 'unknown format', path: 'query.format' }] });
    return asked as F;
  }
  if ((allowed as readonly string[]).includes('csv') && req.accepts(['application/json', 'text/csv']) === 'text/csv') return 'csv' as F;
  return allowed[0];
}

const fileId = (id: string) => id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);

export function sendCsv(res: Response, name: string, body: string): void {
  res.setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
  res.type('text/csv; charset=utf-8').send(body);
}

/** Service figures and monthly usage (docs/reports.md). Policies: REPORT_ROLES, the handler narrows to the caller's AGS (`reportScope`). */
export function reportsApi(s: ReportsServices): ApiRoute[] {
  const period = (req: Request) => parsePeriod({ month: q(req, 'month'), from: q(req, 'from'), to: q(req, 'to') });
  return [
    route('GET', '/reports/figures', { roles: REPORT_ROLES, check: 'list' }, async (req, res) => {
      const ags = reportScope(s.cfg, principalOf(res), q(req, 'ags'));
      const service = q(req, 'service');
      if (service !== undefined && !s.cfg.services.some((x) => x.id === service)) throw new GatewayError('GW_BAD_REQUEST', 'service is not a configured service id', { issues: [{ message: 'unknown service', path: 'query.service' }] });
      const fmt = format(req, ['json', 'csv']);
      const p = period(req);
      const report = await computeFigures(s.cfg, s.store, p, { ...(ags ? { ags } : {}), ...(service ? { service } : {}) });
      if (fmt === 'csv') sendCsv(res, `kennzahlen-${p.month ?? 'zeitraum'}`, figuresCsv(report));
      else res.json(report);
    }),
    route('GET', '/reports/usage', { roles: REPORT_ROLES, check: 'list' }, async (req, res) => {
      const ags = reportScope(s.cfg, principalOf(res), q(req, 'ags'));
      const fmt = format(req, ['json', 'csv']);
      const p = period(req);
      const report = await computeUsage(s.cfg, s.store, p, ags);
      if (fmt === 'csv') sendCsv(res, `nutzung-${p.month ?? 'zeitraum'}`, usageCsv(report));
      else res.json(report);
    }),
  ];
}

/** Proof of delivery of a message or a Vorgang as a JSON bundle, HTML page or PDF (ADR 0031). */
export function proofApi(s: ReportsServices, key: SigningKey, issuer: () => string): ApiRoute[] {
  const answer = async (req: Request, res: Response, bundle: ProofBundle, name: string) => {
    const fmt = format(req, ['json', 'html', 'pdf']);
    if (fmt === 'html') {
      res.type('text/html; charset=utf-8').send(proofHtml(bundle));
      return;
    }
    if (fmt === 'pdf') {
      res.setHeader('Content-Disposition', `attachment; filename="zustellnachweis-${name}.pdf"`);
      res.type('application/pdf').send(await proofPdf(bundle));
      return;
    }
    res.setHeader('Content-Disposition', `attachment; filename="zustellnachweis-${name}.json"`);
    res.type('application/json').send(JSON.stringify(bundle, null, 2));
  };
  const build = async (subject: ProofSubject, snapshot: ProofSnapshot) =>
    buildProofBundle({ ...(s.audit ? { audit: s.audit } : {}), issuer: issuer(), signingKey: await key.get() }, subject, snapshot);

  return [
    route('GET', '/messages/:id/proof', { roles: ALL_ROLES, check: 'proof' }, async (req, res) => {
      const id = String(req.params['id']);
      // one read transaction: the state, history and forms of the message from the same snapshot (ADR 0049)
      const snapshot = await s.store.proofSnapshot({ kind: 'message', id });
      const m = snapshot.messages[0]?.message;
      if (!m) throw new GatewayError('GW_NOT_FOUND', `no message ${id}`);
      await answer(req, res, await build({ kind: 'message', id: m.id }, snapshot), fileId(m.id));
    }),
    // The policy admits the parties of the case; the bundle then holds only the messages the caller sent or received.
    route('GET', '/vorgaenge/:id/proof', { roles: ALL_ROLES, check: 'vorgang' }, async (req, res) => {
      const id = String(req.params['id']);
      const snapshot = await s.store.proofSnapshot({ kind: 'vorgang', id });
      const all = snapshot.messages;
      if (all.length === 0) throw new GatewayError('GW_NOT_FOUND', `no Vorgang ${id}`);
      const p = principalOf(res);
      let mine = all;
      if (p?.participant && p.role !== 'operator' && p.role !== 'admin') {
        const delegation = await currentDelegations(s.cfg, s.store);
        mine = all.filter((e) => sentOrReceived(s.cfg, p.participant!, e.message, delegation));
        if (mine.length === 0) throw forbidden(p, 'proof.own', `it sent or received no message of Vorgang ${id}`);
      }
      const vorgangId = all[0]!.message.vorgangId;
      await answer(req, res, await build({ kind: 'vorgang', id: vorgangId }, { ...snapshot, messages: mine }), fileId(vorgangId));
    }),
  ];
}
