import { expect } from 'chai';
import { CompactSign, importJWK, type JWK } from 'jose';
import { canonicalJson } from '../../gateway/fitconnect/client/canonical-json.js';
import { RouteVerificationError, verifyRoute, type DestinationParameters, type RouteExpectation, type RouteTrust } from '../../gateway/fitconnect/client/verify-route.js';
import { signDestination, signDestinationParameters } from '../../gateway/fitconnect/destination-signature.js';
import { DEST, LEIKA, publicOf, rsaJwk } from '../support/fitconnect-fixture.js';

const ISSUER = 'https://gateway.zsa.example/fit-connect/routing';
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('FIT-Connect routing: destination signatures a sender verifies', function () {
  this.timeout(120_000);
  let key: JWK;
  let other: JWK;
  let enc: JWK;
  let trust: RouteTrust;
  let params: DestinationParameters;
  let route: Record<string, unknown>;

  before(async () => {
    key = rsaJwk('routing-1', 'PS512');
    other = rsaJwk('routing-2', 'PS512');
    enc = publicOf(rsaJwk('enc-1', 'RSA-OAEP-256'));
    trust = { jwks: { keys: [publicOf(key), publicOf(other)] }, issuer: ISSUER };
    params = {
      encryptionKid: 'enc-1',
      publicKeys: { keys: [enc] },
      status: 'active',
      submissionSchemas: [{ schemaUri: 'urn:xoev-de:zsa:efa-form:hund-anmeldung:1.0', mimeType: 'application/json' }],
      submissionUrl: 'https://gateway.zsa.example/fit-connect',
    };
    route = {
      destinationId: DEST.magdeburgHund,
      destinationSignature: await signDestination(
        { destinationId: DEST.magdeburgHund, submissionHost: 'gateway.zsa.example', issuer: ISSUER, gebietIDs: ['urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs:15003'], leikaKeys: [LEIKA.hundAnmeldung] },
        key,
      ),
      destinationParameters: params,
      destinationParametersSignature: await signDestinationParameters(params, key),
      destinationName: 'Landeshauptstadt Magdeburg (Demo)',
    };
  });

  const refused = async (r: unknown, rule: string, expect_: RouteExpectation = { leikaKey: LEIKA.hundAnmeldung }, t = trust) => {
    const err = await verifyRoute(r, expect_, t).then(() => undefined, (e: unknown) => e);
    expect(err, `expected refusal ${rule}`).to.be.instanceOf(RouteVerificationError);
    expect((err as RouteVerificationError).rule).to.equal(rule);
  };
  const parts = (t: unknown) => String(t).split('.');

  it('verifies an untouched route and returns its destination and encryption key', async () => {
    const v = await verifyRoute(route, { leikaKey: LEIKA.hundAnmeldung, ars: '150030000000' }, trust);
    expect(v.destinationId).to.equal(DEST.magdeburgHund);
    expect(v.encryptionKey?.kid).to.equal('enc-1');
    expect(v.addressing).to.include({ iss: ISSUER, submissionHost: 'gateway.zsa.example' });
    const [h] = parts(route.destinationSignature);
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).to.deep.equal({ alg: 'PS512', typ: 'jwt', kid: 'routing-1' });
    expect(parts(route.destinationParametersSignature)[1]).to.equal('', 'the parameters signature is detached');
  });

  it('refuses a route whose destinationId was changed, in the route or in the signed payload', async () => {
    await refused({ ...route, destinationId: DEST.halleHund }, 'route.destination-id');
    const [h, p, s] = parts(route.destinationSignature);
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    await refused({ ...route, destinationId: DEST.halleHund, destinationSignature: `${h}.${b64({ ...claims, destinationId: DEST.halleHund })}.${s}` }, 'route.signature');
  });

  it('refuses changed parameters: another submission URL, another encryption key, another kid', async () => {
    await refused({ ...route, destinationParameters: { ...params, submissionUrl: 'https://evil.example/fit-connect' } }, 'parameters.signature');
    const evil = publicOf(rsaJwk('enc-1', 'RSA-OAEP-256'));
    await refused({ ...route, destinationParameters: { ...params, publicKeys: { keys: [evil] } } }, 'parameters.signature');
    await refused({ ...route, destinationParameters: { ...params, encryptionKid: 'enc-2' } }, 'parameters.signature');
    await refused({ ...route, destinationParametersSignature: undefined }, 'parameters.missing');
    // correctly signed parameters of another submission host than the signed addressing names
    const moved = { ...params, submissionUrl: 'https://other-gateway.example/fit-connect' };
    await refused({ ...route, destinationParameters: moved, destinationParametersSignature: await signDestinationParameters(moved, key) }, 'parameters.submission-host');
  });

  it('refuses a changed key id, an unknown key id, a wrong key and alg none', async () => {
    const [h, p, s] = parts(route.destinationSignature);
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>;
    await refused({ ...route, destinationSignature: `${b64({ ...header, kid: 'routing-2' })}.${p}.${s}` }, 'route.signature');
    await refused({ ...route, destinationSignature: `${b64({ ...header, kid: 'nobody' })}.${p}.${s}` }, 'route.kid');
    await refused({ ...route, destinationSignature: `${b64({ alg: 'none', typ: 'jwt', kid: 'routing-1' })}.${p}.` }, 'route.alg');
    await refused({ ...route, destinationSignature: `${b64({ ...header, alg: 'RS256' })}.${p}.${s}` }, 'route.alg');
    // signed by a key the sender does not trust, under the trusted key's kid
    const attacker = rsaJwk('routing-1', 'PS512');
    const forged = await new CompactSign(Buffer.from(p!, 'base64url')).setProtectedHeader({ alg: 'PS512', typ: 'jwt', kid: 'routing-1' }).sign(await importJWK(attacker, 'PS512'));
    await refused({ ...route, destinationSignature: forged }, 'route.signature');
    const forgedParams = await new CompactSign(Buffer.from(canonicalJson(params))).setProtectedHeader({ alg: 'PS512', kid: 'routing-1' }).sign(await importJWK(attacker, 'PS512'));
    const [fh, , fs] = forgedParams.split('.');
    await refused({ ...route, destinationParametersSignature: `${fh}..${fs}` }, 'parameters.signature');
    // a trust set without the signing key
    await refused(route, 'route.kid', { leikaKey: LEIKA.hundAnmeldung }, { ...trust, jwks: { keys: [publicOf(other)] } });
  });

  it('refuses another issuer, a service or area the signature does not name, and a non-detached parameters signature', async () => {
    await refused(route, 'route.issuer', { leikaKey: LEIKA.hundAnmeldung }, { ...trust, issuer: 'https://other.example/routing' });
    await refused(route, 'route.service', { leikaKey: LEIKA.wohngeld });
    await refused(route, 'route.area', { leikaKey: LEIKA.hundAnmeldung, ars: '150020000000' });
    const full = await new CompactSign(Buffer.from(canonicalJson(params))).setProtectedHeader({ alg: 'PS512', kid: 'routing-1' }).sign(await importJWK(key, 'PS512'));
    await refused({ ...route, destinationParametersSignature: full }, 'parameters.structure');
    await refused({ ...route, destinationSignature: 'not-a-jws' }, 'route.structure');
  });

  it('signs the parameters over their canonical form, so member order and whitespace do not matter', async () => {
    const reordered = JSON.parse(JSON.stringify({ submissionUrl: params.submissionUrl, status: params.status, submissionSchemas: params.submissionSchemas, publicKeys: params.publicKeys, encryptionKid: params.encryptionKid })) as unknown;
    await verifyRoute({ ...route, destinationParameters: reordered }, { leikaKey: LEIKA.hundAnmeldung }, trust);
    expect(canonicalJson({ b: [2, { d: 1, c: 'x' }], a: null })).to.equal('{"a":null,"b":[2,{"c":"x","d":1}]}');
  });
});
