import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../../gateway/errors.js';
import type { MessageHeader } from '../../gateway/model/index.js';
import { startTestGateway, testConfig } from '../support/gateway.js';
import { hundAnmeldung, LEIKA_HUND } from '../support/xzsa-fixtures.js';

/**
 * The pipeline's header check (used for "the authenticated participant must be the
 * author") runs for validated XML and for pass-through submissions alike, before anything
 * is routed or stored, and the refusal lands in the rejection log.
 */
describe('ingress: the header check runs on every path before storing', function () {
  this.timeout(60_000);
  let gw: Awaited<ReturnType<typeof startTestGateway>>;
  before(async () => {
    const cfg = testConfig();
    cfg.routes.push({ name: 'opaque', match: { messageType: 'hund.verschluesselt.0199' }, passThrough: true, startsVorgang: true, targets: [{ to: 'fachverfahren' }] });
    gw = await startTestGateway(cfg);
  });
  after(() => gw?.stop());

  const onlyFrom = (kennung: string) => (h: MessageHeader) => {
    if (h.author !== kennung) throw new GatewayError('GW_FORBIDDEN', `author ${h.author} is not the caller ${kennung}`);
  };

  async function refused(run: () => Promise<unknown>): Promise<GatewayError> {
    try {
      await run();
    } catch (err) {
      return err as GatewayError;
    }
    throw new Error('accepted');
  }

  it('refuses validated XML whose author is not the caller, and accepts it from the author', async () => {
    const xml = Buffer.from(hundAnmeldung({ author: 'efa:hund-lsa' }));
    const err = await refused(() => gw.services.pipeline.submit(xml, [], { remote: 'test', checkHeader: onlyFrom('efa:wohngeld-lsa') }));
    expect(err.code).to.equal('GW_FORBIDDEN');
    const ok = await gw.services.pipeline.submit(xml, [], { remote: 'test', checkHeader: onlyFrom('efa:hund-lsa') });
    expect(ok.outcome).to.equal('created');
  });

  it('refuses a pass-through submission with a forged X-Author before it is stored', async () => {
    const uuid = randomUUID();
    const header: MessageHeader = {
      messageUuid: uuid, messageType: 'hund.verschluesselt.0199', namespace: '', standard: '', version: '', createdAt: new Date().toISOString(),
      author: 'efa:hund-lsa', reader: 'fv:15002000-hund', vorgangId: `vg-${uuid}`, leika: LEIKA_HUND, ags: '15002000', test: false,
    };
    const jwe = Buffer.from(['eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0', 'a'.repeat(40), 'b'.repeat(16), 'c'.repeat(24), 'd'.repeat(22)].join('.'));
    const err = await refused(() => gw.services.pipeline.submit(jwe, [], { remote: 'test', passThrough: header, checkHeader: onlyFrom('ags:15002000') }));
    expect(err.code).to.equal('GW_FORBIDDEN');
    expect(await gw.services.store.getMessageByUuid('efa:hund-lsa', uuid)).to.equal(null);
    const log = await gw.services.store.listRejections(10);
    expect(log[0]).to.include({ code: 'GW_FORBIDDEN', messageUuid: uuid });
  });
});
