import { expect } from 'chai';
import { replyKeyOf } from '../../gateway/fitconnect/reply-key.js';
import { GatewayError } from '../../gateway/errors.js';
import { encryptionKeys } from '../crypto/support.js';

const strong = encryptionKeys('unit-reply-key');
const refusedRule = (metadata: unknown): string | undefined => {
  try {
    replyKeyOf(metadata);
    return undefined;
  } catch (err) {
    expect(err).to.be.instanceOf(GatewayError);
    expect((err as GatewayError).code).to.equal('GW_FC_METADATA_INVALID');
    return (err as GatewayError).issues[0]?.rule;
  }
};
const channel = (key: unknown) => ({ replyChannel: { fitConnect: { processStandards: [], encryptionPublicKey: key } } });

/** The reply key a sender names in `replyChannel.fitConnect` (ADR 0033): taken only as a public RSA-OAEP-256 key of at least 4096 bits. */
describe('FIT-Connect reply key from the metadata', () => {
  it('takes a public 4096-bit RSA key and keeps only its public members', () => {
    const key = replyKeyOf(channel({ ...strong.publicJwk, x5c: ['MIIB'] }))!;
    expect(key).to.deep.equal({ kty: 'RSA', n: strong.publicJwk.n, e: strong.publicJwk.e, alg: 'RSA-OAEP-256', use: 'enc', kid: strong.publicJwk.kid });
  });

  it('answers null when no FIT-Connect reply channel or no key is named (replies then use the registered key)', () => {
    expect(replyKeyOf({})).to.equal(null);
    expect(replyKeyOf({ replyChannel: { eMail: { address: 'demo@example.invalid' } } })).to.equal(null);
    expect(replyKeyOf({ replyChannel: { fitConnect: { processStandards: [] } } })).to.equal(null);
  });

  it('refuses private members, short keys, other key types and algorithms, and non-objects, naming the rule', () => {
    expect(refusedRule(channel(strong.privateJwk))).to.equal('reply-key.private');
    expect(refusedRule(channel({ ...strong.publicJwk, k: 'c2VjcmV0' }))).to.equal('reply-key.private');
    expect(refusedRule(channel(encryptionKeys('unit-short', 'short', 2048).publicJwk))).to.equal('reply-key.size');
    expect(refusedRule(channel({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }))).to.equal('reply-key.kty');
    expect(refusedRule(channel({ ...strong.publicJwk, alg: 'RSA1_5' }))).to.equal('reply-key.alg');
    expect(refusedRule(channel({ ...strong.publicJwk, key_ops: ['verify'] }))).to.equal('reply-key.key-ops');
    expect(refusedRule(channel('MIIB...'))).to.equal('reply-key.shape');
    expect(refusedRule({ replyChannel: { fitConnect: [] } })).to.equal('reply-key.shape');
  });
});
