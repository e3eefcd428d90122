/**
 * Broken mapping folders (test/fixtures/mappings-broken/): loading fails once, with ONE
 * GW_MAPPING_CONFIG_INVALID that lists every problem of every file, each naming the file,
 * the rule id and the YAML path.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { Issue } from '../../gateway/errors.js';
import { loadMappings } from '../../gateway/mapping/index.js';
import { rejection } from './support.js';

const BROKEN = fileURLToPath(new URL('../fixtures/mappings-broken/', import.meta.url));

describe('mapping compile errors', () => {
  let issues: Issue[];
  before(async () => {
    const err = await rejection(loadMappings([BROKEN]));
    expect(err.code).to.equal('GW_MAPPING_CONFIG_INVALID');
    issues = err.issues;
  });

  /** The one issue of `folder` about rule `rule` whose message contains `text`. */
  function find(folder: string, rule: string, text: string): Issue {
    const hit = issues.filter((i) => i.path?.includes(`${folder}/mapping.yaml`) && i.rule === rule && i.message.includes(text));
    expect(hit, `${folder} ${rule} "${text}" in ${JSON.stringify(issues.map((i) => [i.rule, i.path, i.message]), null, 1)}`).to.have.length(1);
    return hit[0] as Issue;
  }

  const cases: Array<[string, string, string, string]> = [
    ['bad-rules', 'two-sources', 'exactly one of from, value, compute, forEach, empty', '#rules[0]'],
    ['bad-rules', 'bad-jsonata', 'JSONata error', '#rules[1].from'],
    ['bad-rules', 'unknown-list', 'code list nope is not declared', '#rules[2].codeList'],
    ['bad-rules', 'bad-date', 'needs yyyy', '#rules[3].date'],
    ['bad-rules', 'bad-prefix', 'prefix y is not declared', '#rules[4].to'],
    ['bad-rules', 'bad-target', 'attribute (@name) can only be the last step', '#rules[5].to'],
    ['bad-rules', 'bad-pattern', 'not a valid regular expression', '#rules[6].pattern'],
    ['bad-rules', 'dup', 'used twice', '#rules[8]'],
    ['bad-rules', 'group.bad-compute', 'JSONata error', '#rules[9].rules[0].compute'],
    ['bad-rules', 'mapping', 'code list halfDefault has missing: default but no default', '#codeLists.halfDefault'],
    ['bad-rules', 'mapping', 'to.schema missing.xsd cannot be read', '#to.schema'],
    ['bad-xpath', 'unknown-prefix', 'b:x', '#rules[0].from'],
    ['bad-xpath', 'bad-syntax', 'a:x[', '#rules[1].from'],
    ['bad-xpath', 'bad-when', 'a:x ==', '#rules[2].when'],
    ['schema-errors', 'mapping', 'from.format', '#from.format'],
    ['schema-errors', 'bad id!', 'rule id', '#rules[1].id'],
    ['schema-errors', 'typo', 'too', '#rules[2]'],
  ];
  for (const [folder, rule, text, at] of cases) {
    it(`${folder}: rule ${rule} — ${text}`, () => {
      const issue = find(folder, rule, text);
      expect(issue.path).to.include(`${folder}/mapping.yaml${at}`);
      expect(issue.message).to.include(`${folder}/mapping.yaml`);
    });
  }

  it('a file that is not YAML is one issue naming the file', () => {
    find('not-yaml', 'mapping', 'not valid YAML');
  });

  it('lists nothing twice and nothing without file, rule and path', () => {
    for (const i of issues) {
      expect(i.path, i.message).to.match(/mapping\.yaml/);
      expect(i.rule, i.message).to.be.a('string').and.not.equal('');
    }
    const keys = issues.map((i) => `${i.path}|${i.message}`);
    expect(new Set(keys).size).to.equal(keys.length);
  });
});
