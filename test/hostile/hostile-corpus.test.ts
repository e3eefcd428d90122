import { expect } from 'chai';
import { encryptFor } from '../../gateway/crypto/jwe.js';
import { PrivateKeyRing } from '../../gateway/crypto/keyring.js';
import { publicJwks, signSet } from '../../gateway/crypto/set.js';
import { encryptionKeys, signingKeys } from '../crypto/support.js';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { classifyCall, classifyHttp, type Verdict } from './classify.js';
import { HOSTILE_CORPUS, type CryptoContext, type HostileEntry } from './corpus/index.js';
import { assertServes } from './liveness.js';
import { sendRaw } from './raw-http.js';

/** Generous: only detects a hang, nothing about speed is asserted. */
const HANG_MS = 20_000;

async function cryptoContext(): Promise<CryptoContext> {
  const own = encryptionKeys('hostile-gateway', 'gw-enc-hostile');
  const stranger = encryptionKeys('hostile-stranger', 'stranger-enc');
  const sig = signingKeys('hostile-gateway-sig', 'gw-sig-hostile');
  const forger = signingKeys('hostile-forger', 'gw-sig-hostile');
  const ring = await PrivateKeyRing.fromJwks([own.privateJwk]);
  const set = await signSet({
    kind: 'receipt', issuer: 'https://gateway.zsa.example/', subject: 'message:gw-1', txn: 'vorgang:V-1',
    details: { state: 'queued', messageUuid: '6f1c2a44-1d7e-4c3b-9d7a-2b3c4d5e6f70', author: 'efa:hund-lsa', sha512: 'ab'.repeat(64), receivedAt: '2026-01-01T00:00:00.000Z' },
  }, sig.privateJwk);
  return {
    ring, ringKid: own.publicJwk.kid!, jwe: await encryptFor(Buffer.from('<hostile/>'), own.publicJwk),
    strangerPublic: stranger.publicJwk, signingPrivate: sig.privateJwk, jwks: publicJwks([sig.privateJwk]), set, forgerPrivate: forger.privateJwk,
  };
}

describe('hostile corpus: every entry refused with its problem type, the gateway alive and serving after each family', function () {
  this.timeout(600_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  let port: number;
  let ctx: CryptoContext;

  before(async () => {
    gw = await startTestGateway(testConfig());
    port = Number(new URL(gw.url).port);
    ctx = await cryptoContext();
  });
  after(() => gw?.stop());

  async function verdictOf(e: HostileEntry): Promise<Verdict> {
    if (e.send.kind === 'call') {
      const run = e.send.run;
      return classifyCall(() => run(ctx), e.expect);
    }
    const req = typeof e.send.request === 'function' ? e.send.request() : e.send.request;
    const verdict = classifyHttp(await sendRaw(port, req, HANG_MS), e.expect);
    // A gateway that stopped answering after this entry counts it as a crash.
    const health = await sendRaw(port, { method: 'GET', path: '/health' }, HANG_MS);
    if (health.kind !== 'response' || health.status !== 200) return { kind: 'crash', detail: `gateway not healthy afterwards (${health.kind})` };
    return verdict;
  }

  it(`refuses all ${HOSTILE_CORPUS.length} hostile inputs and keeps accepting good messages`, async () => {
    expect(HOSTILE_CORPUS.length).to.be.at.least(200);
    const names = HOSTILE_CORPUS.map((e) => `${e.family}: ${e.name}`);
    expect(new Set(names).size, 'entry names are unique').to.equal(names.length);

    const failures: string[] = [];
    const gaps: string[] = [];
    let refused = 0;
    let crashes = 0;
    let family = HOSTILE_CORPUS[0]!.family;
    for (const e of HOSTILE_CORPUS) {
      if (e.family !== family) {
        await assertServes(port, family);
        family = e.family;
      }
      const v = await verdictOf(e);
      const label = `${e.family}: ${e.name}`;
      if (v.kind === 'refused') refused++;
      if (e.knownGap !== undefined) {
        gaps.push(`${label} — ${e.knownGap}${v.kind === 'refused' ? ' (now refused: remove the gap mark)' : ` [${v.kind}: ${v.detail.slice(0, 60)}]`}`);
        continue;
      }
      if (v.kind === 'crash') crashes++;
      if (v.kind !== 'refused') failures.push(`${v.kind} ${label}: ${v.detail}`);
    }
    await assertServes(port, family);

    console.log(`hostile: tried ${HOSTILE_CORPUS.length} refused ${refused} crashes ${crashes}`);
    if (gaps.length > 0) console.log(`hostile gaps: ${gaps.length} — ${gaps.join('; ')}`);
    expect(failures, failures.join('\n')).to.deep.equal([]);
    expect(crashes).to.equal(0);
  });
});
