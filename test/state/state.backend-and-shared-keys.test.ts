import { expect } from 'chai';
import { resolve } from 'node:path';
import type { GatewayConfig } from '../../gateway/config/schema.js';
import { EMBEDDED_OWNER, outboxOwnerId } from '../../gateway/outbox/owner.js';
import { stateBackendOf } from '../../gateway/state/backend.js';
import { assertSharedKeys, sharedKeyIssues } from '../../gateway/state/instance-keys.js';
import { fitConnectBlock, testGatewayWithFitConnect } from '../support/fitconnect-fixture.js';
import { testConfig } from '../support/gateway.js';

const URL_ = 'postgres://gw@db.example:5432/zsa';
/** A configuration whose store is PostgreSQL (`store.url` joins the store's schema with the PostgreSQL store). */
const onPostgres = (cfg: GatewayConfig, url: string): GatewayConfig => ({ ...cfg, store: { ...cfg.store, url } as unknown as GatewayConfig['store'] });

describe('state: where an instance keeps its state, and what several instances must share', () => {
  it('follows the store: its PostgreSQL URL (store.url, else a postgres:// DATABASE_URL), else SQLite files in the data folder', () => {
    const cfg = testConfig({ dataDir: 'some/dir' });
    expect(stateBackendOf(cfg, {})).to.deep.equal({ kind: 'sqlite', dataDir: resolve('some/dir') });
    expect(stateBackendOf(cfg, { DATABASE_URL: 'mysql://elsewhere/db' })).to.deep.equal({ kind: 'sqlite', dataDir: resolve('some/dir') });
    expect(stateBackendOf(cfg, { DATABASE_URL: URL_ })).to.deep.equal({ kind: 'postgres', url: URL_ });
    expect(stateBackendOf(onPostgres(cfg, URL_), { DATABASE_URL: 'postgres://other/db' })).to.deep.equal({ kind: 'postgres', url: URL_ });
  });

  it('names every key a shared store needs configured, and none for the embedded mode', () => {
    const cfg = testGatewayWithFitConnect(testConfig(), fitConnectBlock());
    cfg.auth.mode = 'required';
    expect(sharedKeyIssues(cfg, { kind: 'sqlite', dataDir: '/tmp/x' }, [])).to.deep.equal([]);
    const pg = { kind: 'postgres', url: URL_ } as const;
    const paths = sharedKeyIssues(cfg, pg, []).map((i) => i.path);
    expect(paths.slice(0, 4)).to.deep.equal(['crypto.atRest', 'crypto.signingKeyFile', 'auth.tokenKeyFile', 'crypto.routingSigningKeyFile']);
    expect(paths.slice(4)).to.have.length(cfg.fitConnect.destinations.length).and.to.satisfy((p: string[]) => p.every((x) => x.startsWith('fitConnect.destinations.')));
    expect(() => assertSharedKeys(cfg, pg, [])).to.throw().with.property('code', 'GW_CONFIG_INVALID');

    cfg.crypto.atRest = { keys: [{ id: 'k1', keyFile: '/run/secrets/at-rest' }], active: 'k1' };
    cfg.crypto.signingKeyFile = '/run/secrets/sig.jwk';
    cfg.auth.tokenKeyFile = '/run/secrets/token.jwk';
    cfg.crypto.routingSigningKeyFile = '/run/secrets/routing.jwk';
    expect(sharedKeyIssues(cfg, pg, cfg.fitConnect.destinations.map((d) => d.encryptionKey))).to.deep.equal([]);
  });
});

describe('outbox: lease owner id of a gateway process', () => {
  it('is `embedded` for SQLite; on a shared store new per start and never another instance\'s', () => {
    expect(outboxOwnerId('sqlite')).to.equal(EMBEDDED_OWNER);
    const first = outboxOwnerId('postgres', 'gw-0', 7);
    const again = outboxOwnerId('postgres', 'gw-0', 7);
    expect(first).to.match(/^gw-0:7:[0-9a-f]{8}$/);
    // the same host and pid after a restart (a container's pid 1): still a different owner,
    // so releasing its own leases at start frees nothing another live instance holds
    expect(again).to.not.equal(first);
    expect(first).to.not.equal(EMBEDDED_OWNER);
  });
});
