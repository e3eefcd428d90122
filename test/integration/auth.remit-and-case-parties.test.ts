import amqp from 'amqplib';
import { expect } from 'chai';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { requiredAuthConfig, testTokenFor, tokenFor, withTestClients, type DemoClient } from '../auth/oauth-fixture.js';
import { AMQP_URL } from '../support/amqp.js';
import { startTestGateway, waitFor } from '../support/gateway.js';
import {
  gatewayFehler, gatewayQuittung, hundAnmeldung, hundSteuerfestsetzung, wohngeldAntrag, wohngeldNachforderung, wohngeldPruefergebnis,
} from '../support/xzsa-fixtures.js';

const MD = '15003000'; // Magdeburg: hund e2e, wohngeld prozessschritt:vollstaendigkeitspruefung
const HAL = '15002000'; // Halle: delegates nothing
const DE = '15001000'; // Dessau-Roßlau: hund backoffice
const uuidOf = (xml: string) => /<xzsab:nachrichtenUUID>([^<]+)</.exec(xml)![1]!;
const vorgangOf = (xml: string) => /<xzsab:vorgangsID>([^<]+)</.exec(xml)![1]!;

/** Participants of the demo without an OAuth client in demo.yaml, given one for this test. */
const EXTRA = ['fv-15002000-hund', 'efa-wohngeld-lsa', 'fv-15003000-wohngeld', 'fv-15001000-hund'] as const;
type Caller = DemoClient | (typeof EXTRA)[number];

/**
 * Items 2–5 of the authorization review, as an attacker would try them: real tokens of
 * other tenants over HTTP with `auth.mode: required`, and the same messages through the
 * AMQP reply queue, where no caller is authenticated and only the header names the author.
 */
describe('auth: every submission is bound to its author\'s remit and case (HTTP and AMQP)', function () {
  this.timeout(90_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  const replyQueue = `zsa-test.remit.${randomUUID().slice(0, 8)}`;
  const tokens = new Map<string, string>();
  const pdfMd = Buffer.from(`%PDF-1.4 synthetic Mietvertrag of Magdeburg ${randomUUID()}\n`);
  const shaMd = createHash('sha512').update(pdfMd).digest('hex');
  let vMd: string; // Magdeburg's Hund case (ZSA, e2e), carries pdfMd
  let anmMd: string; // its opening message
  let vHal: string; // Halle's Hund case (no delegation)
  let vDe: string; // Dessau's Hund case (backoffice)
  let vHalW: string; // Halle's Wohngeld case (no delegation)
  let vMdW: string; // Magdeburg's Wohngeld case (completeness check delegated)

  const token = async (as: Caller) => {
    if (!tokens.has(as)) tokens.set(as, (EXTRA as readonly string[]).includes(as) ? await testTokenFor(gw.url, as) : await tokenFor(gw.url, as as DemoClient));
    return tokens.get(as)!;
  };
  const post = async (as: Caller, xml: string) => request(gw.url).post('/api/v1/messages').set('authorization', `Bearer ${await token(as)}`).set('content-type', 'application/xml').send(xml);
  const get = async (as: Caller, path: string) => request(gw.url).get(`/api/v1${path}`).set('authorization', `Bearer ${await token(as)}`);
  const expectRefused = (res: request.Response, status: number, code: string, rule?: string) => {
    const what = JSON.stringify(res.body).slice(0, 400);
    expect(res.status, what).to.equal(status);
    expect(res.body.code, what).to.equal(code);
    if (rule !== undefined) expect(res.body.rule, what).to.equal(rule);
  };
  /** The Hund EfA service's application with Magdeburg's synthetic PDF attached. */
  const postWithPdf = async (xml: string) =>
    request(gw.url)
      .post('/api/v1/messages')
      .set('authorization', `Bearer ${await token('efa-hund-lsa')}`)
      .attach('message', Buffer.from(xml), { filename: 'm.xml', contentType: 'application/xml' })
      .attach('attachment', pdfMd, { filename: 'mietvertrag.pdf', contentType: 'application/pdf' });
  const vorgangSize = async (id: string) => (await gw.services.store.vorgang(id)).length;

  before(async () => {
    const conn = await amqp.connect(AMQP_URL);
    await (await conn.createChannel()).assertQueue(replyQueue, { durable: true });
    await conn.close();
    const cfg = await withTestClients(requiredAuthConfig(), EXTRA);
    // every participant that writes may use this queue, so the remit rules themselves are what refuses below
    const authors = cfg.participants.filter((p) => ['efa-service', 'municipality', 'fachverfahren', 'zsa'].includes(p.kind)).map((p) => p.id);
    cfg.ingress.amqp = [{ id: 'remit-replies', url: AMQP_URL, queue: replyQueue, prefetch: 4, authors }];
    gw = await startTestGateway(cfg);

    const aMd = hundAnmeldung({ ags: MD });
    const opened = await postWithPdf(aMd);
    expect(opened.status, JSON.stringify(opened.body)).to.equal(202);
    vMd = vorgangOf(aMd);
    anmMd = aMd;
    const open = async (as: Caller, xml: string) => {
      const r = await post(as, xml);
      expect(r.status, JSON.stringify(r.body)).to.equal(202);
      return vorgangOf(xml);
    };
    vHal = await open('efa-hund-lsa', hundAnmeldung({ ags: HAL }));
    vDe = await open('efa-hund-lsa', hundAnmeldung({ ags: DE }));
    vHalW = await open('efa-wohngeld-lsa', wohngeldAntrag({ ags: HAL }));
    vMdW = await open('efa-wohngeld-lsa', wohngeldAntrag({ ags: MD }));
  });
  after(async () => {
    await gw?.stop();
    const conn = await amqp.connect(AMQP_URL);
    await (await conn.createChannel()).deleteQueue(replyQueue);
    await conn.close();
  });

  describe('who may write into which case (item 2)', () => {
    it('refuses Halle writing into Magdeburg\'s Vorgang, under either AGS, and stores nothing', async () => {
      const before = await vorgangSize(vMd);
      // to a non-party the case is unknown: nothing about it (its AGS) shapes the answer
      expectRefused(await post('halle', hundSteuerfestsetzung({ ags: HAL, vorgangId: vMd, author: `ags:${HAL}`, reader: `ags:${HAL}` })), 422, 'GW_VORGANG_UNKNOWN');
      expectRefused(await post('halle', hundSteuerfestsetzung({ ags: MD, vorgangId: vMd, author: `ags:${HAL}`, reader: `ags:${MD}` })), 403, 'GW_FORBIDDEN', 'remit.ags');
      expect(await vorgangSize(vMd)).to.equal(before);
    });

    it('lets only the parties read the case: Halle and Halle\'s Fachverfahren are refused, Magdeburg, its Fachverfahren, the ZSA and the origin read it', async () => {
      expectRefused(await get('halle', `/vorgaenge/${vMd}`), 403, 'GW_FORBIDDEN', 'vorgang.party');
      expectRefused(await get('fv-15002000-hund', `/vorgaenge/${vMd}`), 403, 'GW_FORBIDDEN', 'vorgang.party');
      for (const party of ['magdeburg', 'fv-15003000-hund', 'zsa-lsa', 'efa-hund-lsa'] as const) {
        const res = await get(party, `/vorgaenge/${vMd}`);
        expect(res.status, `${party}: ${JSON.stringify(res.body).slice(0, 200)}`).to.equal(200);
        expect(res.body.messages[0].messageUuid).to.equal(uuidOf(anmMd));
      }
    });

    it('refuses a Vorgang id that already exists for an opening message, from the same and from another author; the very same message again gets its receipt', async () => {
      expectRefused(await post('efa-hund-lsa', hundAnmeldung({ ags: MD, vorgangId: vMd })), 409, 'GW_VORGANG_EXISTS');
      expectRefused(await post('efa-hund-lsa', hundAnmeldung({ ags: HAL, vorgangId: vMd })), 409, 'GW_VORGANG_EXISTS');
      expectRefused(await post('efa-wohngeld-lsa', wohngeldAntrag({ ags: MD, vorgangId: vMd })), 409, 'GW_VORGANG_EXISTS');
      const again = await post('efa-hund-lsa', hundAnmeldung({ ags: HAL, vorgangId: vHal }));
      expectRefused(again, 409, 'GW_VORGANG_EXISTS');
      const repeat = await postWithPdf(anmMd);
      expect(repeat.status, JSON.stringify(repeat.body)).to.equal(200);
      expect(repeat.body.duplicate).to.equal(true);
      const rejections = await gw.services.store.listRejections(200);
      expect(rejections.filter((r) => r.code === 'GW_VORGANG_EXISTS')).to.have.length.greaterThanOrEqual(4);
    });
  });

  describe('who may write what at all (item 3)', () => {
    it('refuses Halle filing an application for Magdeburg, and for itself (applications come from EfA services)', async () => {
      expectRefused(await post('halle', hundAnmeldung({ ags: MD, author: `ags:${HAL}` })), 403, 'GW_FORBIDDEN', 'remit.ags');
      expectRefused(await post('halle', hundAnmeldung({ ags: HAL, author: `ags:${HAL}` })), 403, 'GW_FORBIDDEN', 'route.from');
    });

    it('refuses Halle\'s Fachverfahren pushing into Magdeburg\'s Fachverfahren', async () => {
      expectRefused(await post('fv-15002000-hund', wohngeldPruefergebnis({ ags: MD, vorgangId: vMdW, author: 'fv:15002000-hund', reader: 'fv:15003000-wohngeld' })), 403, 'GW_FORBIDDEN', 'remit.ags');
      expectRefused(await post('fv-15002000-hund', hundSteuerfestsetzung({ ags: MD, vorgangId: vMd, author: 'fv:15002000-hund', reader: 'fv:15003000-hund' })), 403, 'GW_FORBIDDEN', 'remit.ags');
    });

    it('refuses a Fachverfahren writing for another service of its own municipality', async () => {
      expectRefused(await post('fv-15003000-hund', wohngeldNachforderung({ ags: MD, vorgangId: vMdW, author: 'fv:15003000-hund', reader: `ags:${MD}` })), 403, 'GW_FORBIDDEN', 'remit.service');
    });

    it('refuses gateway.* message types from every kind of participant', async () => {
      const tries: Array<[Caller, string]> = [['efa-hund-lsa', 'efa:hund-lsa'], ['zsa-lsa', 'zsa:lsa'], ['magdeburg', `ags:${MD}`], ['fv-15003000-hund', 'fv:15003000-hund']];
      for (const [as, kennung] of tries) {
        expectRefused(await post(as, gatewayQuittung({ ags: MD, vorgangId: vMd, author: kennung, reader: 'efa:hund-lsa' })), 403, 'GW_FORBIDDEN', 'remit.gateway-type');
        expectRefused(await post(as, gatewayFehler({ ags: MD, vorgangId: randomUUID(), author: kennung, reader: 'efa:hund-lsa' })), 403, 'GW_FORBIDDEN', 'remit.gateway-type');
      }
    });

    it('lets the Nachforderung come from whoever does the completeness check, and reach the citizen through the municipality', async () => {
      // Halle checks itself: its Nachforderung goes to the citizen's side
      const own = await post('halle', wohngeldNachforderung({ ags: HAL, vorgangId: vHalW, author: `ags:${HAL}`, reader: 'efa:wohngeld-lsa' }));
      expect(own.status, JSON.stringify(own.body)).to.equal(202);
      expect((await gw.services.store.getMessage(own.body.gatewayId))?.endpointId).to.equal('efa-wohngeld-lsa');
      // Magdeburg delegated the check: the ZSA's Nachforderung goes to the municipality, which sends it on to the citizen (ADR 0021)
      const zsa = await post('zsa-lsa', wohngeldNachforderung({ ags: MD, vorgangId: vMdW, author: 'zsa:lsa', reader: `ags:${MD}` }));
      expect(zsa.status, JSON.stringify(zsa.body)).to.equal(202);
      expect((await gw.services.store.getMessage(zsa.body.gatewayId))?.endpointId).to.equal('fv-15003000-wohngeld');
      const onward = await post('magdeburg', wohngeldNachforderung({ ags: MD, vorgangId: vMdW, author: `ags:${MD}`, reader: 'efa:wohngeld-lsa' }));
      expect(onward.status, JSON.stringify(onward.body)).to.equal(202);
      expect((await gw.services.store.getMessage(onward.body.gatewayId))?.endpointId).to.equal('efa-wohngeld-lsa');
    });
  });

  describe('Verwaltungshelfer limits (item 4)', () => {
    it('refuses a ZSA Nachforderung for a municipality that delegated nothing', async () => {
      expectRefused(await post('zsa-lsa', wohngeldNachforderung({ ags: HAL, vorgangId: vHalW, author: 'zsa:lsa', reader: 'efa:wohngeld-lsa' })), 403, 'GW_FORBIDDEN', 'remit.delegation');
    });

    it('refuses the ZSA contacting the citizen\'s side without e2e (backoffice, single step)', async () => {
      expectRefused(await post('zsa-lsa', hundSteuerfestsetzung({ ags: DE, vorgangId: vDe, author: 'zsa:lsa', reader: 'efa:hund-lsa' })), 403, 'GW_FORBIDDEN', 'remit.citizen-contact');
      expectRefused(await post('zsa-lsa', wohngeldNachforderung({ ags: MD, vorgangId: vMdW, author: 'zsa:lsa', reader: 'efa:wohngeld-lsa' })), 403, 'GW_FORBIDDEN', 'remit.citizen-contact');
      const toMunicipality = await post('zsa-lsa', hundSteuerfestsetzung({ ags: DE, vorgangId: vDe, author: 'zsa:lsa', reader: `ags:${DE}` }));
      expect(toMunicipality.status, JSON.stringify(toMunicipality.body)).to.equal(202);
    });

    it('refuses the ZSA acting in a Vorgang of a municipality that did not delegate the service, and reading it', async () => {
      expectRefused(await post('zsa-lsa', hundSteuerfestsetzung({ ags: HAL, vorgangId: vHal, author: 'zsa:lsa', reader: `ags:${HAL}` })), 403, 'GW_FORBIDDEN', 'remit.delegation');
      expectRefused(await get('zsa-lsa', `/vorgaenge/${vHal}`), 403, 'GW_FORBIDDEN', 'vorgang.party');
    });

    it('follows a delegation switched at runtime: once Dessau takes Hund back, the ZSA neither reads nor writes its case', async () => {
      const admin = await token('admin');
      const zsaRead = await get('zsa-lsa', `/vorgaenge/${vDe}`);
      expect(zsaRead.status, JSON.stringify(zsaRead.body).slice(0, 200)).to.equal(200);
      const off = await request(gw.url).put(`/api/v1/admin/municipalities/${DE}/delegations/hund`).set('authorization', `Bearer ${admin}`).send({ mode: 'none', reason: 'test: taken back' });
      expect(off.status, JSON.stringify(off.body)).to.equal(200);
      try {
        await waitFor('delegation none seen by the router', async () => ((await gw.services.router.delegation(DE, 'hund')).mode === 'none' ? true : undefined));
        expectRefused(await get('zsa-lsa', `/vorgaenge/${vDe}`), 403, 'GW_FORBIDDEN', 'vorgang.party');
        expectRefused(await post('zsa-lsa', hundSteuerfestsetzung({ ags: DE, vorgangId: vDe, author: 'zsa:lsa', reader: `ags:${DE}` })), 403, 'GW_FORBIDDEN', 'remit.delegation');
        expect((await get('fv-15001000-hund', `/vorgaenge/${vDe}`)).status).to.equal(200);
      } finally {
        const back = await request(gw.url).put(`/api/v1/admin/municipalities/${DE}/delegations/hund`).set('authorization', `Bearer ${admin}`).send({ mode: 'backoffice', reason: 'test: restored' });
        expect(back.status, JSON.stringify(back.body)).to.equal(200);
      }
    });
  });

  describe('attachments (item 5)', () => {
    const withRef = async (as: Caller, xml: string, sha512: string) =>
      request(gw.url)
        .post('/api/v1/messages')
        .set('authorization', `Bearer ${await token(as)}`)
        .field('message', xml)
        .field('attachmentRef', JSON.stringify({ name: 'beleg.pdf', mediaType: 'application/pdf', sha512 }));

    it('refuses another participant\'s attachment hash with the same answer as an unknown hash, and keeps its download closed', async () => {
      const foreign = await withRef('halle', wohngeldNachforderung({ ags: HAL, vorgangId: vHalW, author: `ags:${HAL}`, reader: 'efa:wohngeld-lsa' }), shaMd);
      expectRefused(foreign, 403, 'GW_FORBIDDEN', 'attachment.uploader');
      const unknownSha = createHash('sha512').update(randomBytes(32)).digest('hex');
      const unknown = await withRef('halle', wohngeldNachforderung({ ags: HAL, vorgangId: vHalW, author: `ags:${HAL}`, reader: 'efa:wohngeld-lsa' }), unknownSha);
      expectRefused(unknown, 403, 'GW_FORBIDDEN', 'attachment.uploader');
      expect(String(unknown.body.detail).replace(unknownSha.slice(0, 16), 'H')).to.equal(String(foreign.body.detail).replace(shaMd.slice(0, 16), 'H'));
      expectRefused(await get('halle', `/attachments/${shaMd}`), 403, 'GW_FORBIDDEN', 'attachment.own');
      expectRefused(await get('halle', `/attachments/${unknownSha}`), 403, 'GW_FORBIDDEN', 'attachment.own');
    });

    it('accepts the uploader\'s own attachment, and one the Vorgang already carries from one of its parties', async () => {
      const bytes = Buffer.from(`synthetic Anhörung of Halle ${randomUUID()}`);
      const up = await request(gw.url).post('/api/v1/attachments').set('authorization', `Bearer ${await token('halle')}`).set('content-type', 'application/octet-stream').send(bytes);
      expect(up.status, JSON.stringify(up.body)).to.equal(201);
      expect((await get('halle', `/attachments/${up.body.sha512 as string}`)).status).to.equal(200);
      expect((await get('magdeburg', `/attachments/${up.body.sha512 as string}`)).status).to.equal(403);
      const own = await withRef('halle', wohngeldNachforderung({ ags: HAL, vorgangId: vHalW, author: `ags:${HAL}`, reader: 'efa:wohngeld-lsa' }), up.body.sha512 as string);
      expect(own.status, JSON.stringify(own.body)).to.equal(202);
      const inCase = await withRef('zsa-lsa', hundSteuerfestsetzung({ ags: MD, vorgangId: vMd, author: 'zsa:lsa', reader: `ags:${MD}` }), shaMd);
      expect(inCase.status, JSON.stringify(inCase.body)).to.equal(202);
    });
  });

  describe('spelling variants of kennung and AGS', () => {
    it('refuses a kennung in other case and an AGS with extra characters; whitespace around a kennung is no second identity', async () => {
      // the schema's pattern refuses an upper-case prefix; the rest is compared exactly (remit.author / ingress.author)
      for (const author of ['AGS:15002000', 'Ags:15002000', 'ags:15002000x', 'ags:15003000']) {
        const res = await post('halle', wohngeldNachforderung({ ags: HAL, vorgangId: vHalW, author, reader: 'efa:wohngeld-lsa' }));
        expect(res.status, `${JSON.stringify(author)}: ${JSON.stringify(res.body).slice(0, 200)}`).to.be.oneOf([403, 422]);
      }
      // the kennung is an xs:token: surrounding whitespace collapses to the caller's own kennung
      for (const author of [' ags:15002000', 'ags:15002000\n ']) {
        const res = await post('halle', wohngeldNachforderung({ ags: HAL, vorgangId: vHalW, author, reader: 'efa:wohngeld-lsa' }));
        expect(res.status, JSON.stringify(res.body).slice(0, 200)).to.equal(202);
        expect(res.body.author).to.equal(`ags:${HAL}`);
      }
      expectRefused(await post('magdeburg', hundSteuerfestsetzung({ ags: MD, vorgangId: vMd, author: ` ags:${HAL} `, reader: `ags:${MD}` })), 403, 'GW_FORBIDDEN', 'ingress.author');
      const before = await vorgangSize(vMd);
      for (const ags of [` ${MD}`, `${MD} `, `0${MD}`, `${MD}0`, `${MD.slice(0, 7)}x`]) {
        const res = await post('magdeburg', hundSteuerfestsetzung({ ags, vorgangId: vMd, author: `ags:${MD}`, reader: `ags:${MD}` }));
        expect(res.status, `${JSON.stringify(ags)}: ${JSON.stringify(res.body).slice(0, 200)}`).to.be.oneOf([403, 422]);
      }
      expect(await vorgangSize(vMd)).to.equal(before);
    });
  });

  describe('the same rules on the AMQP reply queue (no authenticated caller)', () => {
    async function publish(...xmls: string[]) {
      const conn = await amqp.connect(AMQP_URL);
      const ch = await conn.createConfirmChannel();
      for (const x of xmls) ch.sendToQueue(replyQueue, Buffer.from(x), { persistent: true, contentType: 'application/xml' });
      await ch.waitForConfirms();
      await conn.close();
    }
    const rejectionOf = (xml: string) =>
      waitFor(`rejection of ${uuidOf(xml)}`, async () => (await gw.services.store.listRejections(500)).find((r) => r.messageUuid === uuidOf(xml) && r.remote === 'amqp:remit-replies'));

    it('records each refusal in the rejection log with its rule, stores none of them, and still accepts the ZSA\'s own reply', async () => {
      const cases: Array<[string, string, string | null]> = [
        [hundSteuerfestsetzung({ ags: HAL, vorgangId: vMd, author: `ags:${HAL}`, reader: `ags:${HAL}` }), 'GW_VORGANG_UNKNOWN', null],
        [hundAnmeldung({ ags: MD, author: `ags:${HAL}` }), 'GW_FORBIDDEN', 'remit.ags'],
        [wohngeldPruefergebnis({ ags: MD, vorgangId: vMdW, author: 'fv:15002000-hund', reader: 'fv:15003000-wohngeld' }), 'GW_FORBIDDEN', 'remit.ags'],
        [wohngeldAntrag({ ags: MD, author: 'efa:hund-lsa' }), 'GW_FORBIDDEN', 'remit.service'],
        [gatewayQuittung({ ags: MD, vorgangId: vMd, author: 'zsa:lsa', reader: 'efa:hund-lsa' }), 'GW_FORBIDDEN', 'remit.gateway-type'],
        [gatewayQuittung({ ags: MD, vorgangId: vMd, reader: 'efa:hund-lsa' }), 'GW_FORBIDDEN', 'ingress.channel'], // the gateway's own kennung is no author of the queue
        [wohngeldNachforderung({ ags: HAL, vorgangId: vHalW, author: 'zsa:lsa', reader: 'efa:wohngeld-lsa' }), 'GW_FORBIDDEN', 'remit.delegation'],
        [hundSteuerfestsetzung({ ags: DE, vorgangId: vDe, author: 'zsa:lsa', reader: 'efa:hund-lsa' }), 'GW_FORBIDDEN', 'remit.citizen-contact'],
        [hundSteuerfestsetzung({ ags: HAL, vorgangId: vHal, author: 'zsa:lsa', reader: `ags:${HAL}` }), 'GW_FORBIDDEN', 'remit.delegation'],
        [hundSteuerfestsetzung({ ags: MD, vorgangId: vMd, author: 'zsa:LSA', reader: `ags:${MD}` }), 'GW_FORBIDDEN', 'ingress.channel'],
        [hundSteuerfestsetzung({ ags: MD, vorgangId: vMd, author: 'ZSA:lsa', reader: `ags:${MD}` }), 'GW_XSD_INVALID', null],
        [hundSteuerfestsetzung({ ags: MD, vorgangId: vMd, author: 'zsa:unbekannt', reader: `ags:${MD}` }), 'GW_FORBIDDEN', 'ingress.channel'],
        [hundAnmeldung({ ags: MD, vorgangId: vMd }), 'GW_VORGANG_EXISTS', null],
        [wohngeldAntrag({ ags: HAL, vorgangId: vHal }), 'GW_VORGANG_EXISTS', null],
      ];
      const good = hundSteuerfestsetzung({ ags: MD, vorgangId: vMd, author: 'zsa:lsa', reader: `ags:${MD}` });
      const before = await gw.services.store.listMessages({ limit: 1000 });
      await publish(...cases.map(([x]) => x), good);
      for (const [xml, code, rule] of cases) {
        const r = await rejectionOf(xml);
        expect(r.code, r.detail).to.equal(code);
        // the rejection log keeps the finding's layer and rule, not the problem's free text (ADR 0016)
        if (rule !== null) expect(r.detail, r.detail).to.contain(`authorization ${rule} `);
      }
      const stored = await waitFor('the ZSA reply stored', () => gw.services.store.getMessageByUuid('zsa:lsa', uuidOf(good)).then((m) => m ?? undefined));
      expect(stored.endpointId).to.equal('fv-15003000-hund');
      const after = await gw.services.store.listMessages({ limit: 1000 });
      expect(after.length - before.length).to.equal(1);
    });
  });
});
