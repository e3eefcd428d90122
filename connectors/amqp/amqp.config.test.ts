import { expect } from 'chai';
import { makeOutbound } from '../../test/conformance/outbound.js';
import { amqpConfigSchema, brokerUrls, renderRoutingKey } from './config.js';

describe('amqp091 config', () => {
  const minimal = { url: 'amqp://gw:secret@rabbit.example:5672/zsa', exchange: { name: 'zsa.work' } };

  it('fills every default', () => {
    const config = amqpConfigSchema.parse({ ...minimal, queues: [{ name: 'zsa.hund' }] });
    expect(config.exchange).to.deep.equal({ name: 'zsa.work', type: 'topic', durable: true });
    expect(config.queues).to.deep.equal([{ name: 'zsa.hund', routingKey: '#', queueType: 'quorum', overflow: 'reject-publish', arguments: {} }]);
    expect(config).to.include({ routingKey: '{messageType}', unroutable: 'permanent', publishTimeoutMs: 15_000, connectTimeoutMs: 10_000, heartbeatSeconds: 30 });
  });

  it('lists every problem at once', () => {
    const result = amqpConfigSchema.safeParse({
      url: 'http://rabbit.example',
      exchange: { name: 'x', type: 'headers' },
      routingKey: '{messageType}.{municipality}',
      queues: [{ name: 'q', arguments: { 'x-queue-type': 'classic' } }],
      tls: { certFile: 'client.pem' },
      surprise: true,
    });
    expect(result.success).to.equal(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).to.include.members(['url', 'exchange.type', 'routingKey', 'queues.0.arguments.x-queue-type', 'tls', '']);
  });

  it('renders routing key placeholders from the message', () => {
    const msg = makeOutbound({ ags: '15003000', leika: '99102013104000' });
    expect(renderRoutingKey('{messageType}.{ags}', msg)).to.equal('hund.anmeldung.0101.15003000');
    expect(renderRoutingKey('zsa.fixed', msg)).to.equal('zsa.fixed');
    expect(renderRoutingKey('{leika}/{author}/{reader}', msg)).to.equal('99102013104000/efa:hund-lsa/zsa:hund');
    expect(() => renderRoutingKey('{vorgangId}', makeOutbound({ vorgangId: 'v'.repeat(256) }))).to.throw(/255 bytes/);
  });

  it('adds the heartbeat to the broker URL and hides the password for display', () => {
    const urls = brokerUrls({ url: minimal.url, heartbeatSeconds: 15 });
    expect(urls.connect).to.equal('amqp://gw:secret@rabbit.example:5672/zsa?heartbeat=15');
    expect(urls.display).to.equal('amqp://gw:***@rabbit.example:5672/zsa?heartbeat=15');
    expect(brokerUrls({ url: 'amqps://h/v?heartbeat=5', heartbeatSeconds: 30 }).connect).to.equal('amqps://h/v?heartbeat=5');
  });
});
