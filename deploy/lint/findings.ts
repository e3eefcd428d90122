/**
 * One problem the deployment lint found (ADR 0046): where, which rule, what. `rule` is a
 * stable id (`dockerfile.non-root`, `k8s.probes`, …) so tests and readers can name it.
 */
export interface Finding {
  file: string;
  /** 1-based line, when the rule points at one instruction. */
  line?: number;
  rule: string;
  message: string;
}

/** `file:line: rule: message`, one line per finding. */
export function formatFinding(f: Finding): string {
  return `${f.file}${f.line === undefined ? '' : `:${f.line}`}: ${f.rule}: ${f.message}`;
}

/**
 * Secrets written into a file that is not a Secret: a URL with user and password, a PEM block,
 * a base64 at-rest key. Returns what kind was seen, never the text itself.
 */
export function inlineSecretKinds(text: string): string[] {
  const kinds: string[] = [];
  if (/[a-z][a-z0-9+.-]*:\/\/[^/\s:@${}]+:[^/\s@${}]+@/i.test(text)) kinds.push('a URL with a password');
  if (/-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/.test(text)) kinds.push('a PEM block');
  if (/\bkey:\s*["']?[A-Za-z0-9+/]{43}=["']?/.test(text)) kinds.push('an inline base64 key');
  if (/clientSecret\s*:/i.test(text)) kinds.push('a client secret');
  return kinds;
}
