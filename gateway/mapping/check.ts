/**
 * Checking a mapping's output against its target schema before `run` returns it: the
 * gateway's validator for XÖV targets, an XSD shipped in the mapping folder, or a JSON
 * Schema (ajv, draft 2020-12). A refusal is a GW_MAPPING_OUTPUT_INVALID (a mapping bug).
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import type { XsdValidator } from 'libxml2-wasm';
import { GatewayError, type Issue } from '../errors.js';
import type { MessageValidator } from '../validation/index.js';
import { NO_INPUTS, withInputs } from '../validation/input-guard.js';
import { parseMessage } from '../validation/parse.js';
import { redactSchemaMessage } from '../validation/redact.js';
import { validateSchema } from '../validation/xsd-validate.js';
import { MappingFault } from './fault.js';
import type { MappedOutput } from './types.js';

/** Throws a MappingFault when the target refuses `body`; returns the validator's verdict when the gateway validator checked it. */
export type OutputCheck = (body: Buffer) => MappedOutput['verdict'] | void;

const MAX_DETAILS = 10;

function refused(issues: Issue[], what: string): MappingFault {
  const first = issues[0];
  return new MappingFault('output', first?.path ?? '', `the output is refused by ${what}: ${first?.message ?? 'invalid'}`, 'output', issues);
}

/** The gateway validator's verdict on the output (all its layers, the standard's strictness). */
export function validatorCheck(validator: MessageValidator): OutputCheck {
  return (body) => {
    try {
      return { checked: validator.check(body), by: validator };
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      if (err.code === 'GW_RULE_VIOLATION') {
        // A service rule of the standard (e.g. a dog born after its keeping began) is about the input, not the mapping.
        const first = err.issues[0];
        throw new MappingFault(first?.rule ?? 'output', first?.path ?? '', `the mapped message breaks a service rule of the target standard: ${first?.message ?? err.message}`, 'failed', err.issues);
      }
      throw refused(err.issues.length > 0 ? err.issues : [{ message: err.message }], `the target standard (${err.code})`);
    }
  };
}

export function xsdCheck(xsd: XsdValidator): OutputCheck {
  return (body) => {
    const doc = withInputs(NO_INPUTS, () => parseMessage(body));
    try {
      const verdict = validateSchema(xsd, doc, MAX_DETAILS);
      if (verdict.total > 0) throw refused(verdict.details.map((d) => ({ message: redactSchemaMessage(d.message.trim()), line: d.line, column: d.col, path: d.xpath, layer: 'xsd' })), 'the target XSD');
    } finally {
      doc.dispose();
    }
  };
}

const addFormats = addFormatsImport as unknown as (ajv: Ajv2020) => Ajv2020;

/** Compiles a JSON Schema; throws with ajv's reason when it is not a valid schema. */
export function jsonSchemaCheck(schema: object): OutputCheck {
  const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
  const validate: ValidateFunction = ajv.compile(schema);
  return (body) => {
    if (validate(JSON.parse(body.toString('utf8')))) return;
    const issues = (validate.errors ?? []).slice(0, MAX_DETAILS).map((e) => ({ message: `${e.keyword}: ${e.message ?? 'invalid'}`, path: e.instancePath || '/', layer: 'json-schema' }));
    throw refused(issues, 'the target JSON Schema');
  };
}
