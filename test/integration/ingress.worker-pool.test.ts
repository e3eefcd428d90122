/**
 * The ingress worker pool (ADR 0047) gives the pipeline exactly what the same steps give on
 * the main thread: for every schema sample (valid and invalid) the same header, warnings or
 * GatewayError (code, message, issues, extra), and for every mapping fixture the same mapped
 * XML or delivery form. Payloads cross as moved copies: the caller's buffer stays whole.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../../gateway/errors.js';
import { loadPipelineMapping, mappingDirPath } from '../../gateway/ingress/mappings.js';
import { PooledSteps } from '../../gateway/ingress/steps/pool.js';
import { LocalSteps, stepsInit, type IngressSteps, type Prepared } from '../../gateway/ingress/steps/index.js';
import type { DeliveryMapping } from '../../gateway/ingress/mapping-step.js';
import { schemaRootPath } from '../../gateway/paths.js';
import { strictnessOf } from '../../gateway/routing/route-match.js';
import { evidenceKey, readEvidence } from '../../gateway/validation/evidence.js';
import { loadValidator, type GatewayValidator } from '../../gateway/validation/index.js';
import { testConfig } from '../support/gateway.js';

const cfg = testConfig();
cfg.ingress.workers = 1;

/** Every sample XML under the configured schema roots (`<standard>/<version>/samples/{valid,invalid}`). */
function samples(): Array<{ name: string; xml: Buffer }> {
  const out: Array<{ name: string; xml: Buffer }> = [];
  for (const root of cfg.schemas.roots.map(schemaRootPath)) {
    for (const standard of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory())) {
      for (const version of readdirSync(join(root, standard.name))) {
        for (const kind of ['valid', 'invalid']) {
          const dir = join(root, standard.name, version, 'samples', kind);
          let files: string[] = [];
          try {
            files = readdirSync(dir).filter((f) => f.endsWith('.xml'));
          } catch {
            continue;
          }
          files.forEach((f) => out.push({ name: `${standard.name}/${version}/${kind}/${f}`, xml: readFileSync(join(dir, f)) }));
        }
      }
    }
  }
  return out;
}

/** Every mapping fixture input (`mappings/<name>/fixtures/<case>.input.*`). */
function fixtures(): Array<{ mapping: string; name: string; input: Buffer }> {
  const dir = mappingDirPath('./mappings');
  return readdirSync(dir).flatMap((mapping) => {
    let files: string[] = [];
    try {
      files = readdirSync(join(dir, mapping, 'fixtures')).filter((f) => f.includes('.input.'));
    } catch {
      return [];
    }
    return files.map((f) => ({ mapping, name: `${mapping}/${f}`, input: readFileSync(join(dir, mapping, 'fixtures', f)) }));
  });
}

const comparableError = (e: unknown) =>
  e instanceof GatewayError ? { gateway: true, code: e.code, message: e.message, issues: e.issues, extra: e.extra } : { gateway: false, message: e instanceof Error ? e.message : String(e) };
const comparable = (p: Prepared) =>
  p.ok ? { ok: true, verdict: p.verdict, mapped: p.mapped && { ...p.mapped, xml: p.mapped.xml.toString('utf8') } } : { ok: false, sha512: p.sha512, error: comparableError(p.error) };
const comparableDelivery = (d: DeliveryMapping) => (d.kind === 'mapped' ? { ...d, form: { ...d.form, body: d.form.body.toString('utf8') } } : d);

describe('ingress: validation and mappings in worker threads answer as on the main thread', function () {
  this.timeout(120_000);
  let validator: GatewayValidator;
  let inline: IngressSteps;
  let pooled: PooledSteps;

  before(async () => {
    validator = await loadValidator(cfg.schemas.roots.map(schemaRootPath));
    inline = new LocalSteps(validator, await loadPipelineMapping(cfg, validator), (h) => strictnessOf(cfg.routes, h), stepsInit(cfg).evidence);
    pooled = new PooledSteps(stepsInit(cfg), 1);
    await pooled.start();
  });

  after(async () => {
    await pooled?.close();
    validator?.close();
  });

  it('gives the same verdict or refusal for every schema sample, valid and invalid', async () => {
    const all = samples();
    expect(all.some((s) => s.name.includes('/invalid/'))).to.equal(true);
    let refused = 0;
    for (const s of all) {
      const here = await inline.check(s.xml);
      if (!here.ok) refused++;
      expect(comparable(await pooled.check(s.xml)), s.name).to.deep.equal(comparable(here));
    }
    expect(refused, 'some samples are refused (else the refusal path is not compared)').to.be.greaterThan(0);

  });

  it('gives the same mapped XML, original form and verdict for every ingress fixture, and the same delivery form for every other mapping fixture', async () => {
    const entries = new Map(cfg.mappings.ingress.map((e) => [e.mapping, e]));
    const header = { standard: '', version: '', messageType: '' };
    let compared = 0;
    for (const f of fixtures()) {
      const entry = entries.get(f.mapping);
      if (entry !== undefined) {
        const submitter = entry.authors?.[0] === undefined ? null : { id: entry.authors[0] };
        const here = await inline.fromForm(f.input, entry.mediaType, submitter);
        expect(comparable(await pooled.fromForm(f.input, entry.mediaType, submitter)), f.name).to.deep.equal(comparable(here));
      } else {
        const here = await inline.deliver(f.mapping, f.input, header);
        expect(comparableDelivery(await pooled.deliver(f.mapping, f.input, header)), f.name).to.deep.equal(comparableDelivery(here));
      }
      compared++;
    }
    expect(compared).to.be.greaterThan(0);
  });

  it('reads the evidence lists of a valid message in the worker, as the case check on the main thread would read them', async () => {
    const policies = stepsInit(cfg).evidence;
    expect(policies.length, 'the demo configures evidence policies').to.be.greaterThan(0);
    const lists = samples().filter((s) => s.name.includes('/valid/'));
    let entries = 0;
    for (const s of lists) {
      const p = await pooled.check(s.xml);
      if (!p.ok) continue;
      for (const policy of policies) {
        const read = p.verdict.evidence?.[evidenceKey(policy)];
        expect(read, s.name).to.deep.equal(readEvidence(s.xml, policy));
        entries += read?.entries.length ?? 0;
      }
    }
    expect(entries, 'some sample lists evidence').to.be.greaterThan(0);
  });

  it('leaves the caller\'s buffer whole: a view into a larger buffer keeps its bytes and its backing memory', async () => {
    const sample = samples().find((s) => s.name.includes('/valid/'))!;
    const big = Buffer.alloc(sample.xml.length + 64, 0x20);
    sample.xml.copy(big, 32);
    const view = big.subarray(32, 32 + sample.xml.length);
    const result = await pooled.check(view);
    expect(result.ok).to.equal(true);
    expect(big.buffer.byteLength).to.be.greaterThan(0);
    expect(view.equals(sample.xml)).to.equal(true);
  });

  it('refuses work once closed with GW_NOT_READY (a 503, not a verdict on the message)', async () => {
    const own = new PooledSteps(stepsInit(cfg), 1);
    await own.start();
    await own.close();
    const err = await own.check(samples()[0]!.xml).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(GatewayError);
    expect((err as GatewayError).code).to.equal('GW_NOT_READY');
  });

  it('fails the start with GW_INTERNAL when a worker cannot load its mappings', async () => {
    const broken = new PooledSteps({ ...stepsInit(cfg), mappingDirs: ['/nonexistent/zsa-mappings'] }, 1);
    try {
      const err = await broken.start().then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(GatewayError);
      expect((err as GatewayError).code).to.equal('GW_INTERNAL');
    } finally {
      await broken.close();
    }
  });
});
