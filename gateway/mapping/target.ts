/**
 * The output tree the rules write into, and its target paths. One ordered tree serves every
 * target format: element order in XML is the order in which rules first created the
 * elements; JSON keys keep the same order; CSV/fixed rows are the children of the root.
 */
export type OutValue = string | number | boolean;

export class OutNode {
  readonly children: OutNode[] = [];
  readonly attrs: Array<[string, string]> = [];
  value: OutValue | undefined;
  /** JSON: this node is one item of an array under its name. */
  array = false;
  /** The rule that wrote the value, for output faults. */
  rule: string | undefined;

  constructor(readonly name: string) {}

  child(name: string, append: boolean): OutNode {
    if (!append) {
      for (let i = this.children.length - 1; i >= 0; i--) {
        const c = this.children[i] as OutNode;
        if (c.name === name && !c.array) return c;
      }
    }
    const node = new OutNode(name);
    node.array = append;
    this.children.push(node);
    return node;
  }

  setAttr(name: string, value: string): void {
    const hit = this.attrs.find((a) => a[0] === name);
    if (hit) hit[1] = value;
    else this.attrs.push([name, value]);
  }
}

export interface Step {
  name: string;
  /** `name[]`: always a new item (JSON array element, repeated XML element). */
  append: boolean;
  attr: boolean;
}

export type TargetPath = Step[];

const NAME = /^[A-Za-z_$][\w.\-$]*(:[A-Za-z_][\w.-]*)?$/;

/** Parses a target path; throws with a reason when a step is malformed. */
export function parseTargetPath(path: string): TargetPath {
  const parts = path.split('/');
  return parts.map((raw, i) => {
    const attr = raw.startsWith('@');
    const append = raw.endsWith('[]');
    const name = raw.slice(attr ? 1 : 0, append ? -2 : undefined);
    if (!NAME.test(name)) throw new Error(`step ${i + 1} (${raw}) is not a name`);
    if (attr && i !== parts.length - 1) throw new Error('an attribute (@name) can only be the last step');
    if (attr && append) throw new Error('an attribute cannot repeat ([])');
    return { name, append, attr };
  });
}

/** The prefixes a path uses (for checking them against the declared namespaces). */
export function prefixes(path: TargetPath): string[] {
  return path.flatMap((s) => (s.name.includes(':') ? [s.name.slice(0, s.name.indexOf(':'))] : []));
}

/** Walks the first `steps` steps of `path` from `node`, creating what is missing; returns the node of the last step walked. */
export function walk(node: OutNode, path: TargetPath, forceNewLast = false, steps = path.length): OutNode {
  let cur = node;
  for (let i = 0; i < steps; i++) {
    const s = path[i] as Step;
    cur = cur.child(s.name, s.append || (forceNewLast && i === steps - 1));
  }
  return cur;
}

/** Writes `value` at `path` below `node` (an attribute when the last step is `@name`). */
export function write(node: OutNode, path: TargetPath, value: OutValue, rule: string): void {
  const last = path[path.length - 1] as Step;
  if (last.attr) {
    walk(node, path, false, path.length - 1).setAttr(last.name, String(value));
    return;
  }
  const leaf = walk(node, path);
  leaf.value = value;
  leaf.rule = rule;
}
