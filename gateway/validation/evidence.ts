/**
 * The evidence cross-check (ADR 0023): a message that lists evidence (a Wohngeld
 * application's `nachweise/nachweis`, the case file forwarded to the municipality) must
 * carry what it lists. Each entry's sha512 must be the hash of an attachment of the
 * message itself or of an earlier message of its Vorgang; its size, when given, must be
 * that attachment's size. Where the list and its fields are is policy, named per service
 * (`services[].evidence`) by element local names, so any standard can use it.
 */
import type { XmlDocument, XmlNode } from 'libxml2-wasm';
import type { EvidenceConfig } from '../config/service-rules.js';
import { GatewayError, type Issue } from '../errors.js';
import type { AttachmentRef } from '../model/index.js';
import { NO_INPUTS, withInputs } from './input-guard.js';
import { parseMessage } from './parse.js';

/** The rules a refusal names (finding `rule`). */
export const EVIDENCE_RULES = {
  hashMissing: 'evidence.hash-missing',
  notAttached: 'evidence.not-attached',
  sizeMismatch: 'evidence.size-mismatch',
} as const;

const MAX_ISSUES = 20;

/** XPath selecting the elements of a local-name path (`a/b`) below a context node, in any namespace. */
function localPath(path: string): string {
  return path.split('/').map((n) => `*[local-name()='${n}']`).join('/');
}

/**
 * The evidence list of one message as read from its XML: the root's name and, per entry in
 * document order, the listed sha512 (lower case; undefined or '' when the entry names none)
 * and the listed size text. Plain data: read in an ingress worker thread (ADR 0047), matched
 * on the main thread once the Vorgang's attachments are known.
 */
export interface EvidenceRead {
  root: string;
  entries: Array<{ sha512: string | undefined; size: string | undefined }>;
}

/** One key per evidence policy (where list, hash and size are), for handing reads across threads. */
export function evidenceKey(cfg: EvidenceConfig): string {
  return [cfg.item, cfg.sha512, cfg.size ?? ''].join('\u0000');
}

/** Reads the evidence list of `xml` as `cfg` places it. Throws GW_XML_MALFORMED for XML that does not parse. */
export function readEvidence(xml: Uint8Array, cfg: EvidenceConfig): EvidenceRead {
  const doc: XmlDocument = withInputs(NO_INPUTS, () => parseMessage(xml));
  try {
    const root = doc.root;
    const entries = root.find(localPath(cfg.item)).map((entry) => ({
      sha512: textOf(entry, cfg.sha512)?.toLowerCase(),
      size: cfg.size === undefined ? undefined : textOf(entry, cfg.size),
    }));
    return { root: root.name, entries };
  } finally {
    doc.dispose();
  }
}

/**
 * Checks the evidence list of `xml` (or its list as `readEvidence` read it) against
 * `attachments` (the message's own) and `earlier` (those of the earlier messages of its
 * Vorgang). Resolves silently when every entry is carried; throws GW_EVIDENCE_MISMATCH naming
 * each failing entry by its position and rule (never a file name, hash or size),
 * GW_XML_MALFORMED for XML that does not parse.
 */
export function checkEvidence(xml: Uint8Array | EvidenceRead, cfg: EvidenceConfig, attachments: readonly AttachmentRef[], earlier: readonly AttachmentRef[]): void {
  const known = new Map<string, number>();
  for (const a of [...earlier, ...attachments]) if (a.unknown !== true) known.set(a.sha512.toLowerCase(), a.size);
  const read = xml instanceof Uint8Array ? readEvidence(xml, cfg) : xml;
  const issues: Issue[] = [];
  read.entries.forEach((entry, i) => {
    if (issues.length >= MAX_ISSUES) return;
    const at = `/${read.root}/${cfg.item}[${i + 1}]`;
    const hash = entry.sha512;
    if (hash === undefined || hash === '') {
      issues.push({ message: 'evidence entry names no sha512', path: `${at}/${cfg.sha512}`, layer: 'evidence', rule: EVIDENCE_RULES.hashMissing });
      return;
    }
    const size = known.get(hash);
    if (size === undefined) {
      issues.push({ message: 'the listed sha512 is no attachment of this message or of an earlier message of its Vorgang', path: `${at}/${cfg.sha512}`, layer: 'evidence', rule: EVIDENCE_RULES.notAttached });
      return;
    }
    const listed = entry.size;
    if (listed !== undefined && listed !== '' && Number(listed) !== size) {
      issues.push({ message: 'the listed size differs from the size of the attachment with that sha512', path: `${at}/${cfg.size}`, layer: 'evidence', rule: EVIDENCE_RULES.sizeMismatch });
    }
  });
  if (issues.length > 0) {
    throw new GatewayError('GW_EVIDENCE_MISMATCH', `${issues.length} evidence ${issues.length === 1 ? 'entry does' : 'entries do'} not match the attachments of the Vorgang: ${issues.map((x) => `${x.path} (${x.rule})`).join(', ')}`, { issues });
  }
}

function textOf(entry: XmlNode, path: string): string | undefined {
  const node = entry.get(localPath(path));
  return node === null ? undefined : node.content.trim();
}
