import { expect } from 'chai';
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createGatewayLogger } from '../../gateway/logging.js';
import { startGateway, type GatewayHandle } from '../../gateway/server.js';
import { testConfig } from '../support/gateway.js';
import { call, FORM, send } from './sender.js';

/**
 * No citizen data leaks through the FIT-Connect API (ADR 0016 applied to ADR 0027): submissions
 * accepted and refused in every FIT-Connect check carry a made-up citizen name; the name must
 * not appear in the log (debug level), the rejection log, the event log (which outlives the
 * purged content) or any refusal's problem+json.
 */
const NAME = 'Quellwert-Fitconnect';
const withName = (patch: (form: Record<string, any>) => void): Buffer => {
  const form = JSON.parse(FORM.toString('utf8')) as Record<string, any>;
  form['applicant'].lastName = NAME;
  patch(form);
  return Buffer.from(JSON.stringify(form));
};

describe('FIT-Connect privacy: no citizen data in logs, rejection log, event log or problems', function () {
  this.timeout(120_000);
  let gw: GatewayHandle;
  let dataDir: string;
  const lines: string[] = [];
  const answers: string[] = [];
  const cases: string[] = [];

  before(async () => {
    const cfg = testConfig(); // auth.mode off: the local admin plays the sender
    dataDir = cfg.store.dataDir;
    gw = await startGateway(cfg, { log: createGatewayLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(s) } }), port: 0, host: '127.0.0.1' });
    const base = `${gw.url}/fit-connect`;
    const runs = [
      { form: withName(() => undefined) }, // accepted
      { form: withName(() => undefined), dataHash: 'c'.repeat(128) },
      { form: withName((f) => (f['dog'].dangerous = NAME)) }, // the name where the schema wants an enum
      { form: withName((f) => (f['dog'].birthDate = '31.02.2021')) }, // refused by the pipeline's mapping
      { form: withName((f) => (f['submission'].municipalityKey = '15001000')) }, // not Halle's area
    ];
    for (const knobs of runs) {
      const sent = await send(base, 'unused', knobs);
      if (sent.caseId) cases.push(sent.caseId);
      answers.push(sent.submit?.text ?? sent.created.text);
    }
    expect(answers.filter((a) => a.includes('"caseId"'))).to.have.length(1);
    for (const c of cases) answers.push((await call(base, undefined, 'GET', `/v1/cases/${c}/events`)).text);
  });
  after(async () => {
    await gw?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const clean = (where: string, text: string) => expect(text.includes(NAME), `${where} holds the citizen name`).to.equal(false);

  it('holds the name nowhere but in the stored submission itself', async () => {
    expect(lines.length).to.be.greaterThan(0);
    clean('the log', lines.join('\n'));
    clean('a problem or the event log', answers.join('\n'));
    clean('the rejection log', JSON.stringify(await gw.services.store.listRejections(1000)));
    const store = new Database(join(dataDir, 'gateway.db'), { readonly: true });
    try {
      clean('the event table', JSON.stringify(store.prepare('SELECT * FROM fit_events').all()));
    } finally {
      store.close();
    }
  });
});
