/**
 * The declarative service rules of a descriptor (layer 6). Each rule applies to the listed
 * message types (or `*`), runs once per `context` node (default: the root element), only
 * where `when` holds, and checks one thing. Every expression is XPath 1.0, relative to the
 * context node, with the descriptor's namespace prefixes. Reference: schemas-xoev/README.md.
 */
import { z } from 'zod';

const xpath = z.string().min(1);

const base = {
  id: z.string().regex(/^[A-Za-z0-9][\w.-]*$/).describe('Stable name; findings report `rules.<id>`.'),
  description: z.string().min(1).describe('What the rule demands, in words; the finding message starts with it.'),
  messageTypes: z.union([z.literal('*'), z.array(z.string().min(1)).min(1)]).describe('Root element names, or `*` for all.'),
  context: xpath.optional().describe('Node set the rule runs on, once per node; default the root element.'),
  when: xpath.optional().describe('Boolean condition per context node; the rule is skipped where it is false.'),
};

export const ruleSchema = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('required'), paths: z.array(xpath).min(1).describe('Each must yield a non-empty string.') }).strict(),
  z.object({
    ...base,
    kind: z.literal('dateOrder'),
    from: xpath.describe('The earlier date (xs:date or xs:dateTime).'),
    to: xpath.describe('The later date.'),
    allowEqual: z.boolean().default(true),
  }).strict(),
  z.object({
    ...base,
    kind: z.literal('sum'),
    items: xpath.describe('Node set of numbers to add up.'),
    total: xpath.describe('The number they must add up to.'),
    tolerance: z.number().nonnegative().default(0.005),
  }).strict(),
  z.object({ ...base, kind: z.literal('assert'), test: xpath.describe('Boolean that must be true.') }).strict(),
  z.object({
    ...base,
    kind: z.literal('proRata'),
    annual: xpath.describe('The amount for a full year.'),
    charged: xpath.describe('Node set of the amounts charged for the period (added up).'),
    from: xpath.describe('Start of the liability (xs:date); its month counts in full.'),
    to: xpath.optional().describe('End of the liability (xs:date); its month counts in full. Default: 31 December of the year of `from`; an empty value means that default too.'),
    tolerance: z.number().nonnegative().default(0.01),
  }).strict(),
  z.object({
    ...base,
    kind: z.literal('equal'),
    left: xpath.describe('A value.'),
    right: xpath.describe('The value that must be the same string (blanks around it ignored).'),
  }).strict(),
]);

export type ServiceRule = z.output<typeof ruleSchema>;
