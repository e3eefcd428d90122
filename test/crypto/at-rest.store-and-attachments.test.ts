import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { KeyRing } from '../../gateway/crypto/at-rest.js';
import { FsAttachmentStore } from '../../gateway/store/attachments.js';
import { createStore } from '../../gateway/store/index.js';
import type { MessageStore } from '../../gateway/store/types.js';
import { messageStoreSuite } from '../store/message-store.suite.js';
import { EP_A, EP_MAILBOX, newMessage } from '../store/suite/fixtures.js';
import { expectRefused } from './support.js';

const k = () => randomBytes(32).toString('base64');
const K1 = k();
const K2 = k();
const ring1 = KeyRing.fromConfig({ keys: [{ id: 'k1', key: K1, active: true }] });
const ring12 = KeyRing.fromConfig({ keys: [{ id: 'k1', key: K1 }, { id: 'k2', key: K2, active: true }] });
const ring2 = KeyRing.fromConfig({ keys: [{ id: 'k2', key: K2, active: true }] });
const wrongK1 = KeyRing.fromConfig({ keys: [{ id: 'k1', key: k(), active: true }] });

const root = mkdtempSync(join(tmpdir(), 'zsa-at-rest-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

// The whole shared store suite, against a store that seals every payload.
const pathOf = new WeakMap<MessageStore, string>();
messageStoreSuite('sqlite sealed at rest', async (reopen) => {
  const path = reopen ? pathOf.get(reopen)! : join(root, `suite${++n}`, 'gateway.db');
  const store = await createStore({ kind: 'sqlite', path, atRest: ring1 });
  pathOf.set(store, path);
  return store;
});

const rawFileBytes = (path: string) => Buffer.concat([path, `${path}-wal`].filter(existsSync).map((p) => readFileSync(p)));
function keyIdOf(path: string, id: string): string | null {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT payload_key_id FROM messages WHERE id = ?').pluck().get(id) as string | null;
  } finally {
    db.close();
  }
}

describe('at rest: message payloads in the store', () => {
  let path: string;
  beforeEach(() => (path = join(root, `m${++n}`, 'gateway.db')));

  it('stores the payload sealed (the raw database holds no plaintext) and reads it back through every read path', async () => {
    const marker = `geheim-${randomBytes(8).toString('hex')}`;
    const store = await createStore({ kind: 'sqlite', path, atRest: ring1 });
    const msg = newMessage({ payload: `<hund.anmeldung.0101><name>${marker}</name></hund.anmeldung.0101>`, endpointId: EP_A });
    await store.accept(msg);
    expect((await store.getPayload(msg.id))!.toString()).to.contain(marker);
    const [item] = await store.claimDue({ owner: 't', leaseMs: 60_000, capacity: { [EP_A]: 5 } });
    expect(item!.payload.equals(msg.payload)).to.equal(true);
    await store.markInMailbox(item!, EP_MAILBOX);
    await store.mailboxPut(EP_MAILBOX, msg.id);
    const lease = await store.mailboxFetch(EP_MAILBOX, 60_000);
    expect(lease!.payload.equals(msg.payload)).to.equal(true);
    expect((await store.getMessage(msg.id))!.sha512).to.equal(msg.payloadSha512); // hash over the plaintext
    await store.close();
    expect(rawFileBytes(path).includes(Buffer.from(marker))).to.equal(false);
    expect(keyIdOf(path, msg.id)).to.equal('k1');
  });

  it('seals each mapped form too (the raw database holds no plaintext of the form), bound to its message and name', async () => {
    const marker = `formgeheim-${randomBytes(8).toString('hex')}`;
    const store = await createStore({ kind: 'sqlite', path, atRest: ring1 });
    const body = Buffer.from(`{"halter":"${marker}"}`);
    const msg = { ...newMessage({ endpointId: EP_A }), mapping: 'xzsa-to-fv-json', forms: [{ name: 'xzsa-to-fv-json', role: 'delivery' as const, mapping: 'xzsa-to-fv-json', format: 'json', mediaType: 'application/json', body }] };
    await store.accept(msg);
    expect((await store.getForm(msg.id, 'xzsa-to-fv-json'))!.body.equals(body)).to.equal(true);
    const [item] = await store.claimDue({ owner: 't', leaseMs: 60_000, capacity: { [EP_A]: 5 } });
    expect(item!.payload.equals(body)).to.equal(true);
    await store.close();
    expect(rawFileBytes(path).includes(Buffer.from(marker))).to.equal(false);
  });

  it('refuses a payload under other key bytes with GW_AT_REST_INTEGRITY, and a store without keys with GW_AT_REST_KEY_UNKNOWN', async () => {
    const store = await createStore({ kind: 'sqlite', path, atRest: ring1 });
    const msg = newMessage();
    await store.accept(msg);
    await store.close();
    const wrong = await createStore({ kind: 'sqlite', path, atRest: wrongK1 });
    await expectRefused(() => wrong.getPayload(msg.id), 'GW_AT_REST_INTEGRITY');
    await wrong.close();
    const bare = await createStore({ kind: 'sqlite', path });
    await expectRefused(() => bare.getPayload(msg.id), 'GW_AT_REST_KEY_UNKNOWN');
    await bare.close();
  });

  it('a payload moved to another row does not open (the message id is bound in)', async () => {
    const store = await createStore({ kind: 'sqlite', path, atRest: ring1 });
    const a = newMessage();
    const b = newMessage();
    await store.accept(a);
    await store.accept(b);
    await store.close();
    const db = new Database(path);
    db.prepare('UPDATE messages SET payload = (SELECT payload FROM messages WHERE id = ?) WHERE id = ?').run(a.id, b.id);
    db.close();
    const again = await createStore({ kind: 'sqlite', path, atRest: ring1 });
    await expectRefused(() => again.getPayload(b.id), 'GW_AT_REST_INTEGRITY');
    await again.close();
  });

  it('rotation: a new active key seals new data, old keys still open, rewrapPayloads moves old and clear rows', async () => {
    const clear = await createStore({ kind: 'sqlite', path }); // before encryption at rest
    const legacy = newMessage();
    await clear.accept(legacy);
    await clear.close();
    const s1 = await createStore({ kind: 'sqlite', path, atRest: ring1 });
    const form = { name: 'm', role: 'delivery' as const, mapping: 'm', format: 'json', mediaType: 'application/json', body: Buffer.from('{"k":1}') };
    const old = [{ ...newMessage(), mapping: 'm', forms: [form] }, newMessage(), newMessage()];
    for (const m of old) await s1.accept(m);
    expect((await s1.getPayload(legacy.id))!.equals(legacy.payload)).to.equal(true); // clear rows still read
    await s1.close();

    const s12 = await createStore({ kind: 'sqlite', path, atRest: ring12 });
    const fresh = newMessage();
    await s12.accept(fresh);
    for (const m of old) expect((await s12.getPayload(m.id))!.equals(m.payload)).to.equal(true);
    expect(await s12.rewrapPayloads(2)).to.deep.equal({ rewrapped: 2, remaining: 3 }); // 2 payloads + the form of old[0]
    expect(await s12.rewrapPayloads(100)).to.deep.equal({ rewrapped: 3, remaining: 0 });
    expect(await s12.rewrapPayloads(100)).to.deep.equal({ rewrapped: 0, remaining: 0 });
    await s12.close();
    expect(keyIdOf(path, fresh.id)).to.equal('k2');
    expect(keyIdOf(path, legacy.id)).to.equal('k2');

    const s2 = await createStore({ kind: 'sqlite', path, atRest: ring2 }); // k1 retired
    for (const m of [legacy, fresh, ...old]) expect((await s2.getPayload(m.id))!.equals(m.payload)).to.equal(true);
    expect((await s2.getForm(old[0]!.id, 'm'))!.body.equals(form.body)).to.equal(true); // the form was moved to k2 too
    await s2.close();
  });

  it('an outbox item whose payload does not open goes dead instead of blocking the claim', async () => {
    const s1 = await createStore({ kind: 'sqlite', path, atRest: ring1 });
    const msg = newMessage({ endpointId: EP_A });
    await s1.accept(msg);
    await s1.close();
    const wrong = await createStore({ kind: 'sqlite', path, atRest: wrongK1 });
    expect(await wrong.claimDue({ owner: 't', leaseMs: 60_000, capacity: { [EP_A]: 5 } })).to.deep.equal([]);
    const m = await wrong.getMessage(msg.id);
    expect(m!.state).to.equal('dead');
    expect(m!.lastError).to.contain('does not open');
    await wrong.close();
  });
});

describe('at rest: attachment files', () => {
  const collect = async (s: Readable) => {
    const parts: Buffer[] = [];
    for await (const c of s) parts.push(c as Buffer);
    return Buffer.concat(parts);
  };
  const CHUNK = 64 * 1024;

  for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17]) {
    it(`seals a ${size}-byte attachment: no plaintext on disk, same bytes and size back`, async () => {
      const dir = join(root, `a${++n}`);
      const store = new FsAttachmentStore(dir, ring1);
      const bytes = Buffer.alloc(size, 'Geheimnis-');
      const r = await store.putStream(Readable.from([bytes.subarray(0, size >> 1), bytes.subarray(size >> 1)]), { maxBytes: 10 * CHUNK });
      expect(r.size).to.equal(size);
      const file = join(dir, r.sha512.slice(0, 2), r.sha512);
      if (size >= 10) expect(readFileSync(file).includes(Buffer.from('Geheimnis-'))).to.equal(false);
      expect((await collect(store.open(r.sha512))).equals(bytes)).to.equal(true);
      expect(await store.size(r.sha512)).to.equal(size);
      // a second upload of the same content is deduplicated
      expect(await store.putStream(Readable.from([bytes]), { maxBytes: 10 * CHUNK })).to.deep.equal(r);
    });
  }

  it('does not open under other key bytes, nor moved to another content address', async () => {
    const dir = join(root, `a${++n}`);
    const store = new FsAttachmentStore(dir, ring1);
    const a = await store.putStream(Readable.from([Buffer.from('Anlage A')]), { maxBytes: 1024 });
    const b = await store.putStream(Readable.from([Buffer.from('Anlage B')]), { maxBytes: 1024 });
    await expectRefused(() => collect(new FsAttachmentStore(dir, wrongK1).open(a.sha512)), 'GW_AT_REST_INTEGRITY');
    const fileB = join(dir, b.sha512.slice(0, 2), b.sha512);
    mkdirSync(dirname(fileB), { recursive: true });
    renameSync(join(dir, a.sha512.slice(0, 2), a.sha512), fileB);
    await expectRefused(() => collect(store.open(b.sha512)), 'GW_AT_REST_INTEGRITY');
  });
});
