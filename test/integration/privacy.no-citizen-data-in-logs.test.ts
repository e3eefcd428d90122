import { expect } from 'chai';
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { auditDbPath } from '../../gateway/audit/sqlite.js';
import { createGatewayLogger, REDACTED } from '../../gateway/logging.js';
import { startGateway, type GatewayHandle } from '../../gateway/server.js';
import { testConfig, waitFor } from '../support/gateway.js';
import { hundAnmeldung } from '../support/xzsa-fixtures.js';

/**
 * No citizen data in logs or stored diagnostics (ADR 0016). Representative traffic — valid
 * and refused messages carrying a made-up citizen name — runs through a gateway whose log
 * (at debug level, with the production redaction config) is captured. The name must not
 * appear in any log line, in the rejection log, the transition reasons, the audit database
 * or in the problem+json of any refusal (validation findings name rule and place, not the value).
 */
const NAME = 'Testfrau-Quellwert';
const FULL = `Erika ${NAME}`;
const withCitizen = (xml: string) => xml.replaceAll('Testfrau', NAME);
const B = 'privacyBoundary3e9a';
const part = (headers: string, body: string): Buffer => Buffer.from(`--${B}\r\n${headers}\r\n\r\n${body}\r\n`, 'utf8');
const end = Buffer.from(`--${B}--\r\n`);

describe('privacy: no citizen data in logs, rejection log, audit database or refusal problems', function () {
  this.timeout(120_000);
  let gw: GatewayHandle;
  let dataDir: string;
  const lines: string[] = [];
  const refusals: Array<{ what: string; status: number; text: string }> = [];

  before(async () => {
    const cfg = testConfig();
    dataDir = cfg.store.dataDir;
    gw = await startGateway(cfg, { log: createGatewayLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(s) } }), port: 0, host: '127.0.0.1' });
    expect(withCitizen(hundAnmeldung())).to.include(FULL);

    const post = () => request(gw.url).post('/api/v1/messages');
    const multipart = (...parts: Buffer[]) => post().set('content-type', `multipart/form-data; boundary=${B}`).send(Buffer.concat([...parts, end]));
    const messagePart = (xml: string) => part('Content-Disposition: form-data; name="message"; filename="m.xml"\r\nContent-Type: application/xml', xml);
    const attachment = (filename: string) => part(`Content-Disposition: form-data; name="attachment"; filename="${filename}"\r\nContent-Type: application/pdf`, '%PDF-1.4 synthetic');
    const refused = async (what: string, res: request.Response | Promise<request.Response>) => {
      const r = await res;
      expect(r.status, `${what}: ${r.text.slice(0, 200)}`).to.be.within(400, 499);
      refusals.push({ what, status: r.status, text: r.text });
    };

    // accepted: a valid message, and one with an attachment whose file name holds the name
    const valid = withCitizen(hundAnmeldung());
    expect((await post().set('content-type', 'application/xml').send(valid)).status).to.equal(202);
    expect((await multipart(messagePart(withCitizen(hundAnmeldung())), attachment(`${FULL} Ausweis.pdf`))).status).to.equal(202);

    // refused outside the validation layers
    await refused('file name with a bidi override', multipart(messagePart(withCitizen(hundAnmeldung())), attachment(`${FULL}\u202Efdp.exe`)));
    await refused('file name with a path', multipart(messagePart(withCitizen(hundAnmeldung())), attachment(`../${FULL}.pdf`)));
    await refused('attachmentRef to nothing', multipart(messagePart(withCitizen(hundAnmeldung())), part('Content-Disposition: form-data; name="attachmentRef"', JSON.stringify({ name: `${FULL}.pdf`, sha512: 'a'.repeat(128) }))));
    await refused('content type parameter', post().set('content-type', `text/plain; name="${FULL}"`).send(valid));
    await refused('duplicate UUID, other payload', post().set('content-type', 'application/xml').send(valid.replace('Bello', 'Rex')));
    await refused('pass-through header holding the name', post().set('content-type', 'application/jose').set('x-author', FULL).send('a.b.c.d.e'));
    await refused('oversized message field', multipart(part('Content-Disposition: form-data; name="message"', withCitizen(hundAnmeldung()) + ' '.repeat(21 * 1024 * 1024))));
    // refused by validation layers: checked here for the stored diagnostics and logs (their problem texts are the validator's)
    await refused('XSD: element missing', post().set('content-type', 'application/xml').send(valid.replace(/<xzsa:rasse>[^<]*<\/xzsa:rasse>/, '')));
    await refused('XSD: the name where a date belongs', post().set('content-type', 'application/xml').send(valid.replace('<xzsa:geburtsdatum>1984-06-15', `<xzsa:geburtsdatum>${FULL}`)));
    await refused('malformed XML inside the name', post().set('content-type', 'application/xml').send(valid.replace(FULL, `${FULL} <`)));

    await refused('malformed JSON body holding the name', request(gw.url).put('/api/v1/admin/municipalities/15003000/delegations/hund').set('content-type', 'application/json').send(`{"mode": "e2e", "reason": ${FULL}}`));
    // an admin change whose free-text reason names the citizen: stored as the change's record, redacted in the log
    const change = await request(gw.url).put('/api/v1/admin/municipalities/15003000/delegations/hund').send({ mode: 'e2e', reason: `Anruf von ${FULL}` });
    expect(change.status, change.text).to.equal(200);
    await waitFor('the delegation change logged', () => (lines.some((l) => l.includes('delegation switched')) ? true : undefined));
  });
  after(async () => {
    await gw?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const clean = (where: string, text: string) => {
    expect(text.toLowerCase().includes(NAME.toLowerCase()), `${where} holds the citizen name: …${text.slice(Math.max(0, text.toLowerCase().indexOf(NAME.toLowerCase()) - 120), text.toLowerCase().indexOf(NAME.toLowerCase()) + 60)}…`).to.equal(false);
  };

  it('no log line holds the name; the free-text reason is redacted', () => {
    expect(lines.length).to.be.greaterThan(0);
    clean('the log', lines.join('\n'));
    const switched = lines.map((l) => JSON.parse(l) as { msg: string; change?: { reason?: string } }).find((l) => l.msg === 'delegation switched');
    expect(switched?.change?.reason).to.equal(REDACTED);
  });

  it('the rejection log records the pipeline\'s refusals, without the name', async () => {
    const rejections = await gw.services.store.listRejections(1000);
    expect(rejections.map((r) => r.code)).to.include.members(['GW_DUPLICATE_CONFLICT', 'GW_XSD_INVALID', 'GW_XML_MALFORMED']);
    expect(rejections.find((r) => r.code === 'GW_XSD_INVALID')?.detail, 'still says where').to.match(/xsd .*line \d+/);
    clean('the rejection log', JSON.stringify(rejections));
  });

  it('the audit database and the transition reasons hold no name', () => {
    const audit = new Database(auditDbPath(dataDir), { readonly: true });
    try {
      const rows = audit.prepare('SELECT * FROM audit_log').all();
      expect(rows.length).to.be.greaterThan(5);
      clean('the audit log', JSON.stringify(rows));
    } finally {
      audit.close();
    }
    const store = new Database(join(dataDir, 'gateway.db'), { readonly: true });
    try {
      clean('transition reasons', JSON.stringify(store.prepare('SELECT * FROM transitions').all()));
      clean('rejections table', JSON.stringify(store.prepare('SELECT * FROM rejections').all()));
    } finally {
      store.close();
    }
  });

  it('no problem+json of a refusal quotes the name, the validation layers\' findings included', () => {
    expect(refusals).to.have.length(11);
    for (const r of refusals) clean(`the problem for "${r.what}"`, r.text);
    const xsd = refusals.find((r) => r.what === 'XSD: the name where a date belongs');
    expect(xsd?.text, 'the finding still says where').to.match(/geburtsdatum/);
  });
});
