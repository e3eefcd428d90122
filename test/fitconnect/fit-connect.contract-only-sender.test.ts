import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactDecrypt, importJWK, SignJWT, type JWK } from 'jose';
import { FitConnectSender, SenderError, TrustError } from '../../gateway/fitconnect/client/sender.js';
import { PACKAGE_ROOT } from '../../gateway/paths.js';
import { requiredAuthConfig, tokenFor } from '../auth/oauth-fixture.js';
import { encryptionKeys, signingKeys } from '../crypto/support.js';
import { startTestGateway } from '../support/gateway.js';

const HUND = '99102013104000';
const HALLE_ARS = '150020000000'; // Stadt Halle (Saale), docs/reference-keys.md
const HALLE_DEST = '5a1c0e3e-3b0f-4f6a-9a51-150020000001';
const EVENT = 'https://schema.fitko.de/fit-connect/events/';
const FORM = readFileSync(join(PACKAGE_ROOT, 'mappings/efa-hund-form-to-xzsa/fixtures/halle-ags-reduction-transfer.input.json'));
const sha512 = (b: Uint8Array) => createHash('sha512').update(b).digest('hex');
const CLIENT_DIR = join(PACKAGE_ROOT, 'gateway/fitconnect/client');

/**
 * A sender written only from the OpenAPI contract — the client library
 * (gateway/fitconnect/client/sender.ts: generated contract types, jose, node built-ins) —
 * submits a Hund application with two attachments; Halle's subscriber fetches, decrypts and
 * accepts it; the sender reads the signed accept event and verifies it. The client folder
 * imports no gateway code: checked here on the files themselves.
 */
describe('FIT-Connect: a sender written only from the contract', function () {
  this.timeout(180_000);
  const keyDir = mkdtempSync(join(tmpdir(), 'zsa-fit-contract-'));
  const halleKeys = encryptionKeys('fit-contract-halle');
  const halleSig = signingKeys('fit-contract-halle-sig');
  const replyKeys = encryptionKeys('fit-contract-reply');
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let sender: FitConnectSender;

  before(async () => {
    const cfg = requiredAuthConfig();
    const file = join(keyDir, 'halle.jwk.json');
    writeFileSync(file, JSON.stringify(halleKeys.publicJwk));
    cfg.participants = cfg.participants.map((p) => (p.id === 'halle' ? { ...p, encryptionKey: file } : p));
    const sigFile = join(keyDir, 'halle-sig.jwk.json');
    writeFileSync(sigFile, JSON.stringify(halleSig.publicJwk));
    cfg.fitConnect.destinations = cfg.fitConnect.destinations.map((d) => (d.id === HALLE_DEST ? { ...d, subscriberSigningKeys: [sigFile] } : d));
    gw = await startTestGateway(cfg);
    sender = new FitConnectSender({ url: gw.url, clientId: 'efa-hund-lsa', clientSecret: 'demo-efa-hund-secret' });
  });
  after(async () => {
    await gw?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('the client folder imports only jose, node built-ins, its own files and the generated contract types', () => {
    const files = readdirSync(CLIENT_DIR).filter((f) => f.endsWith('.ts'));
    expect(files).to.include('sender.ts');
    for (const f of files) {
      const text = readFileSync(join(CLIENT_DIR, f), 'utf8');
      const imports = [...text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm), ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)];
      for (const m of imports) {
        const spec = m[3] ?? m[1]!;
        const typeOnly = m[2] !== undefined;
        const allowed = spec === 'jose' || spec.startsWith('node:') || /^\.\/[\w-]+\.js$/.test(spec) || (spec === '../../api/openapi.js' && typeOnly);
        expect(allowed, `${f} imports ${spec}${typeOnly ? ' (type)' : ''}`).to.equal(true);
      }
    }
  });

  it('finds Halle by ARS (signature verified), submits a Hund application with two attachments; the subscriber accepts; the sender verifies the signed accept', async () => {
    const routes = await sender.findDestinations(HUND, HALLE_ARS);
    expect(routes.map((r) => r.destinationId)).to.deep.equal([HALLE_DEST]);
    const files = [
      { bytes: Buffer.from('%PDF-1.4 synthetic Schwerbehindertenausweis'), filename: 'ausweis.pdf' },
      { bytes: Buffer.from('%PDF-1.4 synthetic Ausbildungsnachweis Assistenzhund'), filename: 'ausbildung.pdf' },
    ];
    const sent = await sender.send({ destinationId: HALLE_DEST, leika: HUND, serviceName: 'Hund anmelden', data: FORM, attachments: files, replyEncryptionKey: replyKeys.publicJwk });
    expect(sent.destinationId).to.equal(HALLE_DEST);
    expect(sent.attachmentIds).to.have.length(2);
    const before = (await sender.events(sent.caseId)).map((e) => e.name);
    expect(before.slice(0, 2)).to.deep.equal(['create-submission', 'submit-submission']);

    // Halle's subscriber: list, fetch, decrypt with its own key, check the hashes, accept with a SET signed by its key
    const halle = await tokenFor(gw.url, 'halle');
    const get = async (path: string) => fetch(`${gw.url}/fit-connect${path}`, { headers: { authorization: `Bearer ${halle}` } });
    const list = (await (await get(`/v1/submissions?destinationId=${HALLE_DEST}`)).json()) as { submissions: Array<{ submissionId: string }> };
    expect(list.submissions.map((s) => s.submissionId)).to.include(sent.submissionId);
    const got = (await (await get(`/v1/submissions/${sent.submissionId}`)).json()) as { encryptedData: string; encryptedMetadata: string };
    const { key_ops: _o, alg: _a, ...material } = halleKeys.privateJwk;
    const priv = await importJWK(material, 'RSA-OAEP-256');
    const data = Buffer.from((await compactDecrypt(got.encryptedData, priv)).plaintext);
    expect(data.equals(FORM)).to.equal(true);
    const meta = JSON.parse(Buffer.from((await compactDecrypt(got.encryptedMetadata, priv)).plaintext).toString('utf8')) as {
      contentStructure: { data: { hash: { content: string } }; attachments: Array<{ attachmentId: string; hash: { content: string }; filename: string }> };
      replyChannel: { fitConnect: { encryptionPublicKey: JWK } };
    };
    expect(meta.contentStructure.data.hash.content).to.equal(sha512(data));
    expect(meta.replyChannel.fitConnect.encryptionPublicKey).to.include({ n: replyKeys.publicJwk.n, alg: 'RSA-OAEP-256' }).and.not.have.property('d');
    for (const [i, id] of sent.attachmentIds.entries()) {
      const jwe = await (await get(`/v1/submissions/${sent.submissionId}/attachments/${id}`)).text();
      const bytes = (await compactDecrypt(jwe, priv)).plaintext;
      expect(sha512(bytes)).to.equal(sha512(files[i]!.bytes));
      expect(meta.contentStructure.attachments.find((a) => a.attachmentId === id)?.hash.content).to.equal(sha512(bytes));
    }
    const { kid: _k, alg: _s, use: _u, ...bare } = halleSig.privateJwk;
    const accept = await new SignJWT({ $schema: 'https://schema.fitko.de/fit-connect/set-payload/1.0.0/set-payload.schema.json', events: { [`${EVENT}accept-submission`]: {} }, txn: `case:${sent.caseId}` })
      .setProtectedHeader({ alg: 'PS512', typ: 'secevent+jwt', kid: halleSig.publicJwk.kid! })
      .setIssuedAt()
      .setJti(randomUUID())
      .setIssuer(HALLE_DEST)
      .setSubject(`submission:${sent.submissionId}`)
      .sign(await importJWK(bare, 'PS512'));
    const posted = await fetch(`${gw.url}/fit-connect/v1/cases/${sent.caseId}/events`, { method: 'POST', headers: { authorization: `Bearer ${halle}`, 'content-type': 'application/jose' }, body: accept });
    expect(posted.status, await posted.text()).to.equal(204);

    const events = await sender.events(sent.caseId);
    const accepted = events.find((e) => e.name === 'accept-submission');
    expect(accepted, events.map((e) => e.name).join(', ')).to.not.equal(undefined);
    expect(accepted!.submissionId).to.equal(sent.submissionId);
    expect(events.map((e) => e.name)).to.include.members(['create-submission', 'submit-submission', 'accept-submission', 'delete-submission']);
  });

  it('refuses to trust a routing result signed by a key it was not given, and an event log against a foreign JWKS', async () => {
    const foreign = signingKeys('fit-contract-foreign');
    const err = await sender.findDestinations(HUND, HALLE_ARS, { jwks: { keys: [foreign.publicJwk] } }).then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(TrustError);
    expect((err as TrustError).rule).to.match(/^route\./);

    const sent = await sender.send({ destinationId: HALLE_DEST, leika: HUND, data: FORM });
    const bad = await sender.events(sent.caseId, { keys: [{ ...foreign.publicJwk, kid: 'x' }] }).then(() => null, (e: unknown) => e);
    expect(bad).to.be.instanceOf(TrustError);
    expect((bad as TrustError).rule).to.equal('event.signature');
  });

  /** The sender talking to the real gateway through a tampering man in the middle: `tamper` rewrites the JSON answers of matching paths. */
  function behindTamperer(match: RegExp, tamper: (body: Record<string, unknown>) => unknown) {
    const seen: string[] = [];
    const wrapped = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const path = new URL(String(input)).pathname;
      seen.push(`${init?.method ?? 'GET'} ${path}`);
      const res = await fetch(input, init);
      if (!match.test(path) || !res.ok) return res;
      return new Response(JSON.stringify(tamper((await res.json()) as Record<string, unknown>)), { status: res.status, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    return { seen, sender: new FitConnectSender({ url: gw.url, clientId: 'efa-hund-lsa', clientSecret: 'demo-efa-hund-secret', fetch: wrapped }) };
  }

  const keyTampering: Array<[string, (k: Record<string, unknown>) => unknown, string]> = [
    ['without x5c', ({ x5c: _x, ...k }) => k, 'key.x5c'],
    ['for another operation (key_ops encrypt)', (k) => ({ ...k, key_ops: ['encrypt'] }), 'key.key_ops'],
    ['for another algorithm (RSA1_5)', (k) => ({ ...k, alg: 'RSA1_5' }), 'key.alg'],
    ['of 2048 bits', (k) => ({ ...k, n: Buffer.from(String(k['n']), 'base64url').subarray(256).toString('base64url') }), 'key.size'],
    ['with a private part', (k) => ({ ...k, d: 'AQAB' }), 'key.type'],
  ];
  for (const [what, tamper, rule] of keyTampering) {
    it(`refuses a destination key ${what} (${rule}) before it creates anything`, async () => {
      const { seen, sender: s } = behindTamperer(/\/keys\//, tamper);
      const err = await s.send({ destinationId: HALLE_DEST, leika: HUND, data: FORM }).then(() => null, (e: unknown) => e);
      expect(err).to.be.instanceOf(TrustError);
      expect((err as TrustError).rule).to.equal(rule);
      expect(seen.filter((r) => r.startsWith('POST /fit-connect/v1/submissions'))).to.deep.equal([]);
    });
  }

  it('refuses an event log with one SET altered in transit, and one with a SET of another case', async () => {
    const sent = await sender.send({ destinationId: HALLE_DEST, leika: HUND, data: FORM });
    const flip = (t: string) => `${t.slice(0, -4)}${t.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const flipped = behindTamperer(/\/events$/, (b) => ({ ...b, eventLog: (b['eventLog'] as string[]).map((t, i) => (i === 0 ? flip(t) : t)) }));
    const e1 = await flipped.sender.events(sent.caseId).then(() => null, (e: unknown) => e);
    expect((e1 as TrustError).rule).to.equal('event.signature');
    const other = await sender.send({ destinationId: HALLE_DEST, leika: HUND, data: FORM });
    const token = (await sender.accessToken())!;
    const otherLog = (await (await fetch(`${gw.url}/fit-connect/v1/cases/${other.caseId}/events`, { headers: { authorization: `Bearer ${token}` } })).json()) as { eventLog: string[] };
    const mixed = behindTamperer(/\/events$/, (b) => ({ ...b, eventLog: [...(b['eventLog'] as string[]), otherLog.eventLog[0]!] }));
    const e2 = await mixed.sender.events(sent.caseId).then(() => null, (e: unknown) => e);
    expect((e2 as TrustError).rule).to.equal('event.claims');
  });

  it('reports the gateway\'s refusal with its FIT-Connect problem type (a form for Halle sent to Magdeburg), and a bad secret at the token step', async () => {
    const magdeburg = '5a1c0e3e-3b0f-4f6a-9a51-150030000001';
    const refused = await sender.send({ destinationId: magdeburg, leika: HUND, data: FORM }).then(() => null, (e: unknown) => e);
    expect(refused).to.be.instanceOf(SenderError);
    expect((refused as SenderError).step).to.equal('submit');
    expect((refused as SenderError).problem?.type).to.equal('https://schema.fitko.de/fit-connect/submission-api/problems/area-not-served');

    const wrong = new FitConnectSender({ url: gw.url, clientId: 'efa-hund-lsa', clientSecret: 'not-the-secret' });
    const denied = await wrong.destination(HALLE_DEST).then(() => null, (e: unknown) => e);
    expect(denied).to.be.instanceOf(SenderError);
    expect((denied as SenderError).step).to.equal('token');
    expect((denied as SenderError).status).to.equal(401);
  });
});
