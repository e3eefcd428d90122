/**
 * The messages between the main thread and the ingress workers (ADR 0047). Payloads cross as
 * Uint8Arrays over ArrayBuffers of their own, moved (transferred), never copied twice and
 * never serialised as JSON; headers, warnings and errors are small and structured-cloned.
 * Errors cross as WireError (code, issues and extra kept: the problem+json is the same).
 */
import type { IngressMediaType } from '../../config/schema.js';
import type { MessageHeader } from '../../model/index.js';
import { fromWireError, toWireError, type WireError } from '../../store/worker/protocol.js';
import type { Submitter } from '../form-ingress.js';
import type { DeliveryMapping } from '../mapping-step.js';
import type { MappedXml, Prepared, Verdict } from './contract.js';

export type StepTask =
  /** Answered once the worker's schema sets and mappings are loaded (or rejects with why they are not). */
  | { kind: 'ready' }
  | { kind: 'check'; xml: Uint8Array }
  | { kind: 'form'; body: Uint8Array; mediaType: IngressMediaType; submitter: Submitter }
  | { kind: 'deliver'; name: string; payload: Uint8Array; header: Pick<MessageHeader, 'standard' | 'version' | 'messageType'> };

export type WirePrepared =
  | { ok: true; verdict: Verdict; mapped?: Omit<MappedXml, 'xml'> & { xml: Uint8Array } }
  | { ok: false; error: WireError; sha512?: string };

export type StepReply = { kind: 'ready'; threadId: number } | { kind: 'prepared'; prepared: WirePrepared } | { kind: 'delivered'; outcome: DeliveryMapping };

/**
 * `b`'s bytes in an ArrayBuffer of their own, ready to be moved to another thread. A Buffer
 * may be a view into Node's shared pool or into a larger buffer: moving that would detach
 * memory others use, cloning it would copy all of it. One copy of exactly its bytes.
 */
export function owned(b: Uint8Array): Uint8Array {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return copy;
}

/** A Buffer over the moved bytes (no copy). */
export function asBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** The task's payload buffers, to move with it. */
export function transfersOf(task: StepTask): ArrayBuffer[] {
  const bytes = task.kind === 'check' ? task.xml : task.kind === 'form' ? task.body : task.kind === 'deliver' ? task.payload : undefined;
  return bytes === undefined ? [] : [bytes.buffer as ArrayBuffer];
}

/** In the worker: the outcome as it crosses back (mapped XML in a buffer of its own), with the buffers to move. */
export function toWirePrepared(p: Prepared): { value: WirePrepared; transfer: ArrayBuffer[] } {
  if (!p.ok) return { value: { ok: false, error: toWireError(p.error), ...(p.sha512 !== undefined && { sha512: p.sha512 }) }, transfer: [] };
  if (p.mapped === undefined) return { value: { ok: true, verdict: p.verdict }, transfer: [] };
  const xml = owned(p.mapped.xml);
  return { value: { ok: true, verdict: p.verdict, mapped: { ...p.mapped, xml } }, transfer: [xml.buffer as ArrayBuffer] };
}

/** On the main thread: the outcome as LocalSteps would have returned it (errors as GatewayError again). */
export function fromWirePrepared(w: WirePrepared): Prepared {
  if (!w.ok) return { ok: false, error: fromWireError(w.error), ...(w.sha512 !== undefined && { sha512: w.sha512 }) };
  return w.mapped === undefined ? { ok: true, verdict: w.verdict } : { ok: true, verdict: w.verdict, mapped: { ...w.mapped, xml: asBuffer(w.mapped.xml) } };
}

/** In the worker: a delivery mapping's outcome with its form body moved. */
export function toWireDelivery(d: DeliveryMapping): { value: DeliveryMapping; transfer: ArrayBuffer[] } {
  if (d.kind !== 'mapped') return { value: d, transfer: [] };
  const body = owned(d.form.body);
  return { value: { ...d, form: { ...d.form, body: body as Buffer } }, transfer: [body.buffer as ArrayBuffer] };
}

/** On the main thread: the delivery form's body as a Buffer again. */
export function fromWireDelivery(d: DeliveryMapping): DeliveryMapping {
  return d.kind === 'mapped' ? { ...d, form: { ...d.form, body: asBuffer(d.form.body) } } : d;
}
