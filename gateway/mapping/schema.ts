/**
 * The schema of `mappings/<name>/mapping.yaml`: one zod schema is validation, defaults and
 * reference (gateway/mapping/README.md explains each field with an example).
 */
import { z } from 'zod';

export const FORMATS = ['xml', 'json', 'csv', 'fixed'] as const;
const format = z.enum(FORMATS);
const ruleId = z.string().regex(/^[A-Za-z0-9][\w.-]*$/, 'a rule id is letters, digits, _ . - (starting with a letter or digit)');
const scalar = z.union([z.string(), z.number(), z.boolean()]);

const csvSpec = z.object({
  delimiter: z.string().min(1).default(';'),
  header: z.boolean().default(true),
  columns: z.array(z.string().min(1)).min(1).describe('Column names in file order.'),
}).strict();

const fixedColumn = z.object({
  name: z.string().min(1),
  width: z.number().int().positive(),
  align: z.enum(['left', 'right']).default('left'),
  pad: z.string().length(1).default(' '),
}).strict();
const fixedSpec = z.object({ columns: z.array(fixedColumn).min(1) }).strict();

const side = {
  format,
  describe: z.string().min(1).describe('What this side is, in words.'),
  namespaces: z.record(z.string(), z.string().min(1)).default({}).describe('XML: prefix → namespace URI ("" = default namespace).'),
  csv: csvSpec.optional(),
  fixed: fixedSpec.optional(),
};

const fromSide = z.object(side).strict();
const toSide = z.object({
  ...side,
  standard: z.string().min(1).optional().describe('XML to an XÖV standard: output checked by the gateway validator.'),
  version: z.string().min(1).optional(),
  messageType: z.string().min(1).optional(),
  root: z.string().min(1).optional().describe('XML: the root element (with prefix).'),
  attributes: z.record(z.string(), z.string()).default({}).describe('XML: constant attributes of the root.'),
  schema: z.string().min(1).optional().describe('File in the mapping folder: schema.xsd (XML) or schema.json (JSON Schema).'),
}).strict();

const codeList = z.object({
  map: z.record(z.string(), z.string()),
  missing: z.enum(['error', 'default', 'keep']).default('error').describe('A code not in `map`: error, the `default`, or keep the code.'),
  default: z.string().optional(),
}).strict();

const dateFormat = z.object({ from: z.string().min(1), to: z.string().min(1) }).strict();
const numberFormat = z.object({
  from: z.enum(['de', 'plain', 'cents']).default('plain'),
  to: z.enum(['de', 'plain', 'cents']).default('plain'),
  decimals: z.number().int().min(0).max(6).default(2),
}).strict();

const ruleBase = {
  id: ruleId,
  when: z.string().min(1).optional().describe('Condition in the source language; the rule is skipped where false.'),
  to: z.string().min(1).optional().describe('Target path; without it the rule only provides a value for `compute`.'),
  as: z.string().regex(/^[A-Za-z_]\w*$/).optional().describe('Name of the value for later `compute` rules (default: the id).'),
};

export interface RuleInput {
  id: string;
  when?: string;
  to?: string;
  as?: string;
  from?: string;
  value?: string | number | boolean;
  compute?: string;
  default?: string | number | boolean;
  required: boolean;
  pattern?: string;
  date?: z.output<typeof dateFormat>;
  number?: z.output<typeof numberFormat>;
  codeList?: string;
  map?: string;
  type?: 'string' | 'number' | 'integer' | 'boolean';
  forEach?: string;
  rules?: RuleInput[];
  empty?: boolean;
}

export const ruleSchema: z.ZodType<RuleInput, unknown> = z.lazy(() => z.object({
  ...ruleBase,
  from: z.string().min(1).optional().describe('Source path (JSONata for JSON/CSV/fixed, XPath for XML).'),
  value: scalar.optional().describe('A constant.'),
  compute: z.string().min(1).optional().describe('JSONata over the values of earlier rules.'),
  default: scalar.optional().describe('Used when the source value is missing or empty.'),
  required: z.boolean().default(false),
  pattern: z.string().min(1).optional().describe('Regex the value must match (before formatting).'),
  date: dateFormat.optional(),
  number: numberFormat.optional(),
  codeList: z.string().min(1).optional(),
  map: z.string().min(1).optional().describe('JSONata over `$` = the value, after the other steps.'),
  type: z.enum(['string', 'number', 'integer', 'boolean']).optional().describe('JSON output type.'),
  forEach: z.string().min(1).optional().describe('Repeating group: source items; `rules` run per item.'),
  rules: z.array(ruleSchema).optional(),
  empty: z.literal(true).optional().describe('Creates the target element/object without a value (a container the schema demands even when empty).'),
}).strict());

export const mappingSchema = z.object({
  name: z.string().optional().describe('Must equal the folder name when given.'),
  from: fromSide,
  to: toSide,
  codeLists: z.record(z.string(), codeList).default({}),
  rules: z.array(ruleSchema).min(1),
}).strict();

export type MappingFile = z.output<typeof mappingSchema>;
export type SideSpec = z.output<typeof fromSide>;
export type TargetSpec = z.output<typeof toSide>;
export type CodeListSpec = z.output<typeof codeList>;
export type CsvSpec = z.output<typeof csvSpec>;
export type FixedSpec = z.output<typeof fixedSpec>;
