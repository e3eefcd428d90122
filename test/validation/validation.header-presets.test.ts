/**
 * Header profile presets: each header dialect of XOEV.md is read by naming a preset, single
 * fields are overridden, body paths and constants fill what a dialect lacks, and composite
 * fields (praefix + kennung) are empty when a part is missing. All messages here are
 * synthetic and shaped after the published dialects; no XSD is involved.
 */
import { expect } from 'chai';
import { XmlDocument } from 'libxml2-wasm';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descriptorSchema, readDescriptor, resolveHeaderProfile } from '../../gateway/validation/descriptor.js';
import { compileHeaderReader, type HeaderRead } from '../../gateway/validation/header.js';

const UUID = '0b6f2a34-5c1d-4e8f-9a70-2d3c4b5a6f01';

function read(header: Record<string, unknown>, xml: string, namespaces: Record<string, string> = {}): HeaderRead & { missing: string[] } {
  const d = descriptorSchema.parse({
    standard: 'Demo', version: '1', namespace: 'urn:example:demo', namespaces, entry: 'x.xsd', header, messageTypes: ['demo.nachricht.0001'],
  });
  const { profile, issues } = resolveHeaderProfile(d, 'standard.yaml');
  if (!profile) throw new Error(JSON.stringify(issues));
  const reader = compileHeaderReader(d, profile, 'standard.yaml');
  const doc = XmlDocument.fromString(xml);
  try {
    const r = reader.read(doc.root);
    return { ...r, missing: reader.missing(r.values, doc.root.name).keys };
  } finally {
    doc.dispose();
    reader.dispose();
  }
}

const behoerde = (role: string, kennung: string, ns = ''): string =>
  `<${ns}${role}><${ns}verzeichnisdienst listURI="urn:xoev-de:kosit:codeliste:verzeichnisdienst" listVersionID="3"><code>DVDV</code></${ns}verzeichnisdienst><${ns}kennung>${kennung}</${ns}kennung><${ns}name>Amt</${ns}name></${ns}${role}>`;

describe('header profile presets', () => {
  it('basisnachricht 1.1 unqualified (XWasser, XBau shape): header children without namespace', () => {
    const xml = `<w:wasser.bericht.0001 xmlns:w="urn:example:demo" standard="Demo" version="1">
      <nachrichtenkopf.g2g><identifikation.nachricht><nachrichtenUUID>${UUID}</nachrichtenUUID>
      <nachrichtentyp listURI="urn:example:nachrichten"><code>0001</code></nachrichtentyp><erstellungszeitpunkt>2025-01-02T03:04:05</erstellungszeitpunkt>
      </identifikation.nachricht>${behoerde('leser', 'ags:15003000')}${behoerde('autor', 'psw:01003110')}</nachrichtenkopf.g2g>
      <w:inhalt><w:aktenzeichen>AZ-1</w:aktenzeichen><w:gemeinde>15003000</w:gemeinde></w:inhalt></w:wasser.bericht.0001>`;
    const r = read({ preset: 'basisnachricht-1.1-unqualified', vorgangId: 'w:inhalt/w:aktenzeichen', leika: "'99000000000000'", ags: 'w:inhalt/w:gemeinde' }, xml, { w: 'urn:example:demo' });
    expect(r.values).to.deep.equal({
      messageUuid: UUID, messageTypeCode: '0001', createdAt: '2025-01-02T03:04:05', author: 'psw:01003110', reader: 'ags:15003000',
      vorgangId: 'AZ-1', leika: '99000000000000', ags: '15003000',
    });
    expect(r.missing).to.deep.equal([]);
  });

  it('XInneres basisnachricht: praefix + kennung joined, any namespace version, and empty when a part is missing', () => {
    const kopf = (autorPraefix: string): string => `<x:melde.anfrage.1301 xmlns:x="urn:example:demo" xmlns:xink="http://www.osci.de/xinneres/basisnachricht/5">
      <xink:nachrichtenkopf><identifikation.nachricht><nachrichtenUUID>${UUID}</nachrichtenUUID><nachrichtentyp><code>1301</code></nachrichtentyp>
      <erstellungszeitpunkt>2025-01-02T03:04:05Z</erstellungszeitpunkt></identifikation.nachricht>
      <leser><behoerdenkennung><praefix><code>mra</code></praefix><kennung><code>15003000</code></kennung></behoerdenkennung></leser>
      <autor><behoerdenkennung>${autorPraefix}<kennung><code>09162000</code></kennung></behoerdenkennung></autor></xink:nachrichtenkopf></x:melde.anfrage.1301>`;
    const header = { preset: 'xinneres', vorgangId: "'-'", leika: "'99115005000000'", ags: "'15003000'" };
    const r = read(header, kopf('<praefix><code>mra</code></praefix>'));
    expect(r.values).to.include({ messageUuid: UUID, messageTypeCode: '1301', author: 'mra:09162000', reader: 'mra:15003000' });
    const broken = read(header, kopf(''));
    expect(broken.values.author).to.equal('');
    expect(broken.missing).to.deep.equal(['author']);
  });

  it('xdomea Kopf: ProzessID + type code identify the message, ProzessID is the Vorgang', () => {
    const xml = `<xdomea:Aussonderung.Anbieteverzeichnis.0501 xmlns:xdomea="urn:example:demo"><xdomea:Kopf>
      <xdomea:ProzessID>${UUID}</xdomea:ProzessID><xdomea:Nachrichtentyp><code>0501</code></xdomea:Nachrichtentyp>
      <xdomea:Erstellungszeitpunkt>2025-01-02T03:04:05+01:00</xdomea:Erstellungszeitpunkt>
      <xdomea:Absender><xdomea:Behoerdenkennung><xdomea:Kennung><code>0101</code></xdomea:Kennung><xdomea:Praefix><code>bhk</code></xdomea:Praefix></xdomea:Behoerdenkennung></xdomea:Absender>
      <xdomea:Empfaenger><xdomea:Behoerdenkennung><xdomea:Kennung><code>0202</code></xdomea:Kennung><xdomea:Praefix><code>arc</code></xdomea:Praefix></xdomea:Behoerdenkennung></xdomea:Empfaenger>
      </xdomea:Kopf></xdomea:Aussonderung.Anbieteverzeichnis.0501>`;
    const r = read({ preset: 'xdomea-kopf', leika: "''", ags: "''", required: ['messageUuid', 'messageTypeCode', 'author', 'reader', 'vorgangId'] }, xml);
    expect(r.values).to.include({ messageUuid: `${UUID}/0501`, vorgangId: UUID, author: 'bhk:0101', reader: 'arc:0202', createdAt: '2025-01-02T03:04:05+01:00' });
    expect(r.missing).to.deep.equal([]);
  });

  describe('xdomea 2.x and 3.x: the authority identifier moved from Kennung to a coded Behoerdenschluessel', () => {
    const kopf = (id: 'Kennung' | 'Behoerdenschluessel'): string => `<x:Abgabe.Abgabe.0401 xmlns:x="urn:example:demo"><x:Kopf>
      <x:ProzessID>${UUID}</x:ProzessID><x:Nachrichtentyp><code>0401</code></x:Nachrichtentyp>
      <x:Erstellungszeitpunkt>2025-01-02T03:04:05+01:00</x:Erstellungszeitpunkt>
      <x:Absender><x:Behoerdenkennung><x:${id} listURI="urn:example:behoerden"><code>0101</code></x:${id}><x:Praefix><code>bhk</code></x:Praefix></x:Behoerdenkennung></x:Absender>
      <x:Empfaenger><x:Behoerdenkennung><x:${id}><code>0202</code></x:${id}><x:Praefix><code>arc</code></x:Praefix></x:Behoerdenkennung></x:Empfaenger>
      </x:Kopf></x:Abgabe.Abgabe.0401>`;
    const header = (preset: string) => ({ preset, leika: "''", ags: "''", required: ['messageUuid', 'messageTypeCode', 'author', 'reader', 'vorgangId'] });

    it('xdomea-kopf reads both forms; xdomea-kopf-2 only Kennung, xdomea-kopf-3 only Behoerdenschluessel', () => {
      for (const form of ['Kennung', 'Behoerdenschluessel'] as const) {
        expect(read(header('xdomea-kopf'), kopf(form)).values, form).to.include({ author: 'bhk:0101', reader: 'arc:0202' });
      }
      expect(read(header('xdomea-kopf-2'), kopf('Kennung')).missing).to.deep.equal([]);
      expect(read(header('xdomea-kopf-2'), kopf('Behoerdenschluessel')).missing).to.deep.equal(['author', 'reader']);
      expect(read(header('xdomea-kopf-3'), kopf('Behoerdenschluessel')).values).to.include({ author: 'bhk:0101', reader: 'arc:0202' });
      expect(read(header('xdomea-kopf-3'), kopf('Kennung')).missing).to.deep.equal(['author', 'reader']);
    });

    it('a descriptor whose version the preset does not read is refused at load, naming the presets that fit', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'zsa-preset-version-'));
      try {
        const file = join(dir, 'standard.yaml');
        const yaml = (preset: string): string => `standard: xdomea\nversion: "3.0.0"\nnamespace: urn:xoev-de:xdomea:schema:3.0.0\nentry: xsd/x.xsd\n`
          + `header: { preset: ${preset}, leika: "''", ags: "''", required: [messageUuid, messageTypeCode, author, reader, vorgangId] }\nmessageTypes: [Abgabe.Abgabe.0401]\n`;
        writeFileSync(file, yaml('xdomea-kopf-2'));
        const wrong = (await readDescriptor(file)).issues.map((i) => i.message).join('\n');
        expect(wrong).to.contain('header preset xdomea-kopf-2 reads versions 2.x, but this descriptor is version 3.0.0; use xdomea-kopf or xdomea-kopf-3');
        writeFileSync(file, yaml('xdomea-kopf-3'));
        expect((await readDescriptor(file)).issues).to.deep.equal([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('a descriptor overrides a single preset field and binds its own prefixes beside the preset ones', () => {
    const xml = `<b:bau.antrag.0200 xmlns:b="urn:example:demo" xmlns:g="http://xoev.de/schemata/basisnachricht/g2g/1_1" xmlns:h="http://xoev.de/schemata/basisnachricht/behoerde/1_1">
      <g:nachrichtenkopf.g2g><g:identifikation.nachricht><g:nachrichtenUUID>${UUID}</g:nachrichtenUUID><g:nachrichtentyp><code>0200</code></g:nachrichtentyp>
      <g:erstellungszeitpunkt>2025-01-02T03:04:05</g:erstellungszeitpunkt></g:identifikation.nachricht>
      <g:leser><h:kennung>ags:15003000</h:kennung></g:leser><g:autor><h:kennung>psw:1</h:kennung></g:autor></g:nachrichtenkopf.g2g>
      <b:antrag><b:id>V-7</b:id><b:portal>efa:bau</b:portal></b:antrag></b:bau.antrag.0200>`;
    const r = read({ preset: 'basisnachricht-1.1-qualified', author: 'b:antrag/b:portal', vorgangId: 'b:antrag/b:id', leika: "'1'", ags: "'15003000'" }, xml, { b: 'urn:example:demo' });
    expect(r.values).to.include({ author: 'efa:bau', reader: 'ags:15003000', vorgangId: 'V-7', messageTypeCode: '0200' });
  });

  it('refuses a profile that leaves a field unlocated, or rebinds a preset prefix', () => {
    const d = descriptorSchema.parse({
      standard: 'Demo', version: '1', namespace: 'urn:example:demo', namespaces: { 'bn-g2g': 'urn:other' }, entry: 'x.xsd',
      header: { preset: 'basisnachricht-1.1-qualified' }, messageTypes: ['demo.nachricht.0001'],
    });
    const messages = resolveHeaderProfile(d, 'f').issues.map((i) => i.message).join('\n');
    expect(messages).to.contain('header.vorgangId').and.contain('header.leika').and.contain('header.ags').and.contain('prefix bn-g2g is bound to urn:other');
  });
});
