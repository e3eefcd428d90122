import { expect } from 'chai';
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnGateway, stopChild, writeConfig, type ChildGateway } from '../support/child-gateway.js';
import { faultLine, tallyFault } from '../support/fault.js';
import { testConfig, waitFor } from '../support/gateway.js';
import { HttpPeer } from '../support/http-peer.js';
import { hundAnmeldung, uuidOf } from '../support/xzsa-fixtures.js';

const SMALL = '4m'; // holds the empty store and a few dozen messages
const LARGE = '64m'; // "space returns"
const CONCURRENCY = 4;
const MAX_SENDS = 5_000; // bound: the disk fills long before
const REFUSALS_WANTED = 40; // keep sending into the full disk for this many refusals
const AFTER_RECOVERY = 50;

/**
 * fault sqlite-disk-full: the gateway (a child process, as in production) keeps its SQLite
 * store on a small tmpfs of its own. Clients send until the file system is full and keep
 * sending into it; then the tmpfs is grown (space returns) and they send more. Asserted: every
 * refusal is 507 problem+json GW_STORAGE_FULL with Retry-After (no 500, no 2xx for anything
 * not stored); the store passes `PRAGMA integrity_check` and holds every message answered
 * 202; new messages are accepted after the space returned, without a restart; everything
 * accepted reaches the destination.
 *
 * Needs `mount -t tmpfs` (root or CAP_SYS_ADMIN). Where mounting is refused the test is skipped
 * with the reason: RLIMIT_FSIZE (`prlimit --fsize`) is no substitute, SQLite reports the
 * resulting EFBIG as SQLITE_IOERR_WRITE, not as a full disk.
 */
describe('fault sqlite-disk-full: the store\'s file system fills up, then space returns', function () {
  this.timeout(300_000);
  let mnt: string | undefined;
  let child: ChildGateway | undefined;
  const peer = new HttpPeer();

  before(function () {
    const dir = mkdtempSync(join(tmpdir(), 'zsa-fault-full-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SMALL},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
      mnt = dir;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      console.log(`      skipped: cannot mount a size-limited tmpfs here (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`);
      this.skip();
    }
  });
  after(async () => {
    if (child) await stopChild(child, 'SIGKILL');
    await peer.stop();
    if (mnt) {
      execFileSync('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  });

  it('refuses with 507 GW_STORAGE_FULL while full, loses and corrupts nothing, takes messages again once space returns', async () => {
    await peer.start();
    const cfg = testConfig({
      dataDir: join(mnt!, 'data'),
      endpoints: { 'zsa-hund': { connector: 'http', config: { url: peer.url } } },
      delivery: { maxAttempts: 100_000, backoff: { initialMs: 50, multiplier: 2, maxMs: 1_000, jitter: 0.2 } },
    });
    mkdirSync(cfg.store.dataDir, { recursive: true });
    const port = await freePort();
    child = await spawnGateway(writeConfig(cfg, port), port);
    const url = child.url;

    const accepted = new Set<string>();
    const refusals = new Map<string, number>(); // "status code retry-after" → count
    let sends = 0;
    const send = async (): Promise<number> => {
      const xml = hundAnmeldung({ ags: '15003000' });
      const res = await fetch(`${url}/api/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });
      const text = await res.text();
      if (res.status === 202) accepted.add(uuidOf(xml));
      else {
        const code = res.headers.get('content-type')?.startsWith('application/problem+json') ? (JSON.parse(text) as { code?: string }).code : 'no problem+json';
        const key = `${res.status} ${code} retry-after=${res.headers.get('retry-after') !== null}`;
        refusals.set(key, (refusals.get(key) ?? 0) + 1);
      }
      return res.status;
    };
    const refused = () => [...refusals.values()].reduce((a, b) => a + b, 0);

    // fill the disk, then keep sending into the full disk
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sends < MAX_SENDS && refused() < REFUSALS_WANTED) {
          sends += 1;
          await send();
        }
      }),
    );
    const acceptedWhileFull = accepted.size;
    expect(refused(), `the disk filled within ${MAX_SENDS} messages`).to.be.at.least(REFUSALS_WANTED);
    expect([...refusals.keys()], 'every refusal is 507 GW_STORAGE_FULL with Retry-After').to.deep.equal(['507 GW_STORAGE_FULL retry-after=true']);
    expect(acceptedWhileFull, 'some messages fitted before the disk was full').to.be.greaterThan(0);

    // space returns: no restart, new messages are taken again
    execFileSync('mount', ['-o', `remount,size=${LARGE}`, mnt!]);
    const statuses: number[] = [];
    for (let i = 0; i < AFTER_RECOVERY; i++) statuses.push(await send());
    expect(statuses.filter((s) => s !== 202), 'after space returned').to.deep.equal([]);

    await waitFor('every accepted message at the destination', () => (tallyFault(accepted, peer.accepted().map((r) => uuidOf(r.body.toString('utf8')))).lost === 0 ? true : undefined), 120_000, 200);
    const tally = tallyFault(accepted, peer.accepted().map((r) => uuidOf(r.body.toString('utf8'))));

    // the store after a clean stop: intact, and every 202 in it
    expect(await stopChild(child), 'clean shutdown').to.equal(0);
    child = undefined;
    const db = new Database(join(cfg.store.dataDir, 'gateway.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).to.equal('ok');
      const stored = new Set((db.prepare('SELECT message_uuid FROM messages').pluck().all() as string[]));
      expect([...accepted].filter((u) => !stored.has(u)), 'accepted but not in the store').to.deep.equal([]);
    } finally {
      db.close();
    }
    console.log(faultLine('sqlite-disk-full', tally));
    expect(tally.lost, `missing: ${tally.missing.slice(0, 5).join(', ')}`).to.equal(0);
  });
});
