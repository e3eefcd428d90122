import { expect } from 'chai';
import { CONNECTORS } from '../../connectors/index.js';
import { validateConfig } from '../../gateway/config/load.js';
import { inboundChannels } from '../../gateway/ingress/channels.js';
import { configProblems, demoRaw } from '../support/demo-config.js';

const problems = (raw: unknown) => configProblems(() => validateConfig(raw, CONNECTORS));
const AMQP = 'amqp://gateway:secret@127.0.0.1:5672';

describe('configuration: inbound channels (ingress.connectors, ingress.amqp)', () => {
  it('takes the generic form and the AMQP short form as the same kind of channel', () => {
    const raw = demoRaw();
    raw['ingress'] = {
      connectors: [{ id: 'halle-answers', connector: 'amqp091', authors: ['fv-15002000-hund'], config: { url: AMQP, queue: 'halle.answers' } }],
      amqp: [{ id: 'zsa-replies', url: AMQP, queue: 'zsa.replies', prefetch: 8, authors: ['zsa-lsa'] }],
    };
    const cfg = validateConfig(raw, CONNECTORS);
    expect(inboundChannels(cfg)).to.deep.equal([
      { id: 'halle-answers', connector: 'amqp091', authors: ['fv-15002000-hund'], config: { url: AMQP, queue: 'halle.answers' } },
      { id: 'zsa-replies', connector: 'amqp091', authors: ['zsa-lsa'], config: { url: AMQP, queue: 'zsa.replies', prefetch: 8 } },
    ]);
  });

  it('lists every problem of the channels at once, each with its path', () => {
    const raw = demoRaw();
    raw['ingress'] = {
      connectors: [
        { id: 'a', connector: 'carrier-pigeon', authors: ['zsa-lsa'] },
        { id: 'b', connector: 'http', authors: ['zsa-lsa'], config: { url: 'https://example.invalid/' } }, // egress only
        { id: 'c', connector: 'amqp091', authors: ['zsa-lsa'], config: { url: 'http://not-amqp', queue: '' } },
        { id: 'd', connector: 'amqp091', authors: ['nobody', 'betrieb'], config: { url: AMQP, queue: 'q' } },
        { id: 'dup', connector: 'amqp091', authors: ['zsa-lsa'], config: { url: AMQP, queue: 'q', exchange: { name: 'x' } } },
      ],
      amqp: [{ id: 'dup', url: AMQP, queue: 'q2', authors: ['zsa-lsa'] }],
    };
    const paths = problems(raw).map((p) => p.path);
    expect(paths).to.include.members([
      'ingress.connectors.0.connector',
      'ingress.connectors.1.connector',
      'ingress.connectors.2.config.url',
      'ingress.connectors.2.config.queue',
      'ingress.connectors.3.authors.0',
      'ingress.connectors.3.authors.1',
      'ingress.connectors.4.config',
      'ingress.amqp.0.id',
    ]);
  });

  it('refuses a channel without authors (it would carry anyone\'s messages)', () => {
    const raw = demoRaw();
    raw['ingress'] = { connectors: [{ id: 'x', connector: 'mailbox', authors: [], config: { mailbox: 'm' } }] };
    const found = problems(raw);
    expect(found.map((p) => p.path)).to.include('ingress.connectors.0.authors');
  });
});
