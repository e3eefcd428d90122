/**
 * NOT A SIMULATOR — the demo's stand-in for an inbound dialect channel the gateway does not
 * have yet. The gateway maps JSON form submissions at ingress (mappings.ingress), but it has no
 * inbound file-drop connector and no ingress mapping for XML or CSV answers, so a
 * Fachverfahren's answer in its own dialect (Sülzetal's HST-RUECK file, Halle's HSTX_BESCHEID)
 * cannot reach it on its own. This collector maps the answer with the gateway's own compiled
 * mapping (fv-csv-to-xzsa, fv-legacy-xml-to-xzsa: the same engine, schema and service-rule
 * checks) and submits the XZSA result through the HTTP API — with the Bescheid's PDF, which
 * the Fachverfahren writes beside its answer, as an attachment (multipart; ADR 0024).
 */
import { readFile, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import type { GatewayClient } from './client.js';
import { loadMappings, type MappingRegistry } from '../mapping/index.js';
import { mappingDirPath } from '../ingress/mappings.js';
import type { MessageValidator } from '../validation/index.js';

export class DialectAnswerCollector {
  private constructor(private readonly client: GatewayClient, private readonly registry: MappingRegistry & { close(): void }) {}

  /** Compiles the bundled mappings once, checked by the running gateway's validator. */
  static async create(client: GatewayClient, validator: MessageValidator): Promise<DialectAnswerCollector> {
    return new DialectAnswerCollector(client, await loadMappings([mappingDirPath('./mappings')], { validator }));
  }

  /** Maps one answer file with `mapping`, submits the XZSA message with the PDF files beside it, then removes them all. Throws the mapping's or the gateway's error. */
  async collect(mapping: string, file: string, pdfs: readonly string[] = []): Promise<void> {
    const attachments = await Promise.all(pdfs.map(async (f) => ({ name: basename(f), mediaType: 'application/pdf', bytes: await readFile(f) })));
    await this.submit(mapping, await readFile(file), attachments);
    await Promise.all([file, ...pdfs].map((f) => rm(f, { force: true })));
  }

  /** Maps one answer in a dialect (e.g. HSTX_BESCHEID a Fachverfahren posts) and submits the XZSA message, multipart when it has attachments. */
  async submit(mapping: string, answer: Buffer, attachments: ReadonlyArray<{ name: string; mediaType: string; bytes: Buffer }> = []): Promise<void> {
    const m = this.registry.get(mapping);
    if (!m) throw new Error(`demo: mapping ${mapping} is not loaded`);
    const out = await m.run(answer);
    if (attachments.length === 0) await this.client.submit(out.body, 'application/xml');
    else await this.client.submitWithAttachments(out.body, attachments);
  }

  close(): void {
    this.registry.close();
  }
}
