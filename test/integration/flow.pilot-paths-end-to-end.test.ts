import { expect } from 'chai';
import { runDemo, type DemoResult } from '../../gateway/demo/run.js';
import type { CaseRecord } from '../../gateway/demo/tracker.js';
import { AMQP_URL } from '../support/amqp.js';

/** One stored message of a Vorgang as GET /api/v1/vorgaenge/{id} lists it, with its forms (GET /api/v1/messages/{id}/forms). */
interface Stored { id: string; messageType: string; endpointId: string; author: string; forms: Array<{ name: string; role: string; mapping?: string; mediaType?: string }> }
interface Timeline { status: string; messages: Stored[]; timeline: Array<{ messageType: string; to: string; at: string }>; events: Array<{ kind: string }> }

/**
 * Every path of issue 8's pilot, end to end: the real gateway with the demo configuration and
 * the simulated participants, each speaking its own format (gateway/demo). Per path, what
 * reached each participant and in which form (the simulators' own reports), and the Vorgang
 * as the gateway records it (GET /api/v1/vorgaenge/{id}: its messages in order, their
 * endpoints and forms — the dialect each was mapped to or submitted in — and the timeline).
 * Delegations: Sülzetal Hund e2e (demo.yaml), Magdeburg Hund switched to backoffice, Halle Hund
 * none; Wohngeld as demo.yaml has it. The unanswered Nachforderung (reminder, then closed) needs
 * a clock: test/integration/deadlines.reminder-and-close.test.ts.
 */
describe('flow: every pilot path end to end, each participant in its own format, and the Vorgang timeline', function () {
  this.timeout(240_000);
  let result: DemoResult;
  const vorgaenge = new Map<string, Timeline>();

  before(async () => {
    const lines: string[] = [];
    result = await runDemo({
      cases: 24, seed: 11, port: 0, stuckAfterMs: 90_000, amqpUrl: AMQP_URL, hops: false, out: (l) => lines.push(l), signal: new AbortController().signal,
      beforeCases: async (url) => {
        const res = await fetch(`${url}/api/v1/admin/municipalities/15003000/delegations/hund`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'backoffice', reason: 'pilot paths test' }) });
        expect(res.status, await res.text()).to.equal(200);
      },
      afterCases: async (url, tracker) => {
        for (const c of tracker.cases.values()) {
          const v = (await (await fetch(`${url}/api/v1/vorgaenge/${c.vorgangId}`)).json()) as Timeline;
          for (const m of v.messages) m.forms = ((await (await fetch(`${url}/api/v1/messages/${m.id}/forms`)).json()) as { items: Stored['forms'] }).items;
          vorgaenge.set(c.vorgangId, v);
        }
      },
    });
    expect(lines[lines.length - 1], lines.join('\n')).to.equal('demo: cases 24 completed 24 stuck 0');
    expect(lines.filter((l) => l.startsWith('!')), lines.join('\n')).to.deep.equal([]);
  });
  const casesOf = (town: string, service: 'hund' | 'wohngeld') => [...result.tracker.cases.values()].filter((c) => c.municipality === town && c.service === service);
  const hops = (c: CaseRecord) => c.hops.map((h) => `${h.from} → ${h.to}: ${h.format}`);
  const path = (v: Timeline) => v.messages.map((m) => `${m.messageType} → ${m.endpointId}`);
  const formOf = (m: Stored, role: string) => m.forms.find((f) => f.role === role);

  it('Hund delegated E2E (Sülzetal): form JSON → ZSA clerk (XZSA) → draft as HST-ENTWURF CSV in the file drop → HST-RUECK CSV answer → Bescheid XZSA 1.1 + PDF at the citizen\'s service', () => {
    for (const c of casesOf('Sülzetal', 'hund')) {
      expect(hops(c)).to.deep.equal(['EfA Hund → gateway: form JSON', 'EfA Hund → ZSA clerk: XZSA XML', 'ZSA clerk → FV Sülzetal: HST CSV file', 'FV Sülzetal → EfA Hund: XZSA XML + PDF']);
      const v = vorgaenge.get(c.vorgangId)!;
      expect(path(v)).to.deep.equal(['hund.anmeldung.0101 → zsa-hund', 'hund.steuerfestsetzung.0102 → fv-15083490-hund', 'hund.freigabe.0103 → efa-hund-lsa']);
      expect(formOf(v.messages[0]!, 'original')).to.include({ mapping: 'efa-hund-form-to-xzsa', mediaType: 'application/json' });
      expect(v.messages[1]!.forms.map((f) => f.mapping)).to.include('xzsa-steuerfestsetzung-to-fv-csv');
      expect(formOf(v.messages[2]!, 'original')).to.include({ mapping: 'fv-csv-to-xzsa', mediaType: 'text/csv' });
      expect(v.messages[2]!.author).to.equal('fv:15083490-hund');
      expect(v.timeline.filter((t) => t.to === 'delivered').map((t) => t.messageType)).to.include.members(['hund.anmeldung.0101', 'hund.steuerfestsetzung.0102']);
    }
  });

  it('Hund Backoffice (Magdeburg switched): the same hops, the draft as REST JSON over HTTP, the decision posted as REST JSON with the PDF', () => {
    const cases = casesOf('Magdeburg', 'hund');
    expect(cases.length).to.be.greaterThan(0);
    for (const c of cases) {
      expect(hops(c)).to.deep.equal(['EfA Hund → gateway: form JSON', 'EfA Hund → ZSA clerk: XZSA XML', 'ZSA clerk → FV Magdeburg: REST JSON', 'FV Magdeburg → EfA Hund: XZSA XML + PDF']);
      const v = vorgaenge.get(c.vorgangId)!;
      expect(path(v)).to.deep.equal(['hund.anmeldung.0101 → zsa-hund', 'hund.steuerfestsetzung.0102 → fv-15003000-hund', 'hund.freigabe.0103 → efa-hund-lsa']);
      expect(v.messages[1]!.forms.map((f) => f.mapping)).to.include('xzsa-steuerfestsetzung-to-fv-rest-json');
      expect(formOf(v.messages[2]!, 'original')).to.include({ mapping: 'fv-rest-json-to-xzsa', mediaType: 'application/json' });
    }
    expect(result.answered.magdeburg.map((a) => a.vorgangId).sort()).to.deep.equal(cases.map((c) => c.vorgangId).sort());
  });

  it('Hund not delegated (Halle (Saale)): the application in HSTX 2.3 from its pull mailbox, its own HSTX_BESCHEID back as Bescheid XZSA 1.1 + PDF; no ZSA on the way', () => {
    for (const c of casesOf('Halle (Saale)', 'hund')) {
      expect(hops(c)).to.deep.equal(['EfA Hund → gateway: form JSON', 'EfA Hund → FV Halle (Saale): HSTX 2.3 XML', 'FV Halle (Saale) → EfA Hund: XZSA XML + PDF']);
      const v = vorgaenge.get(c.vorgangId)!;
      expect(path(v)).to.deep.equal(['hund.anmeldung.0101 → fv-15002000-hund', 'hund.freigabe.0103 → efa-hund-lsa']);
      expect(v.messages[0]!.forms.map((f) => f.mapping)).to.include('xzsa-to-fv-legacy-xml');
      expect(formOf(v.messages[1]!, 'original')).to.include({ mapping: 'fv-legacy-xml-to-xzsa', mediaType: 'application/xml' });
      expect(v.messages.map((m) => m.author)).to.not.include('zsa:lsa');
    }
  });

  it('a draft corrected by the municipality reaches the citizen as a corrected Bescheid (korrigiert) that passes its check', () => {
    const corrected = result.bescheide.filter((b) => b.entscheidung === '02');
    expect(corrected.length, 'seed 11 with 24 cases plays at least one corrected draft').to.be.greaterThan(0);
    for (const b of corrected) {
      expect(b.problems).to.deep.equal([]);
      expect(vorgaenge.get(b.vorgangId)!.messages.map((m) => m.messageType)).to.deep.equal(['hund.anmeldung.0101', 'hund.steuerfestsetzung.0102', 'hund.freigabe.0103']);
    }
  });

  it('Wohngeld complete at first try, and incomplete → Nachforderung → Nachreichung → complete → forwarded, each in the same Vorgang', () => {
    const delegated = [...result.tracker.cases.values()].filter((c) => c.service === 'wohngeld' && c.municipality !== 'Halle (Saale)');
    const first = delegated.filter((c) => c.nachforderungen === 0);
    const later = delegated.filter((c) => c.nachforderungen > 0);
    expect(first.length, 'complete at first try').to.be.greaterThan(0);
    expect(later.length, 'incomplete first').to.be.greaterThan(0);
    for (const c of delegated) {
      const types = vorgaenge.get(c.vorgangId)!.messages.map((m) => m.messageType);
      expect(types[0]).to.equal('wohngeld.antrag.0201');
      expect(types[types.length - 1]).to.equal('wohngeld.weiterleitung.0205');
      // one Nachreichung per Nachforderung the citizen got (under backoffice the ZSA's Nachforderung goes on through the municipality: two messages)
      expect(types.filter((t) => t === 'wohngeld.nachreichung.0204').length, c.vorgangId).to.equal(c.nachforderungen);
      expect(types.filter((t) => t === 'wohngeld.nachforderung.0203').length).to.be.at.least(c.nachforderungen);
      expect(vorgaenge.get(c.vorgangId)!.status).to.equal('open');
      expect(c.hops[c.hops.length - 1]!.messageType).to.equal('wohngeld.weiterleitung.0205');
    }
    for (const c of later) expect(vorgaenge.get(c.vorgangId)!.messages.map((m) => m.messageType)).to.include.members(['wohngeld.nachforderung.0203', 'wohngeld.nachreichung.0204']);
    for (const c of first) expect(vorgaenge.get(c.vorgangId)!.messages.map((m) => m.messageType)).to.not.include('wohngeld.nachforderung.0203');
  });
});
