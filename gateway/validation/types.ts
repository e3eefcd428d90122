import type { MessageHeader } from '../store/types.js';

/** Structural limits checked before and while parsing (first validation layer). */
export interface XmlLimits {
  /** Bytes of the XML document. Default 20 MiB. */
  maxBytes: number;
  /** Element nesting depth. */
  maxDepth: number;
  /** Length of one attribute value in characters. */
  maxAttributeLength: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = {
  maxBytes: 20 * 1024 * 1024,
  maxDepth: 256,
  maxAttributeLength: 64 * 1024,
};

export interface CheckedMessage {
  header: MessageHeader;
  /** Findings that did not reject the message (kept with it). */
  warnings: string[];
}

/**
 * Checks one inbound XML message through the layers in order and returns its header.
 * Called by ingress for every message, and by `zsa-gateway validate`.
 *
 * Throws GatewayError with, in the order the layers run:
 *   GW_PAYLOAD_TOO_LARGE, GW_XML_DOCTYPE_FORBIDDEN, GW_XML_EXTERNAL_ENTITY,
 *   GW_XML_ENTITY_EXPANSION, GW_XML_MALFORMED, GW_XML_LIMIT_EXCEEDED,
 *   GW_UNKNOWN_MESSAGE_TYPE (namespace or root element not registered),
 *   GW_ROUTING_KEY_MISSING (message UUID, type code, author, reader, Vorgang id, LeiKa, AGS),
 *   GW_XSD_INVALID (each schema error with line, column and element path),
 *   GW_MESSAGE_TYPE_MISMATCH (root element number ≠ nachrichtentyp code).
 */
export interface MessageValidator {
  check(xml: Buffer): CheckedMessage;
  /** Registered message types (root element names), sorted. */
  messageTypes(): string[];
  /** Frees the compiled schemas. Idempotent. */
  close(): void;
}
