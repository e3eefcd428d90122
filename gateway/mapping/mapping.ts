/**
 * One compiled mapping: parse the input, run the rules into the output tree, serialise,
 * check against the target schema. Either the whole output or a GatewayError — never part.
 */
import { GatewayError } from '../errors.js';
import { MappingFault, toGatewayError } from './fault.js';
import type { OutputCheck } from './check.js';
import type { CompiledRule } from './compile.js';
import { parseInput } from './input.js';
import { runRules } from './run.js';
import type { MappingFile } from './schema.js';
import { toCsv, toFixed, toJsonValue, toXml } from './serialize.js';
import { OutNode } from './target.js';
import type { CompiledMapping, MappedOutput, MappingFormat } from './types.js';

const MEDIA_TYPES: Record<MappingFormat, string> = {
  xml: 'application/xml',
  json: 'application/json',
  csv: 'text/csv; charset=utf-8',
  fixed: 'text/plain; charset=utf-8',
};

export class RuleMapping implements CompiledMapping {
  readonly from: CompiledMapping['from'];
  readonly to: CompiledMapping['to'];

  constructor(readonly name: string, private readonly spec: MappingFile, private readonly rules: CompiledRule[], private readonly check: OutputCheck | undefined) {
    this.from = { format: spec.from.format, describe: spec.from.describe };
    if (spec.from.csv) this.from.csv = { delimiter: spec.from.csv.delimiter, header: spec.from.csv.header };
    const t = spec.to;
    this.to = { format: t.format, describe: t.describe };
    if (t.standard) this.to.standard = t.standard;
    if (t.version) this.to.version = t.version;
    if (t.messageType) this.to.messageType = t.messageType;
  }

  async run(input: Buffer): Promise<MappedOutput> {
    try {
      const body = await this.produce(input);
      const verdict = this.check?.(body);
      return { body, mediaType: MEDIA_TYPES[this.spec.to.format], format: this.spec.to.format, ...(verdict && { verdict }) };
    } catch (err) {
      if (err instanceof MappingFault) throw toGatewayError(this.name, err);
      if (err instanceof GatewayError) throw err;
      throw new GatewayError('GW_INTERNAL', `mapping ${this.name} failed unexpectedly`, { cause: err });
    }
  }

  private async produce(input: Buffer): Promise<Buffer> {
    const parsed = parseInput(input, this.spec.from);
    const t = this.spec.to;
    const root = new OutNode(t.root ?? '$root');
    try {
      await runRules(this.rules, parsed.root, root, {});
    } finally {
      parsed.dispose();
    }
    switch (t.format) {
      case 'xml': return toXml(root, t);
      case 'json': return Buffer.from(JSON.stringify(toJsonValue(root)), 'utf8');
      case 'csv': return toCsv(root, t.csv ?? { delimiter: ';', header: true, columns: [] });
      case 'fixed': return toFixed(root, t.fixed ?? { columns: [] });
    }
  }
}
