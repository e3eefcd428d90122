import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '../../gateway/errors.js';
import { guardedLookup, loadCallbackTargets } from '../../gateway/fitconnect/callbacks.js';
import { DEST, demoWithFitConnect, fitConnectBlock, LEIKA } from '../support/fitconnect-fixture.js';

const SECRET = 'cb-secret-magdeburg-0123456789abcdef';

/** The config findings (paths and messages) of a fitConnect block, or [] when it is valid. */
function findings(block: Record<string, unknown>, overrides: Record<string, unknown> = {}): string[] {
  try {
    demoWithFitConnect(block, overrides);
    return [];
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

const withCallback = (url: string, secretRef = 'env:FC_CB_MAGDEBURG') => fitConnectBlock({ magdeburgHund: { url, secretRef } });
const prod = { auth: { mode: 'required' } };

describe('FIT-Connect configuration: destinations and callbacks', () => {
  it('accepts the pilot destinations and an https callback', () => {
    expect(findings(withCallback('https://fv.magdeburg.example/callbacks/fit-connect'), prod)).to.deep.equal([]);
    expect(findings(withCallback('https://10.20.30.40:8443/callbacks'), prod)).to.deep.equal([], 'a municipal network address is allowed');
  });

  it('refuses callback URLs that would let the gateway be pointed at itself or at metadata services', () => {
    const refused: [string, Record<string, unknown>][] = [
      ['http://fv.magdeburg.example/callbacks', prod],
      ['http://127.0.0.1:9000/callbacks', prod],
      ['https://127.0.0.1/callbacks', prod],
      ['https://localhost/callbacks', prod],
      ['https://[::1]/callbacks', prod],
      ['https://169.254.169.254/latest/meta-data', prod],
      ['https://[fe80::1]/x', prod],
      ['https://0.0.0.0/x', prod],
      ['https://user:pw@fv.magdeburg.example/x', prod],
      ['file:///etc/passwd', prod],
      ['ftp://fv.magdeburg.example/x', prod],
      ['http://fv.magdeburg.example/callbacks', {}],
      ['http://169.254.169.254/', {}],
      ['not a url', {}],
    ];
    for (const [url, o] of refused) {
      const f = findings(withCallback(url), o);
      expect(f.some((x) => x.startsWith('fitConnect.destinations.0.callback.url: callback URL refused')), `${url} ${JSON.stringify(o)}: ${f.join(' | ')}`).to.equal(true);
    }
  });

  it('refuses at delivery a host name that resolves to a refused address (localhost in production)', async () => {
    const resolve = (development: boolean) =>
      new Promise<string>((ok) => guardedLookup({ development })('localhost', { family: 4 }, (err, address) => ok(err ? err.message : String(address))));
    expect(await resolve(false)).to.equal('callback host localhost resolves to a refused address: address 127.0.0.1 is loopback');
    expect(await resolve(true)).to.equal('127.0.0.1');
  });

  it('allows http to a loopback receiver in development (auth.mode off) only', () => {
    expect(findings(withCallback('http://127.0.0.1:9000/callbacks'))).to.deep.equal([]);
    expect(findings(withCallback('http://localhost:9000/callbacks'))).to.deep.equal([]);
  });

  it('refuses a secret written into the config, unknown participants and services, foreign LeiKa keys, duplicate ids', () => {
    expect(findings(withCallback('https://fv.example/cb', SECRET)).join()).to.match(/secretRef is env:<VARIABLE> or file:<path>/);
    const block = fitConnectBlock() as { destinations: Record<string, unknown>[] };
    const bad = {
      ...block,
      destinations: [
        ...block.destinations,
        { id: DEST.magdeburgHund.toUpperCase(), participant: 'efa-hund-lsa', areas: ['15003000'], services: [{ leika: LEIKA.wohngeld, service: 'hund', submissionSchema: { uri: 'urn:x', mimeType: 'application/json', file: 'gateway/fitconnect/schemas/wohngeld-antrag.schema.json' } }], encryptionKey: 'fc-test-bad' },
        { id: 'not-a-uuid', participant: 'nobody', areas: ['1500'], services: [], encryptionKey: 'fc-test-bad' },
      ],
    };
    const f = findings(bad);
    expect(f).to.include.members(['fitConnect.destinations.5.id: destination id must be a UUID', 'fitConnect.destinations.5.areas.0: an area is an AGS (8 digits) or an ARS (12 digits)']);
    const f2 = findings({ ...bad, destinations: bad.destinations.slice(0, 5) });
    expect(f2).to.include.members([
      `fitConnect.destinations.4.id: duplicate destination id "${DEST.magdeburgHund}"`,
      'fitConnect.destinations.4.participant: participant "efa-hund-lsa" is a efa-service; a destination belongs to a municipality, the ZSA or a Fachverfahren',
      `fitConnect.destinations.4.services.0.leika: LeiKa key ${LEIKA.wohngeld} is not one of service "hund"`,
    ]);
  });

  it('reads callback secrets from the environment or a file at start and refuses missing or short ones without showing them', () => {
    const cfg = demoWithFitConnect(withCallback('https://fv.magdeburg.example/cb'), prod);
    expect(loadCallbackTargets(cfg, { FC_CB_MAGDEBURG: `  ${SECRET}\n` }).get(DEST.magdeburgHund)).to.deep.equal({ url: 'https://fv.magdeburg.example/cb', secret: SECRET });
    const dir = mkdtempSync(join(tmpdir(), 'fc-secret-'));
    writeFileSync(join(dir, 'secret'), `${SECRET}\n`);
    const fileCfg = demoWithFitConnect(withCallback('https://fv.magdeburg.example/cb', `file:${join(dir, 'secret')}`), prod);
    expect(loadCallbackTargets(fileCfg, {}).get(DEST.magdeburgHund)?.secret).to.equal(SECRET);
    for (const env of [{}, { FC_CB_MAGDEBURG: 'short' }]) {
      const err = (() => {
        try {
          loadCallbackTargets(cfg, env);
        } catch (e) {
          return e as GatewayError;
        }
        return undefined;
      })();
      expect(err?.code).to.equal('GW_CONFIG_INVALID');
      expect(err?.issues[0]?.path).to.equal('fitConnect.destinations.0.callback.secretRef');
      expect(JSON.stringify(err?.issues)).not.to.contain('short');
    }
  });
});
