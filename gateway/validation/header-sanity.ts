/**
 * Layer 5: header sanity — what XSDs of real standards let through but a gateway cannot
 * route or answer well: a kennung that is not `praefix:kennung` (basisnachricht types it as
 * free text), a message UUID that is not a UUID, a creation time that is not an
 * xs:dateTime, and empty codes inside the header element.
 */
import { XmlElement, type XmlXPath } from 'libxml2-wasm';
import { GatewayError } from '../errors.js';
import type { HeaderField } from './descriptor.js';
import { locate } from './findings.js';
import { KENNUNG } from './kennung.js';
import { WITHHELD } from './redact.js';
import { emptyCodesIn, type HeaderRead, type HeaderReader } from './header.js';
import type { Finding } from './types.js';
import { XPathCompiler } from './xpath.js';
import { PUBLIC_SCOPE, type XPathScope } from './xpath-scope.js';

export { KENNUNG } from './kennung.js';
import { UUID } from '../model/patterns.js';
export { UUID };
/** xs:dateTime, with or without fractional seconds and zone. */
export const DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

export interface HeaderSanity {
  /** `root` is the message's root element, `read` its header as read; `scope` one the caller opened on its document. */
  check(root: XmlElement, read: HeaderRead, scope?: XPathScope): Finding[];
  dispose(): void;
}

export function compileHeaderSanity(reader: HeaderReader, file: string): HeaderSanity {
  const profile = reader.profile;
  const compiler = new XPathCompiler(profile.namespaces, file);
  const emptyCodes: XmlXPath | undefined = profile.scope
    ? compiler.compile('header.scope', emptyCodesIn(profile.scope, 'nodes'))
    : undefined;
  compiler.done();
  if (compiler.issues.length > 0) {
    compiler.dispose();
    throw new GatewayError('GW_CONFIG_INVALID', 'header scope does not compile', { issues: compiler.issues });
  }
  return {
    check(root, read, scope = PUBLIC_SCOPE) {
      const findings: Finding[] = [];
      const v = read.values;
      const add = (field: HeaderField, rule: string, message: string): void => {
        const line = reader.lineOf(root, field);
        findings.push({ message, ...(line ? { line } : {}), path: reader.pathOf(field, root.name), layer: 'header', rule: `header.${rule}` });
      };
      for (const f of ['author', 'reader'] as const) {
        if (v[f] !== '' && !KENNUNG.test(v[f])) add(f, 'kennung', `${f} kennung is not praefix:kennung (value ${WITHHELD})`);
      }
      if (profile.messageUuidFormat === 'uuid' && v.messageUuid !== '' && !UUID.test(v.messageUuid)) {
        add('messageUuid', 'uuid', `message UUID is not a UUID (value ${WITHHELD})`);
      }
      if (v.createdAt === '') add('createdAt', 'created-at', 'creation time is missing');
      else if (!DATE_TIME.test(v.createdAt)) add('createdAt', 'created-at', `creation time is not an xs:dateTime (value ${WITHHELD})`);
      for (const node of emptyCodes && read.emptyCodes > 0 ? scope.find(root, emptyCodes) : []) {
        if (node instanceof XmlElement) findings.push({ message: `${node.name} has an empty code`, ...locate(node), layer: 'header', rule: 'header.empty-code' });
      }
      return findings;
    },
    dispose: () => compiler.dispose(),
  };
}
