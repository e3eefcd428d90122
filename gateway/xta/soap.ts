import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { WSDL } from 'soap';
import { PACKAGE_ROOT } from '../paths.js';
import { GatewayError } from '../errors.js';
import { rejectDoctype } from '../validation/doctype.js';
import { FAULT_CODE_LIST, type XtaFault } from './faults.js';

export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const WSA_NS = 'http://www.w3.org/2005/08/addressing';
export const XTA_NS = 'https://xoev.de/transport/xta/core/3.1.1';
/** The media type of a SOAP 1.2 message (RFC 3902). */
export const SOAP12_MEDIA_TYPE = 'application/soap+xml';

/** Where the WSDL file lives; its port addresses carry the placeholder XTA_BASE_URL. */
export const WSDL_PATH = join(PACKAGE_ROOT, 'gateway/xta/wsdl/xta-core.wsdl');
const PLACEHOLDER = /XTA_BASE_URL/g;

/**
 * A request the envelope layer could not take: answered as a SOAP 1.2 fault with env:Sender (or
 * env:VersionMismatch for another SOAP version) and no XTA detail, because no operation was reached.
 */
export class EnvelopeError extends Error {
  constructor(
    readonly faultCode: 'Sender' | 'VersionMismatch',
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A SOAP request after the envelope checks: its action (WS-Addressing), message id and the parsed header and body. */
export interface SoapCall {
  action: string;
  /** wsa:MessageID of the request, answered in wsa:RelatesTo. */
  messageId: string | undefined;
  header: Record<string, unknown>;
  /** The body's element content as node-soap maps it by the WSDL's schema (undefined for an empty body). */
  body: unknown;
}

const PROLOG = new XMLParser({ ignoreAttributes: false, processEntities: false, removeNSPrefix: false, parseTagValue: false, allowBooleanAttributes: false });

/** `{ $value | #text }` or a plain string → the string; anything else → undefined. */
export function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v !== null && typeof v === 'object' && '$value' in v) return textOf((v as { $value: unknown }).$value);
  return undefined;
}

/**
 * The XTA 2 core WSDL as node-soap reads it: parses request envelopes into objects by the WSDL's
 * schema and writes response elements, faults and envelopes. Built once at start (`XtaSoap.load`).
 */
export class XtaSoap {
  private constructor(
    private readonly wsdl: WSDL,
    private readonly text: string,
  ) {}

  static async load(): Promise<XtaSoap> {
    const text = readFileSync(WSDL_PATH, 'utf8');
    const wsdl = new WSDL(text.replace(PLACEHOLDER, 'https://gateway.invalid/xta'), WSDL_PATH, { forceSoap12Headers: true, attributesKey: 'attributes', envelopeKey: 'soap' } as ConstructorParameters<typeof WSDL>[2]);
    wsdl.options.attributesKey = 'attributes';
    wsdl.options.envelopeKey = 'soap';
    await new Promise<void>((resolve, reject) => wsdl.onReady((err) => (err ? reject(err) : resolve())));
    return new XtaSoap(wsdl, text);
  }

  /** The WSDL with its port addresses set to `baseUrl` (`https://host/xta`), as served at `?wsdl`. */
  wsdlFor(baseUrl: string): string {
    return this.text.replace(PLACEHOLDER, baseUrl);
  }

  /**
   * Checks and parses a request body that arrived as `application/soap+xml`: no DOCTYPE (XXE,
   * entity expansion), well-formed, a SOAP 1.2 Envelope (1.1 → VersionMismatch), an action in
   * wsa:Action that agrees with the Content-Type's `action` parameter when both are given.
   * Throws EnvelopeError; never anything else.
   */
  parse(raw: Buffer, contentTypeAction: string | undefined): SoapCall {
    try {
      rejectDoctype(raw);
    } catch (err) {
      throw new EnvelopeError('Sender', 400, err instanceof GatewayError ? `${err.code}: ${err.message}` : 'DOCTYPE declarations are not allowed');
    }
    const xml = raw.toString('utf8');
    const wellFormed = XMLValidator.validate(xml);
    if (wellFormed !== true) throw new EnvelopeError('Sender', 400, `the request is not well-formed XML (line ${wellFormed.err.line}, column ${wellFormed.err.col})`);
    const root = Object.entries(PROLOG.parse(xml) as Record<string, unknown>).find(([k]) => !k.startsWith('?') && !k.startsWith('#'));
    if (!root) throw new EnvelopeError('Sender', 400, 'the request has no root element');
    const [qname, content] = root;
    const [prefix, local] = qname.includes(':') ? qname.split(':', 2) : [undefined, qname];
    const attrs = (content !== null && typeof content === 'object' ? content : {}) as Record<string, unknown>;
    const ns = attrs[prefix === undefined ? '@_xmlns' : `@_xmlns:${prefix}`];
    if (local !== 'Envelope') throw new EnvelopeError('Sender', 400, 'the root element is not a SOAP Envelope');
    if (ns === SOAP11_NS) throw new EnvelopeError('VersionMismatch', 400, 'SOAP 1.1 is not supported: XTA 2 binds SOAP 1.2 (namespace http://www.w3.org/2003/05/soap-envelope)');
    if (ns !== SOAP12_NS) throw new EnvelopeError('VersionMismatch', 400, 'the Envelope is not in the SOAP 1.2 namespace');

    let env: { Header?: Record<string, unknown>; Body?: Record<string, unknown> };
    try {
      env = this.wsdl.xmlToObject(xml) as typeof env;
    } catch {
      throw new EnvelopeError('Sender', 400, 'the SOAP envelope cannot be read against the XTA 2 WSDL');
    }
    const header = env.Header !== null && typeof env.Header === 'object' ? env.Header : {};
    const wsaAction = textOf(header['Action'])?.trim();
    const action = wsaAction ?? contentTypeAction;
    if (!action) throw new EnvelopeError('Sender', 400, 'no action: send the WS-Addressing header wsa:Action (XTA 2 requires WS-Addressing)');
    if (wsaAction !== undefined && contentTypeAction !== undefined && wsaAction !== contentTypeAction) throw new EnvelopeError('Sender', 400, 'wsa:Action and the action of the Content-Type differ');
    const body = env.Body !== null && typeof env.Body === 'object' ? Object.entries(env.Body).find(([k]) => k !== 'attributes')?.[1] : undefined;
    return { action, messageId: textOf(header['MessageID'])?.trim(), header, body };
  }

  /** An element of the XTA namespace (`MessageStatusList`, `MessageMetaData` …) from its object form. */
  element(name: string, value: unknown): string {
    return this.wsdl.objectToDocumentXML(name, value, 'xta-core', XTA_NS) as string;
  }

  /**
   * A whole response envelope: the WS-Addressing headers (wsa:Action `action`, a fresh
   * wsa:MessageID, wsa:RelatesTo the request's id), the XTA headers and the body element(s).
   */
  envelope(action: string, relatesTo: string | undefined, headers: string[], body: string): string {
    const wsa = [
      this.wsdl.objectToDocumentXML('Action', action, 'wsa', WSA_NS) as string,
      this.wsdl.objectToDocumentXML('MessageID', `urn:uuid:${randomUUID()}`, 'wsa', WSA_NS) as string,
      ...(relatesTo ? [this.wsdl.objectToDocumentXML('RelatesTo', relatesTo, 'wsa', WSA_NS) as string] : []),
    ];
    const env = this.wsdl.objectToDocumentXML('Envelope', { Header: { $xml: [...wsa, ...headers].join('') }, Body: { $xml: body } }, 'soap', SOAP12_NS) as string;
    return `<?xml version="1.0" encoding="utf-8"?>${env}`;
  }

  /** The SOAP 1.2 fault of an XTA exception: env:Sender or env:Receiver, the exception element as Detail. */
  xtaFault(f: XtaFault, faultAction: string | undefined, relatesTo: string | undefined): string {
    // `code` is unqualified (xoev-code:Code, form="unqualified"): outside the default namespace the element declares. Catalog codes are [A-Z_] only.
    const detail = this.element(f.exception, { ErrorCode: { attributes: { ...FAULT_CODE_LIST }, $xml: `<code xmlns="">${f.code}</code>` }, Detail: f.detail });
    return this.fault(f.sender ? 'Sender' : 'Receiver', `${f.exception}: ${f.detail}`, detail, faultAction, relatesTo);
  }

  /** A SOAP 1.2 fault without XTA detail (the envelope could not be taken). */
  envelopeFault(e: EnvelopeError): string {
    return this.fault(e.faultCode, e.message, undefined, 'http://www.w3.org/2005/08/addressing/soap/fault', undefined);
  }

  private fault(code: 'Sender' | 'Receiver' | 'VersionMismatch', reason: string, detail: string | undefined, action: string | undefined, relatesTo: string | undefined): string {
    const fault = this.wsdl.objectToDocumentXML(
      'Fault',
      { Code: { Value: `soap:${code}` }, Reason: { Text: { attributes: { 'xml:lang': 'en' }, $value: reason } }, ...(detail ? { Detail: { $xml: detail } } : {}) },
      'soap',
      SOAP12_NS,
    ) as string;
    return this.envelope(action ?? 'http://www.w3.org/2005/08/addressing/soap/fault', relatesTo, [], fault);
  }
}
