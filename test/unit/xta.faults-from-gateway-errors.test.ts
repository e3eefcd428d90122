import { expect } from 'chai';
import { GatewayError } from '../../gateway/errors.js';
import { faultOf, XtaFault } from '../../gateway/xta/faults.js';

/** Which XTA exception each kind of refusal becomes, and that a fault says the catalog title only, never the refusal's own text. */
describe('xta: faults from gateway errors', () => {
  const citizen = 'Erika Testfrau, IBAN DE02120300000000202051';

  for (const [code, exception] of [
    ['GW_XSD_INVALID', 'MessageSchemaViolationException'],
    ['GW_XML_EXTERNAL_ENTITY', 'MessageSchemaViolationException'],
    ['GW_CODELIST_INVALID', 'MessageSchemaViolationException'],
    ['GW_FORBIDDEN', 'PermissionDeniedException'],
    ['GW_DIALECT_NOT_CONFIGURED', 'PermissionDeniedException'],
    ['GW_ROUTE_NO_MATCH', 'ParameterIsNotValidException'],
    ['GW_VORGANG_UNKNOWN', 'ParameterIsNotValidException'],
    ['GW_NOT_READY', 'TechnicalProblemException'],
    ['GW_INTERNAL', 'TechnicalProblemException'],
  ] as const) {
    it(`${code} → ${exception}, without the refusal's text`, () => {
      const f = faultOf(new GatewayError(code, `value '${citizen}' is wrong`));
      expect(f.exception).to.equal(exception);
      expect(f.code).to.equal(code);
      expect(f.detail).to.contain(code).and.not.contain('Erika').and.not.contain('DE02');
      expect(f.sender).to.equal(exception !== 'TechnicalProblemException');
    });
  }

  it('admission control\'s refusals are a TechnicalProblemException saying busy and when to send again; others carry no retry time', () => {
    for (const code of ['GW_OVERLOADED', 'GW_CLIENT_OVER_SHARE'] as const) {
      const f = faultOf(new GatewayError(code, `value '${citizen}'`, { extra: { retryAfterSeconds: 4, reason: 'outbox-backlog' } }));
      expect(f).to.include({ exception: 'TechnicalProblemException', code, retryAfterSeconds: 4, sender: false });
      expect(f.detail).to.match(/busy/).and.contain('after 4 s').and.not.contain('Erika');
    }
    expect(faultOf(new GatewayError('GW_OVERLOADED', 'x')).detail).to.contain('again later');
    expect(faultOf(new GatewayError('GW_NOT_READY', 'x')).retryAfterSeconds).to.equal(undefined);
  });

  it('anything else is a TechnicalProblemException that says nothing of it', () => {
    const f = faultOf(new TypeError(`cannot read ${citizen}`));
    expect(f).to.include({ exception: 'TechnicalProblemException', code: 'GW_INTERNAL', sender: false });
    expect(f.detail).to.not.contain('Erika');
  });

  it('an XtaFault stays as it is', () => {
    const own = new XtaFault('InvalidMessageIDException', 'no such message');
    expect(faultOf(own)).to.equal(own);
    expect(own.code).to.equal('GW_BAD_REQUEST');
  });
});
