import { expect } from 'chai';
import type { JWK } from 'jose';
import type { Response } from 'superagent';
import { decryptWith, type DecryptedJwe } from '../../gateway/crypto/jwe.js';
import { PrivateKeyRing } from '../../gateway/crypto/keyring.js';

/** A supertest `.parse()` that keeps the answer's bytes as a Buffer (JWE, XML, octet-stream): `.buffer(true).parse(rawBody)`. */
export function rawBody(res: Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

/** Expects a 200 `application/jose` answer (read with rawBody) that does not show `plainMarker`, and opens it with `privateJwk`. */
export async function openSealedAnswer(res: { status: number; headers: Record<string, string>; body: unknown }, privateJwk: JWK, plainMarker: string): Promise<{ jwe: string; opened: DecryptedJwe; text: string }> {
  expect(res.status).to.equal(200);
  expect(res.headers['content-type']).to.match(/^application\/jose/);
  const jwe = (res.body as Buffer).toString('ascii');
  expect(jwe).to.not.contain(plainMarker);
  const opened = await decryptWith(jwe, await PrivateKeyRing.fromJwks([privateJwk]));
  return { jwe, opened, text: Buffer.from(opened.payload).toString('utf8') };
}
