import { expect } from 'chai';
import { passThroughHeader } from '../../gateway/ingress/pass-through.js';
import { normalizeKennung } from '../../gateway/validation/kennung.js';

/** Pass-through routing headers name participants by the same kennung rule as XÖV headers and the configuration. */
describe('pass-through: author and reader follow the one kennung rule', () => {
  const headers = (author: string, reader: string) => ({
    'x-message-uuid': '2f0c6a3e-5b1d-4c8e-9a7f-0d3b5e6f7a81',
    'x-message-type': 'hund.anmeldung.0101',
    'x-author': author,
    'x-reader': reader,
    'x-vorgang-id': 'V-1',
    'x-leika': '99102013104000',
    'x-ags': '15003000',
  });

  it('a praefix in capitals names the same participant as the configured lower-case one', () => {
    const h = passThroughHeader(headers('EFA:hund-lsa', 'Ags:15003000'));
    expect(h.author).to.equal('efa:hund-lsa');
    expect(h.reader).to.equal('ags:15003000');
    expect(h.author).to.equal(normalizeKennung('efa:hund-lsa'));
  });

  it('the kennung after the colon keeps its case (it is not folded into another participant)', () => {
    expect(passThroughHeader(headers('efa:Hund-LSA', 'ags:15003000')).author).to.equal('efa:Hund-LSA');
  });
});
