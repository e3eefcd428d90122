import { expect } from 'chai';
import { pino } from 'pino';
import type { InboundItem } from '../../connectors/types.js';
import type { GatewayConfig } from '../../gateway/config/schema.js';
import { GatewayError } from '../../gateway/errors.js';
import { ChannelSink, POISON_LIMIT } from '../../gateway/ingress/sink.js';
import type { SubmitMeta, SubmitResult } from '../../gateway/ingress/pipeline.js';
import type { MessageHeader } from '../../gateway/model/index.js';
import type { Rejection } from '../../gateway/store/types.js';

const cfg = {
  participants: [
    { id: 'fv-halle', kind: 'fachverfahren', kennung: 'ags:15002000', services: ['hund'] },
    { id: 'zsa-lsa', kind: 'zsa', kennung: 'zsa:lsa' },
    { id: 'fv-magdeburg', kind: 'fachverfahren', kennung: 'ags:15003000' },
  ],
} as unknown as GatewayConfig;

const header = (author: string): MessageHeader => ({ author } as unknown as MessageHeader);
const never = new AbortController().signal;
const item = (payload: string, contentType = 'application/xml'): InboundItem => ({ payload: Buffer.from(payload), contentType, remote: 'test:channel' });

/** A pipeline that records what it was asked and answers with `answer`. */
function pipeline(answer: (body: Buffer, meta: SubmitMeta) => Promise<SubmitResult>) {
  const calls: SubmitMeta[] = [];
  return {
    calls,
    submit: async (body: Buffer, _att: unknown, meta: SubmitMeta) => {
      calls.push(meta);
      return answer(body, meta);
    },
  };
}
const stored = (outcome: 'created' | 'duplicate', gatewayId = 'g-1'): SubmitResult =>
  ({ outcome, receipt: { gatewayId }, endpointId: 'e', routeName: 'r', leika: '1' }) as unknown as SubmitResult;

function sink(p: ReturnType<typeof pipeline>, authors = ['fv-halle']) {
  const rejections: Rejection[] = [];
  const s = new ChannelSink({ cfg, channel: 'replies', authors, pipeline: p, store: { recordRejection: async (r) => void rejections.push(r) }, log: pino({ level: 'silent' }) });
  return { s, rejections };
}

describe('ChannelSink: the one sink of every inbound channel', () => {
  it('answers accepted/duplicate with the gateway id only from a stored result', async () => {
    const p = pipeline(async (body) => stored(body.toString() === 'again' ? 'duplicate' : 'created', 'g-42'));
    const { s } = sink(p);
    expect(await s.submit(item('<a/>'), never)).to.deep.equal({ outcome: 'accepted', gatewayId: 'g-42' });
    expect(await s.submit(item('again'), never)).to.deep.equal({ outcome: 'duplicate', gatewayId: 'g-42' });
  });

  it('picks the way in from the content type: XML and dialects with the single author as submitter, a JWE without', async () => {
    const p = pipeline(async () => stored('created'));
    const { s } = sink(p);
    await s.submit(item('<a/>', 'text/xml; charset=utf-8'), never);
    await s.submit(item('{}', 'application/json'), never);
    await s.submit(item('x;y', 'text/csv; charset=UTF-8'), never);
    await s.submit(item('a.b.c.d.e', 'application/jose'), never);
    await s.submit(item('<a/>', 'text/plain'), never);
    await s.submit(item('<a/>', ''), never);
    expect(p.calls.map((c) => c.ingress?.mediaType ?? 'none')).to.deep.equal(['application/xml', 'application/json', 'text/csv', 'none', 'application/xml', 'application/xml']);
    expect(p.calls[0]!.ingress!.submitter).to.deep.equal({ id: 'fv-halle', services: ['hund'] });
    expect(p.calls.every((c) => c.remote === 'test:channel')).to.equal(true);
  });

  it('with several authors chooses no single submitter (the mapped author is still bound to the channel)', async () => {
    const p = pipeline(async () => stored('created'));
    const { s } = sink(p, ['fv-halle', 'fv-magdeburg']);
    await s.submit(item('{}', 'application/json'), never);
    expect(p.calls[0]!.ingress!.submitter).to.equal(null);
  });

  it('binds the header author to the channel\'s authors (rule ingress.channel), whatever the spelling', async () => {
    const p = pipeline(async () => stored('created'));
    const { s } = sink(p);
    await s.submit(item('<a/>'), never);
    const check = p.calls[0]!.checkHeader!;
    expect(() => check(header('ags:15002000'))).not.to.throw();
    for (const other of ['ags:15003000', 'zsa:lsa', 'AGS:15002000 ', 'ags:150020000', 'ags:15002000\u200b', '']) {
      expect(() => check(header(other)), other).to.throw(GatewayError).with.property('code', 'GW_FORBIDDEN');
    }
  });

  it('refuses a content type no way in takes, and records it without content', async () => {
    const p = pipeline(async () => stored('created'));
    const { s, rejections } = sink(p);
    for (const t of ['text/csv; charset=iso-8859-1', 'image/png', 'multipart/form-data; boundary=x']) {
      expect(await s.submit(item('Müller', t), never)).to.deep.equal({ outcome: 'refused', code: 'GW_UNSUPPORTED_MEDIA_TYPE' });
    }
    expect(p.calls).to.have.length(0);
    expect(rejections).to.have.length(3);
    expect(JSON.stringify(rejections)).not.to.contain('Müller');
    expect(rejections[0]!.remote).to.equal('test:channel');
  });

  it('answers refused for a permanent refusal (the pipeline recorded it) and does not record it twice', async () => {
    const p = pipeline(async () => {
      throw new GatewayError('GW_XML_MALFORMED', 'bad');
    });
    const { s, rejections } = sink(p);
    expect(await s.submit(item('<a'), never)).to.deep.equal({ outcome: 'refused', code: 'GW_XML_MALFORMED' });
    expect(rejections).to.have.length(0);
  });

  it('rejects what may pass, until the same payload failed POISON_LIMIT times: then records it and refuses; other items are unaffected', async () => {
    const p = pipeline(async (body) => {
      if (body.toString() === 'poison') throw new Error('store said Müller');
      if (body.toString() === 'busy') throw new GatewayError('GW_NOT_READY', 'shutting down');
      return stored('created');
    });
    const { s, rejections } = sink(p);
    for (let n = 1; n < POISON_LIMIT; n++) {
      await s.submit(item('poison'), never).then(
        () => expect.fail('a failing item must be left at the peer'),
        (err: unknown) => expect(String(err)).to.contain('Müller'),
      );
      expect(await s.submit(item('fine'), never)).to.have.property('outcome', 'accepted');
    }
    expect(rejections).to.have.length(0);
    expect(await s.submit(item('poison'), never)).to.deep.equal({ outcome: 'refused', code: 'GW_INTERNAL' });
    expect(rejections).to.have.length(1);
    expect(rejections[0]!.code).to.equal('GW_INTERNAL');
    expect(rejections[0]!.detail).not.to.contain('Müller');
    // the count starts again for the next poison item; a retryable refusal is retried the same way
    await s.submit(item('busy'), never).then(
      () => expect.fail('GW_NOT_READY must be retried'),
      (err: unknown) => expect(err).to.be.instanceOf(GatewayError).with.property('code', 'GW_NOT_READY'),
    );
  });

  it('a success resets the failure count of that payload', async () => {
    let fail = true;
    const p = pipeline(async () => {
      if (fail) throw new Error('flaky');
      return stored('created');
    });
    const { s, rejections } = sink(p);
    for (let n = 1; n < POISON_LIMIT; n++) await s.submit(item('flaky'), never).catch(() => undefined);
    fail = false;
    await s.submit(item('flaky'), never);
    fail = true;
    for (let n = 1; n < POISON_LIMIT; n++) await s.submit(item('flaky'), never).catch(() => undefined);
    expect(rejections).to.have.length(0);
  });

  it('does not start a submit once the signal is aborted', async () => {
    const p = pipeline(async () => stored('created'));
    const { s } = sink(p);
    const ac = new AbortController();
    ac.abort();
    await s.submit(item('<a/>'), ac.signal).then(
      () => expect.fail('an aborted submit must reject'),
      () => undefined,
    );
    expect(p.calls).to.have.length(0);
  });
});
