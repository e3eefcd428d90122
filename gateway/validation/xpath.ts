/**
 * Compiling the XPath expressions of a descriptor (header profile, service rules) at load.
 * libxml2 resolves namespace prefixes only when an expression is evaluated, so each one is
 * also evaluated once on a probe document: an unknown prefix or function is found at load,
 * not on the first message. Only the prefixes an expression uses are registered with it
 * (libxml2-wasm registers them again on every evaluation).
 */
import { XmlDocument, XmlXPath, type NamespaceMap } from 'libxml2-wasm';
import type { Issue } from '../errors.js';

export class XPathCompiler {
  private readonly compiled: XmlXPath[] = [];
  private probe: XmlDocument | undefined;
  /** One issue per expression that did not compile, with the label given. */
  readonly issues: Issue[] = [];

  constructor(private readonly namespaces: NamespaceMap, private readonly file: string, private readonly layer = 'descriptor') {}

  /** Compiles `expr`; on failure records an issue naming `label` and returns undefined. */
  compile(label: string, expr: string): XmlXPath | undefined {
    let xpath: XmlXPath | undefined;
    try {
      xpath = XmlXPath.compile(expr, usedNamespaces(this.namespaces, expr));
      this.probe ??= XmlDocument.fromString('<probe/>');
      this.probe.eval(xpath);
      this.compiled.push(xpath);
      return xpath;
    } catch (cause) {
      xpath?.dispose();
      this.issues.push({ message: `${label}: ${(cause as Error).message} (expression: ${expr})`, path: this.file, layer: this.layer });
      return undefined;
    }
  }

  /** Frees the probe document; the compiled expressions stay until `dispose`. */
  done(): void {
    this.probe?.dispose();
    this.probe = undefined;
  }

  /** Frees everything compiled here. Idempotent. */
  dispose(): void {
    this.done();
    this.compiled.forEach((x) => x.dispose());
    this.compiled.length = 0;
  }
}

/** The entries of `all` whose prefix occurs in `expr` as `prefix:`. */
export function usedNamespaces(all: NamespaceMap, expr: string): NamespaceMap {
  return Object.fromEntries(Object.entries(all).filter(([prefix]) => new RegExp(`(^|[^\\w.-])${prefix.replace(/[.-]/g, '\\$&')}:`).test(expr)));
}

/** The string value of an XPath result: trimmed text, '' for node sets and other types. */
export function asText(v: ReturnType<XmlDocument['eval']>): string {
  return typeof v === 'string' ? v.trim() : '';
}
