/**
 * The contract of the mapping engine: what the pipeline, the routes and the dialect mappings
 * build on. A mapping is one folder `mappings/<from>-to-<to>/` with a `mapping.yaml`
 * (format: gateway/mapping/README.md); `loadMappings` (index.ts) compiles every folder once
 * at start and hands out `CompiledMapping`s.
 *
 * `run` is asynchronous because JSONata 2 evaluates expressions asynchronously; everything
 * else in it (XPath on libxml2-wasm, the builders) is synchronous, so one call holds no
 * resources across message boundaries and concurrent calls are safe.
 */
import type { CheckedMessage, MessageValidator } from '../validation/types.js';

export type MappingFormat = 'xml' | 'json' | 'csv' | 'fixed';

export interface MappedOutput {
  body: Buffer;
  mediaType: string;
  format: MappingFormat;
  /**
   * When the gateway's validator checked the output (an XÖV target): its verdict under the
   * standard's own strictness (no route policy) and the validator that gave it. The ingress
   * pipeline reuses it instead of validating the same bytes again when it would ask the same
   * validator with the same strictness (no route override).
   */
  verdict?: { checked: CheckedMessage; by: MessageValidator };
}

export interface CompiledMapping {
  /** Folder name under mappings/, e.g. 'efa-hund-form-to-xzsa'. */
  name: string;
  /** `csv`: how a CSV source is split (ingress reads the record type with it before mapping). */
  from: { format: MappingFormat; describe: string; csv?: { delimiter: string; header: boolean } };
  to: { format: MappingFormat; describe: string; standard?: string; version?: string; messageType?: string };
  /**
   * Maps `input` and validates the output against the target's schema (XSD for XML — via
   * the gateway's validator or an XSD shipped in the mapping folder; JSON Schema via ajv for
   * JSON; the column spec for csv/fixed). Rejects with GatewayError
   *   GW_MAPPING_FAILED — the input is not mappable (not parseable, a mandatory value
   *     missing, a code without translation, a value in the wrong format);
   *   GW_MAPPING_OUTPUT_INVALID — the mapping produced output its target schema refuses
   *     (a bug in the mapping, not in the input).
   * Both carry extra {mapping, rule, path}: the mapping name, the id of the failing rule
   * ('output' for schema findings) and the input (or output) path — never a value of the
   * message. Never resolves with partial output.
   */
  run(input: Buffer): Promise<MappedOutput>;
}

export interface MappingRegistry {
  get(name: string): CompiledMapping | undefined;
  /** Names of every compiled mapping, sorted. */
  names(): string[];
}
