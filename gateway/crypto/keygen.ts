import { createPrivateKey, createPublicKey, generateKeyPair, generateKeyPairSync, type KeyObject } from 'node:crypto';

/**
 * Key generation that never exports a key the generation job still shares. On Node 20 a
 * process can hang for good when a key that came straight out of `generateKeyPair(Sync)` is
 * exported (`export({ format: 'jwk' })`) while the garbage collector destroys the finished
 * generation job: the job's destructor waits for the key's mutex, which the export holds
 * (seen here as a test run stuck in `KeyGenJob::~KeyGenJob` under `ExportJWK`). So the job
 * hands over DER bytes, and the keys the caller gets are new KeyObjects made from them.
 */
export type KeyGenSpec = { type: 'rsa'; modulusLength: number } | { type: 'ec'; namedCurve: 'P-256' | 'P-384' | 'P-521' };

export interface KeyObjectPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

/** DER out of the job (see above), never a KeyObject the job shares. */
const PUBLIC_DER = { type: 'spki', format: 'der' } as const;
const PRIVATE_DER = { type: 'pkcs8', format: 'der' } as const;

function fromDer(publicDer: Buffer, privateDer: Buffer): KeyObjectPair {
  return { publicKey: createPublicKey({ key: publicDer, format: 'der', type: 'spki' }), privateKey: createPrivateKey({ key: privateDer, format: 'der', type: 'pkcs8' }) };
}

/** A key pair generated on the thread pool (RSA-4096 takes about a second), as KeyObjects of their own. */
export function generateKeyObjects(spec: KeyGenSpec): Promise<KeyObjectPair> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicDer: Buffer, privateDer: Buffer) => (err ? reject(err) : resolve(fromDer(publicDer, privateDer)));
    if (spec.type === 'rsa') generateKeyPair('rsa', { modulusLength: spec.modulusLength, publicExponent: 0x10001, publicKeyEncoding: PUBLIC_DER, privateKeyEncoding: PRIVATE_DER }, done);
    else generateKeyPair('ec', { namedCurve: spec.namedCurve, publicKeyEncoding: PUBLIC_DER, privateKeyEncoding: PRIVATE_DER }, done);
  });
}

/** The same, synchronously (tests, benchmarks). */
export function generateKeyObjectsSync(spec: KeyGenSpec): KeyObjectPair {
  const { publicKey, privateKey } =
    spec.type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: spec.modulusLength, publicExponent: 0x10001, publicKeyEncoding: PUBLIC_DER, privateKeyEncoding: PRIVATE_DER })
      : generateKeyPairSync('ec', { namedCurve: spec.namedCurve, publicKeyEncoding: PUBLIC_DER, privateKeyEncoding: PRIVATE_DER });
  return fromDer(publicKey, privateKey);
}
