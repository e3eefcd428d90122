import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { verifySet } from '../../gateway/crypto/set.js';
import { runRecordDeletion } from '../../gateway/retention/records.js';
import { runRetention } from '../../gateway/retention/run.js';
import { runCli, show } from '../support/cli.js';
import { startTestGateway, testConfig, waitFor } from '../support/gateway.js';
import { hundAnmeldung, hundFreigabe, hundSteuerfestsetzung } from '../support/xzsa-fixtures.js';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;
const DAY = 86_400_000;
/** The demo's hund retention is 90 days after the release was delivered. */
const AFTER_RETENTION = () => new Date(Date.now() + 91 * DAY);

const field = (xml: string, name: string) => new RegExp(`<xzsab:${name}>([^<]+)<`).exec(xml)![1]!;

/** What a receiver does: wait until listed, fetch (lease), acknowledge → delivered. */
async function pickUp(gw: Gateway, mailbox: string, gatewayId: string): Promise<void> {
  const item = await waitFor(`${gatewayId} in ${mailbox}`, async () => {
    const r = await request(gw.url).get(`/api/v1/mailboxes/${mailbox}/messages`);
    return (r.body.items as Array<{ id: number; messageId: string }>).find((i) => i.messageId === gatewayId);
  });
  const fetched = await request(gw.url).post(`/api/v1/mailboxes/${mailbox}/fetch?item=${item.id}`).buffer(true);
  expect(fetched.status).to.equal(200);
  const ack = await request(gw.url).post(`/api/v1/mailboxes/${mailbox}/messages/${item.id}/ack`).send({ leaseToken: fetched.headers['x-lease-token'] });
  expect(ack.status, JSON.stringify(ack.body)).to.equal(200);
}

/**
 * A Hund Vorgang through ZSA and municipality: application (with an attachment), draft,
 * release, each fetched and acknowledged; `close: false` stops after the application.
 */
async function hundVorgang(gw: Gateway, close: boolean, attachment: Buffer): Promise<{ vorgangId: string; ids: string[] }> {
  const anmeldung = hundAnmeldung({ ags: '15003000' });
  const vorgangId = field(anmeldung, 'vorgangsID');
  const posted = await request(gw.url).post('/api/v1/messages').field('message', anmeldung).attach('attachment', attachment, { filename: 'nachweis.pdf', contentType: 'application/pdf' });
  expect(posted.status, posted.text).to.equal(202);
  const a = posted.body.gatewayId as string;
  await pickUp(gw, 'zsa-hund', a);
  if (!close) return { vorgangId, ids: [a] };
  const post = async (xml: string) => {
    const res = await request(gw.url).post('/api/v1/messages').set('content-type', 'application/xml').send(xml);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    return res.body.gatewayId as string;
  };
  const draft = hundSteuerfestsetzung({ ags: '15003000', vorgangId, anmeldungUuid: field(anmeldung, 'nachrichtenUUID'), author: 'zsa:lsa', reader: 'ags:15003000' });
  const d = await post(draft);
  await pickUp(gw, 'fv-15003000-hund', d);
  const f = await post(hundFreigabe({ ags: '15003000', vorgangId, author: 'ags:15003000', reader: 'efa:hund-lsa', entwurfUuid: field(draft, 'nachrichtenUUID') }));
  await pickUp(gw, 'efa-hund-lsa', f);
  return { vorgangId, ids: [a, d, f] };
}

const attachmentFile = (dataDir: string, sha: string) => join(dataDir, 'attachments', sha.slice(0, 2), sha);

describe('retention: payloads of a closed Vorgang go, metadata, receipts and audit stay', function () {
  this.timeout(90_000);
  let gw: Gateway;
  let closed: { vorgangId: string; ids: string[] };
  let open: { vorgangId: string; ids: string[] };

  before(async () => {
    const cfg = testConfig();
    cfg.mailbox.leaseMs = 1000;
    gw = await startTestGateway(cfg);
    closed = await hundVorgang(gw, true, Buffer.from(`closed ${Date.now()}`));
    open = await hundVorgang(gw, false, Buffer.from(`open ${Date.now()}`));
  });
  after(() => gw?.stop());

  const run = (dryRun: boolean) =>
    runRetention({ store: gw.services.store, attachments: gw.services.attachments, audit: gw.services.audit!, cfg: gw.services.cfg, now: AFTER_RETENTION(), dryRun });

  it('a dry run lists the closed Vorgang\'s messages and changes nothing', async () => {
    expect((await runRetention({ store: gw.services.store, attachments: gw.services.attachments, cfg: gw.services.cfg, now: new Date(), dryRun: true })).candidates).to.deep.equal([]);
    const r = await run(true);
    expect(r.candidates.map((c) => c.messageId)).to.deep.equal(closed.ids);
    expect(r).to.deep.include({ purged: 0, bytes: 0, attachmentsDeleted: 0 });
    for (const id of closed.ids) expect((await request(gw.url).get(`/api/v1/messages/${id}/payload`)).status).to.equal(200);
    expect(await gw.services.store.retentionLog()).to.deep.equal([]);
  });

  it('a real run purges payloads and the attachment file; metadata, history, receipt and audit stay', async () => {
    const [a] = closed.ids as [string];
    const before = (await request(gw.url).get(`/api/v1/messages/${a}`)).body as { history: unknown[]; attachments: Array<{ sha512: string }> };
    const sha = before.attachments[0]!.sha512;
    expect(existsSync(attachmentFile(gw.services.cfg.store.dataDir, sha))).to.equal(true);

    const r = await run(false);
    expect(r.purged).to.equal(3);
    expect(r.attachmentsDeleted).to.equal(1);
    expect(r.bytes).to.be.greaterThan(0);
    expect(existsSync(attachmentFile(gw.services.cfg.store.dataDir, sha))).to.equal(false);

    for (const id of closed.ids) {
      const m = await request(gw.url).get(`/api/v1/messages/${id}`);
      expect(m.status).to.equal(200);
      expect(m.body.state).to.equal('delivered');
      expect(m.body.payloadPurgedAt).to.be.a('string');
      const p = await request(gw.url).get(`/api/v1/messages/${id}/payload`);
      expect(p.status).to.equal(410);
      expect(p.body.code).to.equal('GW_PAYLOAD_PURGED');
    }
    const after = (await request(gw.url).get(`/api/v1/messages/${a}`)).body as typeof before;
    expect(after.history).to.deep.equal(before.history);
    expect(after.attachments).to.deep.equal(before.attachments);

    const jwks = JSON.parse((await request(gw.url).get('/.well-known/jwks.json')).text);
    const receipt = await request(gw.url).get(`/api/v1/messages/${a}/receipt`);
    expect(receipt.status).to.equal(200);
    expect((await verifySet(receipt.text, jwks as never)).sub).to.equal(`message:${a}`);

    const purges = await gw.services.audit!.list({ action: 'retention.purge' });
    expect(purges.map((e) => e.target)).to.deep.equal(closed.ids.map((id) => `message:${id}`));
    expect(purges.every((e) => e.actor === 'system:retention')).to.equal(true);
    expect((await gw.services.audit!.verify()).ok).to.equal(true);
    expect((await gw.services.store.retentionLog()).map((l) => l.messageId)).to.deep.equal(closed.ids);
  });

  it('leaves a Vorgang that is not closed untouched, and a second run finds nothing', async () => {
    const p = await request(gw.url).get(`/api/v1/messages/${open.ids[0]}/payload`);
    expect(p.status).to.equal(200);
    const m = (await gw.services.store.getMessage(open.ids[0]!))!;
    expect(await gw.services.attachments.has(m.attachments[0]!.sha512)).to.equal(true);
    const again = await run(false);
    expect(again).to.deep.equal({ candidates: [], purged: 0, bytes: 0, attachmentsDeleted: 0 });
  });

  it('the second stage deletes the closed Vorgang whole once its payloads were purged deleteRecordsAfterDays ago; tombstones stay and the audit chain verifies', async () => {
    const later = (days: number) => new Date(Date.now() + days * DAY);
    const stage = (now: Date, dryRun = false) =>
      runRecordDeletion({ store: gw.services.store, audit: gw.services.audit!, cfg: { retention: { deleteRecordsAfterDays: 30, batchSize: 100 } }, now, dryRun });
    expect((await stage(later(29))).candidates).to.deep.equal([]); // purged just now: 30 days are not over
    expect((await stage(later(31), true)).candidates.map((c) => [c.vorgangId, c.messageIds])).to.deep.equal([[closed.vorgangId, closed.ids]]);
    expect(await gw.services.store.getMessage(closed.ids[0]!)).to.not.equal(null); // a dry run changes nothing
    const r = await stage(later(31));
    expect(r).to.deep.include({ enabled: true, deleted: 3, vorgaengeGone: 1 });
    for (const id of closed.ids) {
      expect((await request(gw.url).get(`/api/v1/messages/${id}`)).status).to.equal(404);
      expect((await gw.services.store.retentionLog(id)).map((l) => l.stage)).to.deep.equal(['payload', 'records']);
    }
    expect((await request(gw.url).get(`/api/v1/vorgaenge/${closed.vorgangId}/proof`)).status).to.equal(404);
    expect((await gw.services.store.getMessage(open.ids[0]!))!.state).to.equal('delivered'); // not purged: stays
    const tombstones = await gw.services.audit!.list({ action: 'retention.delete-records' });
    expect(tombstones.map((e) => e.target)).to.deep.equal(closed.ids.map((id) => `message:${id}`));
    expect((await gw.services.audit!.list({ action: 'retention.purge' })).length).to.equal(3); // the audit log is never pruned
    expect((await gw.services.audit!.verify()).ok).to.equal(true);
    expect((await stage(later(31))).deleted).to.equal(0);
  });
});

describe('retention: `zsa-gateway retention run` on a stopped gateway\'s data folder', function () {
  this.timeout(120_000);
  let dataDir: string;
  let closed: { vorgangId: string; ids: string[] };

  before(async () => {
    const cfg = testConfig();
    cfg.mailbox.leaseMs = 1000;
    dataDir = cfg.store.dataDir;
    const gw = await startTestGateway(cfg);
    try {
      closed = await hundVorgang(gw, true, Buffer.from(`cli ${Date.now()}`));
    } finally {
      await gw.close();
    }
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('--dry-run prints what would go; the real run purges it', async () => {
    const now = AFTER_RETENTION().toISOString();
    const dry = await runCli(['retention', 'run', '--dry-run', '--data-dir', dataDir, '--now', now]);
    expect(dry.code, show(dry)).to.equal(0);
    for (const id of closed.ids) expect(dry.stdout, show(dry)).to.match(new RegExp(`^would purge message ${id} `, 'm'));
    expect(dry.stdout).to.match(/^retention: candidates 3 purged 0 bytes 0 attachments 0$/m);

    const real = await runCli(['retention', 'run', '--data-dir', dataDir, '--now', now]);
    expect(real.code, show(real)).to.equal(0);
    for (const id of closed.ids) expect(real.stdout, show(real)).to.match(new RegExp(`^purged message ${id} `, 'm'));
    expect(real.stdout).to.match(/^retention: candidates 3 purged 3 bytes [1-9]\d* attachments 1$/m);

    const verify = await runCli(['audit', 'verify', '--data-dir', dataDir]);
    expect(verify.code, show(verify)).to.equal(0);
    const again = await runCli(['retention', 'run', '--dry-run', '--data-dir', dataDir, '--now', now]);
    expect(again.stdout).to.match(/^retention: candidates 0 purged 0 bytes 0 attachments 0$/m);
  });
});
