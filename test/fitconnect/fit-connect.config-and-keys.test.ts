import { expect } from 'chai';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONNECTORS } from '../../connectors/index.js';
import { validateConfig } from '../../gateway/config/load.js';
import { checkX5c } from '../../gateway/crypto/x5c.js';
import { GatewayError } from '../../gateway/errors.js';
import { FitDestinations } from '../../gateway/fitconnect/destinations.js';
import { encryptionKeys } from '../crypto/support.js';
import { configProblems, demoRaw } from '../support/demo-config.js';

const refused = configProblems;

/** `fitConnect` configuration (ADR 0027): every cross-reference problem listed; destination keys. */
describe('FIT-Connect configuration and destination keys', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'zsa-fit-cfg-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists every cross-reference problem of the destinations at once', () => {
    const raw = demoRaw();
    const [first] = raw['fitConnect'].destinations;
    raw['fitConnect'].destinations.push({ ...first }); // same id twice
    raw['fitConnect'].destinations.push({ ...first, id: '00000000-0000-4000-8000-000000000001', participant: 'nobody' });
    raw['fitConnect'].destinations.push({ ...first, id: '00000000-0000-4000-8000-000000000002', participant: 'efa-hund-lsa' });
    raw['fitConnect'].destinations.push({ ...first, id: '00000000-0000-4000-8000-000000000003', services: [{ ...first.services[0], leika: '99107023037000' }, { ...first.services[0], service: 'katze' }] });
    const issues = refused(() => validateConfig(raw, CONNECTORS));
    const paths = new Set(issues.map((i) => i.path));
    const expected = ['fitConnect.destinations.5.id', 'fitConnect.destinations.6.participant', 'fitConnect.destinations.7.participant', 'fitConnect.destinations.8.services.0.leika', 'fitConnect.destinations.8.services.1.service'];
    expect(expected.filter((p) => !paths.has(p)), 'not reported').to.deep.equal([]);
    expect(refused(() => validateConfig({ ...demoRaw(), fitConnect: { enabled: true, destinations: [{ ...first, id: 'NOT-A-UUID' }] } }, CONNECTORS)).length).to.be.greaterThan(0);
  });

  it('generates one development key per destination on first use (0600, self-signed x5c), and reads it again later', async () => {
    const cfg = validateConfig(demoRaw(), CONNECTORS);
    const dests = FitDestinations.load(cfg, dir, () => undefined);
    const halle = dests.get('5a1c0e3e-3b0f-4f6a-9a51-150020000001');
    const { publicKey } = await halle.keys();
    expect(publicKey).to.include({ kid: 'fc-dest-halle', alg: 'RSA-OAEP-256' });
    expect(publicKey).to.not.have.property('d');
    expect(checkX5c(publicKey)).to.deep.equal([]);
    const file = join(dir, 'keys', 'fit-connect', 'fc-dest-halle.private.jwk.json');
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    const again = await FitDestinations.load(cfg, dir, () => { throw new Error('must not generate again'); }).get(halle.cfg.id).keys();
    expect(again.publicKey.n).to.equal(publicKey.n);
    expect(() => dests.get('00000000-0000-4000-8000-000000000000')).to.throw(GatewayError, /no destination/);
  });

  it('takes a configured key from crypto.jwe.keys by kid, and a development key (with a warning) for a kid none has', async () => {
    const { privateJwk } = encryptionKeys('fit-configured', 'fc-dest-halle');
    const file = join(dir, 'configured.private.jwk.json');
    writeFileSync(file, JSON.stringify(privateJwk));
    const raw = demoRaw();
    raw['crypto'] = { jwe: { keys: [file] } };
    const cfg = validateConfig(raw, CONNECTORS);
    const generated: string[] = [];
    const dests = FitDestinations.load(cfg, join(dir, 'other'), (f) => generated.push(f));
    expect((await dests.get('5a1c0e3e-3b0f-4f6a-9a51-150020000001').keys()).publicKey.n).to.equal(privateJwk.n);
    expect(generated).to.deep.equal([]);
    await dests.get('5a1c0e3e-3b0f-4f6a-9a51-150030000001').keys(); // fc-dest-magdeburg is not configured
    expect(generated).to.have.length(1);
  });

  it('refuses at start a subscriber signing key that is missing or not a PS512 RSA-4096 public key', () => {
    const { privateJwk } = encryptionKeys('fit-configured', 'not-a-signing-key');
    const file = join(dir, 'enc-as-sig.jwk.json');
    writeFileSync(file, JSON.stringify(privateJwk));
    const cfg = validateConfig(demoRaw(), CONNECTORS);
    cfg.fitConnect.destinations[0] = { ...cfg.fitConnect.destinations[0]!, subscriberSigningKeys: [join(dir, 'missing.json'), file] };
    const paths = refused(() => FitDestinations.load(cfg, dir, () => undefined)).map((i) => i.path ?? '');
    expect(paths.some((p) => p === 'fitConnect.destinations/0/subscriberSigningKeys/0')).to.equal(true);
    expect(paths.some((p) => p.startsWith('fitConnect.destinations/0/subscriberSigningKeys/1'))).to.equal(true);
  });
});
