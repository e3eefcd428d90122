import { createHash, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { ConnectorContext, MailboxStore, OutboundMessage } from '../../connectors/types.js';

/** What a conformance fixture read back from the real peer for one message. */
export interface ReceivedMessage {
  gatewayId: string;
  messageUuid: string;
  payload: Buffer;
  /** Optional: checked when the connector carries them. */
  messageType?: string;
  vorgangId?: string;
  author?: string;
  reader?: string;
  sha512?: string;
}

let counter = 0;

/**
 * A synthetic outbound message (Hundehaltung, municipality 15003000): fresh gateway id,
 * message UUID and Vorgang, an XML payload with umlauts so byte-exactness is tested, and
 * its real sha512. `overrides` win; `payload` given without `sha512` gets its hash.
 */
export function makeOutbound(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  counter += 1;
  const messageUuid = overrides.messageUuid ?? randomUUID();
  const vorgangId = overrides.vorgangId ?? `VG-TEST-${process.pid}-${counter}`;
  const payload =
    overrides.payload ??
    Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?>\n` +
        `<hund.anmeldung.0101 xmlns="urn:xoev-de:zsa:test" standard="XZSA" version="0.1" test="true">` +
        `<nachrichtenkopf><nachrichtenUUID>${messageUuid}</nachrichtenUUID><vorgang>${vorgangId}</vorgang></nachrichtenkopf>` +
        `<halter><name>Jürgen Müßig</name><ort>Sülzetal</ort></halter><hund><rasse>Größer Münsterländer</rasse><nr>${counter}</nr></hund>` +
        `</hund.anmeldung.0101>\n`,
      'utf8',
    );
  return {
    gatewayId: randomUUID(),
    messageUuid,
    messageType: 'hund.anmeldung.0101',
    vorgangId,
    author: 'efa:hund-lsa',
    reader: 'zsa:hund',
    leika: '99102013104000',
    ags: '15003000',
    attempt: 1,
    contentType: 'application/xml',
    attachments: [],
    test: true,
    ...overrides,
    payload,
    sha512: overrides.sha512 ?? createHash('sha512').update(payload).digest('hex'),
  };
}

/**
 * A ConnectorContext for tests: a silent logger (LOG_LEVEL overrides) and mailboxes that
 * fail loudly if an egress under test touches them (only the mailbox connector may; its test
 * passes the real store).
 */
export function testContext(endpointId: string): ConnectorContext {
  const mailboxes = new Proxy(
    {},
    {
      get(_target, prop) {
        throw new Error(`connector tests have no mailbox store (tried to use ${String(prop)})`);
      },
    },
  ) as MailboxStore;
  return { endpointId, log: pino({ level: process.env.LOG_LEVEL ?? 'silent' }), mailboxes };
}
