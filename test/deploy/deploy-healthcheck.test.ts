import { spawn } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import forge from 'node-forge';
import { PACKAGE_ROOT } from '../../gateway/paths.js';

const SCRIPT = join(PACKAGE_ROOT, 'deploy', 'healthcheck.mjs');

/** Exit code of the image's HEALTHCHECK script with `env` (no other environment leaks in). */
function runHealthcheck(env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

/** A loopback server answering `/health` with `status`; everything else 404. */
async function listen(server: Server, status: () => number): Promise<number> {
  server.on('request', (req, res) => {
    res.statusCode = req.url === '/health' ? status() : 404;
    res.end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return (server.address() as AddressInfo).port;
}

function selfSigned(): { key: string; cert: string } {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 3_600_000);
  const name = [{ name: 'commonName', value: 'zsa-gateway-healthcheck-test' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { key: forge.pki.privateKeyToPem(keys.privateKey), cert: forge.pki.certificateToPem(cert) };
}

/** deploy/healthcheck.mjs, the Docker HEALTHCHECK of the image (ADR 0046). */
describe('deploy: the image healthcheck script', () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));

  it('exits 0 when GET /health on 127.0.0.1:$PORT answers 200, 1 when it answers otherwise or nothing listens', async () => {
    let status = 200;
    const server = createHttpServer();
    servers.push(server);
    const port = await listen(server, () => status);
    expect(await runHealthcheck({ PORT: String(port) })).to.equal(0);
    status = 503;
    expect(await runHealthcheck({ PORT: String(port) })).to.equal(1);
    server.close();
    await new Promise((r) => server.once('close', r));
    expect(await runHealthcheck({ PORT: String(port) })).to.equal(1);
  });

  it('asks ZSA_HEALTHCHECK_URL instead, also over TLS with the gateway\'s own (here self-signed) certificate', async function () {
    this.timeout(60_000); // an RSA key in pure JavaScript
    const server = createHttpsServer(selfSigned());
    servers.push(server);
    const port = await listen(server, () => 200);
    expect(await runHealthcheck({ ZSA_HEALTHCHECK_URL: `https://127.0.0.1:${port}/health` })).to.equal(0);
    expect(await runHealthcheck({ ZSA_HEALTHCHECK_URL: `https://127.0.0.1:${port}/nothing` })).to.equal(1);
  });
});
