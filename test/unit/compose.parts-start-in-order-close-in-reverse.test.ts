import { expect } from 'chai';
import { pino } from 'pino';
import { Assembly, type Part } from '../../gateway/compose/parts.js';

/** Parts that write what happens to them into one journal; `failStart`/`failClose` make one of them throw. */
function journalled(names: readonly string[], o: { failStart?: string; failClose?: string } = {}) {
  const journal: string[] = [];
  const parts = names.map(
    (name): Part => ({
      name,
      start: () => {
        if (name === o.failStart) throw new Error(`${name} cannot start`);
        journal.push(`start ${name}`);
      },
      close: async () => {
        journal.push(`close ${name}`);
        if (name === o.failClose) throw new Error(`${name} cannot close`);
      },
    }),
  );
  return { journal, parts };
}

const log = pino({ level: 'silent' });

describe('compose: the gateway parts start in order and close in reverse, also after a failure', () => {
  it('starts in the given order and closes in reverse; close twice closes once', async () => {
    const a = new Assembly(log);
    const { journal, parts } = journalled(['store', 'worker', 'http']);
    parts.forEach((p) => a.own(p));
    await a.start(parts);
    await Promise.all([a.close(), a.close()]);
    expect(journal).to.deep.equal(['start store', 'start worker', 'start http', 'close http', 'close worker', 'close store']);
  });

  it('a start failing in the middle closes the started parts in reverse and the unstarted ones too, then rethrows', async () => {
    const a = new Assembly(log);
    const { journal, parts } = journalled(['store', 'worker', 'http', 'deadlines'], { failStart: 'http' });
    parts.forEach((p) => a.own(p));
    const err = await a.start(parts).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(Error).with.property('message', 'http cannot start');
    expect(journal).to.deep.equal(['start store', 'start worker', 'close deadlines', 'close http', 'close worker', 'close store']);
  });

  it('a builder failing in the middle closes what the builders before it opened, newest first', async () => {
    const a = new Assembly(log);
    const { journal, parts } = journalled(['keys', 'store', 'audit']);
    const err = await a
      .build(async () => {
        a.own(parts[0]!);
        a.own(parts[1]!);
        throw new Error('mapping missing');
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).to.be.instanceOf(Error).with.property('message', 'mapping missing');
    expect(journal).to.deep.equal(['close store', 'close keys']);
  });

  it('a part that fails to close does not keep the others open; close rejects with its error', async () => {
    const a = new Assembly(log);
    const { journal, parts } = journalled(['store', 'worker', 'http'], { failClose: 'worker' });
    parts.forEach((p) => a.own(p));
    await a.start(parts);
    const err = await a.close().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(Error).with.property('message', 'worker cannot close');
    expect(journal.filter((j) => j.startsWith('close'))).to.deep.equal(['close http', 'close worker', 'close store']);
  });

  it('refuses a start order that leaves out an owned part (it would close at the wrong point), and closes what it owns', async () => {
    const a = new Assembly(log);
    const { journal, parts } = journalled(['store', 'worker']);
    parts.forEach((p) => a.own(p));
    const err = await a.start([parts[0]!]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(Error).with.property('message').that.matches(/worker is owned but has no place/);
    expect(journal).to.deep.equal(['close worker', 'close store']);
  });

  it('refuses to start a part it does not own (its close would be forgotten)', async () => {
    const a = new Assembly(log);
    const { parts } = journalled(['store']);
    const err = await a.start(parts).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(Error).with.property('message').that.matches(/never owned/);
  });
});
