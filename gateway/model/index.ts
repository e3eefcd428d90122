/**
 * The gateway's core message types, used by the store, ingress, mapping, connectors and
 * the API alike: the header read from a message, attachment references, payload forms,
 * the state machine and the table of wire headers.
 */
export type { MessageHeader } from './header.js';
export type { AttachmentRef } from './attachment.js';
export { mediaTypeOf, type FormRole, type MessageForm, type NewForm, type PayloadFormat } from './formats.js';
export * from './states.js';
export { ROUTING_HEADERS, WIRE_HEADERS, wireHeaders, type WireField, type WireFields, type WireHeader } from './wire-headers.js';
