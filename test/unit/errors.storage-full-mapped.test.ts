import { expect } from 'chai';
import { GatewayError } from '../../gateway/errors.js';
import { normaliseError } from '../../gateway/api/problem.js';
import { storageFullError } from '../../gateway/store/storage-full.js';
import { faultOf } from '../../gateway/xta/faults.js';

const coded = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });

describe('a full disk becomes GW_STORAGE_FULL (507, Retry-After), not GW_INTERNAL', () => {
  it('maps SQLITE_FULL, ENOSPC and EDQUOT, also deeper in the cause chain', () => {
    for (const err of [coded('SQLITE_FULL', 'database or disk is full'), coded('ENOSPC'), coded('EDQUOT'), new Error('put failed', { cause: coded('ENOSPC') })]) {
      const mapped = normaliseError(err);
      expect(mapped).to.be.instanceOf(GatewayError);
      expect((mapped as GatewayError).code).to.equal('GW_STORAGE_FULL');
      expect((mapped as GatewayError).status).to.equal(507);
      expect((mapped as GatewayError).extra['retryAfterSeconds']).to.be.a('number');
    }
  });

  it('leaves other errors and the gateway\'s own refusals alone', () => {
    const busy = new GatewayError('GW_OVERLOADED', 'busy');
    expect(storageFullError(busy)).to.equal(undefined);
    expect(storageFullError(coded('SQLITE_IOERR_WRITE'))).to.equal(undefined);
    expect(storageFullError(new Error('plain'))).to.equal(undefined);
  });

  it('XTA answers a full disk as a retryable TechnicalProblemException naming GW_STORAGE_FULL', () => {
    const fault = faultOf(coded('SQLITE_FULL'));
    expect(fault.exception).to.equal('TechnicalProblemException');
    expect(fault.code).to.equal('GW_STORAGE_FULL');
  });
});
