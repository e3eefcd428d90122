import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import type { GatewayServices } from '../../gateway/api/services.js';
import type { SigningKey } from '../../gateway/crypto/signing-key.js';
import { proofApi } from '../../gateway/reports/api.js';
import type { ProofBundle } from '../../gateway/reports/proof-bundle.js';
import { verifyProofBundle } from '../../gateway/reports/proof-verify.js';
import { createStore } from '../../gateway/store/index.js';
import type { MessageStore, ProofSnapshot } from '../../gateway/store/types.js';
import { signingKeys } from '../crypto/support.js';
import { acceptAll, EP_A, newMessage } from '../store/suite/fixtures.js';

/** The store reads a proof could make; the wrapper moves the message after each of them. */
const READS: ReadonlySet<string> = new Set(['getMessage', 'history', 'vorgang', 'vorgangEvents', 'listForms', 'proofSnapshot']);

/**
 * One step of the outbox on `id`: a queued message is claimed and given up (→ dead), a dead one
 * replayed (→ queued). Each step is one committed state change with its transition.
 */
async function moveOn(store: MessageStore, id: string): Promise<void> {
  const m = await store.getMessage(id);
  if (m?.state === 'dead') {
    await store.replay(id, 'test');
    return;
  }
  const items = await store.claimDue({ owner: 'proof-race', leaseMs: 60_000, capacity: { [EP_A]: 100 } });
  for (const item of items) await store.markDead(item, 'receiver refused (synthetic)', true);
}

/** Every message of the bundle ends its history in its stated state, and the whole bundle verifies. */
async function expectSelfConsistent(bundle: ProofBundle): Promise<void> {
  for (const m of bundle.messages) expect(m.transitions.at(-1)?.to, `message ${m.id}`).to.equal(m.state);
  const verdict = await verifyProofBundle(bundle);
  expect(verdict.ok, JSON.stringify(verdict.checks.filter((c) => !c.ok))).to.equal(true);
}

function expectSnapshotConsistent(s: ProofSnapshot): void {
  for (const e of s.messages) expect(e.history.at(-1)?.to, `message ${e.message.id}`).to.equal(e.message.state);
}

describe('proof bundle: message, history, forms and case events from one snapshot while the outbox moves the message', function () {
  this.timeout(60_000);
  let dir: string;
  let store: MessageStore;
  let ids: string[];
  const vorgangId = 'vg-proof-race-1';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zsa-proof-race-'));
    store = await createStore({ kind: 'sqlite', path: join(dir, 'gateway.db') }); // the store in its worker thread, as the gateway runs it
    ids = await acceptAll(store, [newMessage({ vorgangId }), newMessage({ vorgangId })]);
  });
  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the proof routes build a consistent bundle even when the state changes after each store read they make', async () => {
    // After every read the route makes, the outbox moves both messages on (and the read's caller
    // continues only after that change committed): a route reading message and history separately
    // would state one state and show a history ending in another.
    const moving = new Proxy(store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof prop !== 'string' || !READS.has(prop) || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          for (const id of ids) await moveOn(store, id);
          return result;
        };
      },
    });
    const services = { store: moving, cfg: { participants: [] } } as unknown as GatewayServices;
    const key = { get: () => Promise.resolve(signingKeys('proof-race').privateJwk) } as unknown as SigningKey;
    const app = express();
    for (const r of proofApi(services, key, () => 'https://gateway.zsa.example')) app.get(`/api/v1${r.path}`, ...r.handlers);

    const changesBefore = (await store.history(ids[0]!)).length;
    const one = await request(app).get(`/api/v1/messages/${ids[0]}/proof`);
    expect(one.status, one.text.slice(0, 300)).to.equal(200);
    await expectSelfConsistent(JSON.parse(one.text) as ProofBundle);
    const both = await request(app).get(`/api/v1/vorgaenge/${vorgangId}/proof`);
    expect(both.status, both.text.slice(0, 300)).to.equal(200);
    const bundle = JSON.parse(both.text) as ProofBundle;
    expect(bundle.messages.map((m) => m.id)).to.deep.equal(ids);
    await expectSelfConsistent(bundle);
    // the wrapper did move the messages while the proofs were taken
    expect((await store.history(ids[0]!)).length).to.be.greaterThan(changesBefore + 1);
  });

  it('snapshots taken while state changes are hammered in are each self-consistent', async () => {
    const states = new Set<string>();
    for (let round = 0; round < 40; round++) {
      // posted together: the store runs them in call order, the snapshots fall between the changes
      const [, a, , b] = await Promise.all([
        moveOn(store, ids[0]!),
        store.proofSnapshot({ kind: 'vorgang', id: vorgangId }),
        moveOn(store, ids[1]!),
        store.proofSnapshot({ kind: 'message', id: ids[1]! }),
      ]);
      for (const s of [a, b]) {
        expectSnapshotConsistent(s);
        for (const e of s.messages) states.add(e.message.state);
      }
      expect(a.messages).to.have.length(2);
      expect(b.messages).to.have.length(1);
    }
    expect([...states].sort()).to.deep.equal(['dead', 'queued']);
  });
});
