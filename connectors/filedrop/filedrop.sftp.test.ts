import { expect } from 'chai';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { egressConformance, makeOutbound, testContext } from '../../test/conformance/egress.js';
import { sftpConfig, sftpFixture } from './filedrop.fixture.js';
import { dropFileName, FileIngress, filedropConnector, SftpDropFs } from './index.js';
import { ingressContext, RecordingSink, scansPass, waitFor, WatchedFs } from './ingress.fixture.js';
import { startSftpServer, type SftpTestServer } from './sftp.fixture.js';

const never = new AbortController().signal;

egressConformance({ name: 'filedrop over SFTP (ssh2 server on a loopback port)', create: async () => (await sftpFixture()).fixture });

async function withServer(run: (srv: SftpTestServer) => Promise<void>): Promise<void> {
  const srv = await startSftpServer();
  try {
    mkdirSync(join(srv.root, 'drop'));
    await run(srv);
  } finally {
    await srv.close();
  }
}

describe('filedrop over SFTP: authentication, host key, never overwriting, fsync', () => {
  it('logs in with the password from passwordFile as well as with the key from privateKeyFile', async () => {
    await withServer(async (srv) => {
      for (const auth of ['password', 'key'] as const) {
        const egress = filedropConnector.create(sftpConfig(srv, '/drop', auth), testContext('sftp-auth'));
        try {
          await egress.connect(never);
          await egress.deliver(makeOutbound(), never);
        } finally {
          await egress.close();
        }
      }
      expect(srv.logins).to.deep.equal({ password: 1, publickey: 1 });
      expect(readdirSync(join(srv.root, 'drop'))).to.have.length(2);
    });
  });

  it('refuses a server whose host key is not the pinned one, and says so without the password', async () => {
    await withServer(async (srv) => {
      const cfg = sftpConfig(srv, '/drop', 'password');
      const egress = filedropConnector.create({ ...cfg, sftp: { ...cfg.sftp!, hostKeySha256: `SHA256:${'A'.repeat(43)}` } }, testContext('sftp-hostkey'));
      try {
        let err: unknown;
        await egress.connect(never).catch((e: unknown) => (err = e));
        expect(String(err)).to.include('host key does not match');
        expect(egress.health().status).to.equal('down');
        const password = readFileSync(srv.passwordFile, 'utf8').trim();
        expect(`${String(err)} ${JSON.stringify(egress.health())}`).to.not.include(password);
        expect(srv.logins).to.deep.equal({ password: 0, publickey: 0 });
      } finally {
        await egress.close();
      }
    });
  });

  it('a wrong password fails the connect (down) and never appears in the error or health', async () => {
    await withServer(async (srv) => {
      writeFileSync(srv.passwordFile, 'falsches-Passwort-4711\n');
      const egress = filedropConnector.create(sftpConfig(srv, '/drop', 'password'), testContext('sftp-badpw'));
      try {
        let err: unknown;
        await egress.connect(never).catch((e: unknown) => (err = e));
        expect(String(err)).to.include('login refused');
        expect(egress.health().status).to.equal('down');
        expect(`${String(err)} ${String((err as Error).cause)} ${JSON.stringify(egress.health())}`).to.not.include('falsches-Passwort-4711');
      } finally {
        await egress.close();
      }
    });
  });

  it('a redelivery keeps the earlier file (SFTP RENAME never replaces); health tells that the server offers no fsync@openssh.com', async () => {
    await withServer(async (srv) => {
      const egress = filedropConnector.create(sftpConfig(srv, '/drop'), testContext('sftp-keep'));
      try {
        await egress.connect(never);
        const msg = makeOutbound();
        await egress.deliver(msg, never);
        const again = await egress.deliver({ ...msg, attempt: 2, payload: Buffer.from('other bytes') }, never);
        expect(again.detail).to.match(/already there/);
        expect(readdirSync(join(srv.root, 'drop'))).to.deep.equal([dropFileName(msg)]);
        expect(readFileSync(join(srv.root, 'drop', dropFileName(msg))).equals(msg.payload)).to.equal(true);
        expect(egress.health().detail).to.include('no fsync@openssh.com');
      } finally {
        await egress.close();
      }
    });
  });
});

describe('filedrop ingress over SFTP', () => {
  it('takes each file once, moves it on the server, and ignores symlinks and names that try to leave the inbox', async () => {
    await withServer(async (srv) => {
      const inbox = join(srv.root, 'drop');
      writeFileSync(join(srv.root, 'evil.xml'), '<outside-the-inbox/>');
      mkdirSync(join(inbox, 'sub'));
      writeFileSync(join(inbox, 'sub', 'evil.xml'), '<in-a-subdirectory/>');
      symlinkSync(join(srv.root, 'evil.xml'), join(inbox, 'link.xml'));
      srv.extraNames = ['../evil.xml', 'sub/evil.xml', '..'];
      writeFileSync(join(inbox, 'antwort-1.xml'), '<antwort n="1"/>');
      writeFileSync(join(inbox, 'antwort-2.xml'), '<antwort n="2"/>');
      const cfg = sftpConfig(srv, '/drop', 'password', { inbox: { patterns: [{ glob: '*.xml', contentType: 'application/xml' }], pollIntervalMs: 50 } });
      const sink = new RecordingSink();
      const fs = new WatchedFs(new SftpDropFs('/drop', cfg.sftp!));
      const ingress = new FileIngress(cfg, ingressContext(sink, 'sftp-in'), fs);
      try {
        await ingress.start(never);
        await waitFor(() => readdirSync(join(inbox, 'processed')).length === 2, 'two files processed');
        await scansPass(fs);
        expect(sink.submits.map((s) => s.payload.toString()).sort()).to.deep.equal(['<antwort n="1"/>', '<antwort n="2"/>']);
        expect(sink.submits.map((s) => s.remote).sort()).to.deep.equal(['filedrop:sftp-in/antwort-1.xml', 'filedrop:sftp-in/antwort-2.xml']);
        expect(fs.reads.sort()).to.deep.equal(['antwort-1.xml', 'antwort-2.xml']);
        expect(readdirSync(inbox).sort()).to.deep.equal(['link.xml', 'processed', 'rejected', 'sub']);
      } finally {
        await ingress.close();
      }
    });
  });

  it('close() during start leaves no SSH connection behind, and start says it was closed', async () => {
    await withServer(async (srv) => {
      const cfg = sftpConfig(srv, '/drop', 'key');
      const ingress = new FileIngress(cfg, ingressContext(new RecordingSink(), 'sftp-in-close'), new SftpDropFs('/drop', cfg.sftp!));
      const started = ingress.start(never).then(
        () => 'started',
        (err: unknown) => String(err),
      );
      await ingress.close();
      expect(await started).to.match(/closed while starting/);
      await waitFor(() => srv.connections() === 0, 'no connection left');
      expect(ingress.health().status).to.equal('closed');
    });
  });

  it('reconnects after the server drops the connection (a new login), and the files still come exactly once', async () => {
    await withServer(async (srv) => {
      const inbox = join(srv.root, 'drop');
      const cfg = sftpConfig(srv, '/drop', 'key', { inbox: { pollIntervalMs: 50 } });
      const sink = new RecordingSink();
      const fs = new WatchedFs(new SftpDropFs('/drop', cfg.sftp!));
      const ingress = new FileIngress(cfg, ingressContext(sink, 'sftp-in-drop'), fs);
      try {
        await ingress.start(never);
        writeFileSync(join(inbox, 'a.xml'), '<a/>');
        await waitFor(() => readdirSync(join(inbox, 'processed')).length === 1, 'a processed');
        srv.dropConnections();
        writeFileSync(join(inbox, 'b.xml'), '<b/>');
        await waitFor(() => readdirSync(join(inbox, 'processed')).length === 2, 'b processed after the drop');
        expect(sink.stored.size).to.equal(2);
        expect(ingress.health().status).to.equal('up');
        expect(srv.logins.publickey).to.be.at.least(2);
      } finally {
        await ingress.close();
      }
    });
  });
});
