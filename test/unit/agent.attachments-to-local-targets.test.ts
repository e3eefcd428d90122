import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkedAttachment, fileNameOf, type AttachmentRef } from '../../gateway/agent/attachments.js';
import { deliverLocally, type LocalMessage } from '../../gateway/agent/targets.js';

const sha = (b: Buffer) => createHash('sha512').update(b).digest('hex');
const refOf = (name: string, data: Buffer, mediaType = 'application/pdf'): AttachmentRef => ({ name, mediaType, sha512: sha(data), size: data.length });

describe('pull agent: attachments checked and handed to folder and command targets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zsa-agent-att-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const mietvertrag = Buffer.from('%PDF-1.4\n% Mietvertrag (synthetisch)\n%%EOF\n');
  const lohn = Buffer.from('%PDF-1.4\n% Lohnabrechnung (synthetisch)\n%%EOF\n');
  const msg = (attachments: LocalMessage['attachments']): LocalMessage => ({
    gatewayId: randomUUID(), messageUuid: randomUUID(), messageType: 'wohngeld.antrag.0201', vorgangId: randomUUID(), mailbox: 'zsa-wohngeld',
    contentType: 'application/xml', payload: Buffer.from('<antrag/>'), attachments,
  });

  it('accepts bytes with the reference\'s size and sha512; refuses short, longer and tampered bytes without quoting them', () => {
    const ref = refOf('mietvertrag.pdf', mietvertrag);
    expect(checkedAttachment(ref, 0, mietvertrag)).to.include({ name: 'mietvertrag.pdf', file: '01-mietvertrag.pdf', size: mietvertrag.length });
    expect(() => checkedAttachment(ref, 0, mietvertrag.subarray(0, mietvertrag.length - 1))).to.throw(/attachment 1 has \d+ bytes, its reference says/);
    expect(() => checkedAttachment(ref, 0, Buffer.concat([mietvertrag, Buffer.from('x')]))).to.throw(/its reference says/);
    const tampered = Buffer.from(mietvertrag);
    tampered.writeUInt8(tampered.readUInt8(10) ^ 1, 10);
    expect(() => checkedAttachment(ref, 2, tampered)).to.throw('attachment 3: its sha512 is not the one of its reference');
    expect(() => checkedAttachment({ ...ref, sha512: ref.sha512.toUpperCase() }, 0, mietvertrag), 'hex case does not matter').to.not.throw();
  });

  it('names files safely: no path, no leading dot, no control or shell characters, unique by position', () => {
    expect(fileNameOf(0, '../../etc/passwd')).to.equal('01-passwd');
    expect(fileNameOf(1, '..\\..\\boot.ini')).to.equal('02-boot.ini');
    expect(fileNameOf(2, '.bashrc')).to.equal('03-bashrc');
    expect(fileNameOf(3, 'a$(rm -rf ~);`x`\u202e.pdf')).to.equal('04-a__rm_-rf_____x__.pdf');
    expect(fileNameOf(4, 'Lohnabrechnung Mä.pdf')).to.equal('05-Lohnabrechnung_Mä.pdf');
    expect(fileNameOf(5, '')).to.equal('06-anlage');
  });

  it('folder: the attachments folder with manifest appears whole before the message file; a repeated delivery keeps it', async () => {
    const drop = join(dir, 'drop');
    mkdirSync(drop);
    const m = msg([checkedAttachment(refOf('mietvertrag.pdf', mietvertrag), 0, mietvertrag), checkedAttachment(refOf('../lohn.pdf', lohn), 1, lohn)]);
    const name = `wohngeld.antrag.0201-${m.gatewayId}-${m.messageUuid}.xml`;
    expect(await deliverLocally({ kind: 'folder', dir: drop }, m, new AbortController().signal)).to.contain('2 attachment(s)');
    expect(readdirSync(drop).sort()).to.deep.equal([name, `${name}.attachments`]);
    const set = join(drop, `${name}.attachments`);
    expect(readdirSync(set).sort()).to.deep.equal(['01-mietvertrag.pdf', '02-lohn.pdf', 'manifest.json']);
    const manifest = JSON.parse(readFileSync(join(set, 'manifest.json'), 'utf8')) as { gatewayId: string; attachments: Array<{ file: string; name: string; sha512: string; size: number }> };
    expect(manifest.gatewayId).to.equal(m.gatewayId);
    for (const a of manifest.attachments) {
      const bytes = readFileSync(join(set, a.file));
      expect(sha(bytes)).to.equal(a.sha512);
      expect(bytes.length).to.equal(a.size);
    }
    expect(manifest.attachments.map((a) => a.name)).to.deep.equal(['mietvertrag.pdf', '../lohn.pdf']); // the sender's name, kept as data only
    await deliverLocally({ kind: 'folder', dir: drop }, m, new AbortController().signal);
    expect(readdirSync(drop).sort()).to.deep.equal([name, `${name}.attachments`]);
    // a half set left by a crash (no manifest) is replaced on the next delivery
    const other = msg([checkedAttachment(refOf('mietvertrag.pdf', mietvertrag), 0, mietvertrag)]);
    const otherSet = join(drop, `wohngeld.antrag.0201-${other.gatewayId}-${other.messageUuid}.xml.attachments`);
    mkdirSync(otherSet);
    writeFileSync(join(otherSet, '01-mietvertrag.pdf'), mietvertrag.subarray(0, 5));
    await deliverLocally({ kind: 'folder', dir: drop }, other, new AbortController().signal);
    expect(readFileSync(join(otherSet, '01-mietvertrag.pdf')).equals(mietvertrag)).to.equal(true);
    expect(existsSync(join(otherSet, 'manifest.json'))).to.equal(true);
    expect(readdirSync(drop).filter((n) => n.startsWith('.'))).to.deep.equal([]);
  });

  it('command: ZSA_ATTACHMENTS_DIR names a private folder with the files and manifest, removed after the program ended', async () => {
    const out = join(dir, 'command-out.json');
    const script = join(dir, 'list.mjs');
    writeFileSync(
      script,
      "import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';\n" +
        'const d = process.env.ZSA_ATTACHMENTS_DIR;\n' +
        "writeFileSync(process.argv[2], JSON.stringify({ d, files: readdirSync(d).sort(), mode: (statSync(d + '/..').mode & 0o777).toString(8), manifest: JSON.parse(readFileSync(d + '/manifest.json', 'utf8')) }));\n",
    );
    const m = msg([checkedAttachment(refOf('mietvertrag.pdf', mietvertrag), 0, mietvertrag)]);
    await deliverLocally({ kind: 'command', program: process.execPath, args: [script, out], timeoutMs: 20_000 }, m, new AbortController().signal);
    const seen = JSON.parse(readFileSync(out, 'utf8')) as { d: string; files: string[]; mode: string; manifest: { gatewayId: string } };
    expect(seen.files).to.deep.equal(['01-mietvertrag.pdf', 'manifest.json']);
    expect(seen.mode).to.equal('700');
    expect(seen.manifest.gatewayId).to.equal(m.gatewayId);
    expect(existsSync(seen.d), 'removed after the program ended').to.equal(false);
    // also after a refusal
    // also after a refusal: the program records the folder it was given, then fails
    const seenDir = join(dir, 'refused-dir.txt');
    let refused: unknown;
    await deliverLocally({ kind: 'command', program: process.execPath, args: ['-e', `require('node:fs').writeFileSync(${JSON.stringify(seenDir)}, process.env.ZSA_ATTACHMENTS_DIR); process.exit(3)`], timeoutMs: 20_000 }, m, new AbortController().signal).catch((e: unknown) => (refused = e));
    expect(refused).to.be.instanceOf(Error);
    const given = readFileSync(seenDir, 'utf8');
    expect(given).to.contain('zsa-agent-command-');
    expect(existsSync(given), 'removed after a refusal too').to.equal(false);
  });
});
