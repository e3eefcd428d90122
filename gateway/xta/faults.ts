import { ERROR_CATALOG, GatewayError, type ErrorCode } from '../errors.js';
import { storageFullError } from '../store/storage-full.js';

/** The exception elements of XTA 2 core 3.1.1 (XTA-Webservice-Exceptions.xsd), each a fault of the operations the WSDL lists it for. */
export type XtaExceptionName =
  | 'ExternalServiceUnavailableException'
  | 'InvalidMessageIDException'
  | 'MessageSchemaViolationException'
  | 'MessageVirusDetectionException'
  | 'NotImplementedException'
  | 'ParameterIsNotValidException'
  | 'ParameterNotSupportedException'
  | 'PermissionDeniedException'
  | 'SyncAsyncException'
  | 'TechnicalProblemException'
  | 'UnsupportedExtensionException';

/**
 * The `ErrorCode` of an exception: XTA types it as a code of a code list (Code.Fehlernummer). The
 * gateway names its own catalog code (gateway/errors.ts) in its own list, since the values of KoSIT's
 * list `urn:xoev-de:kosit:codeliste:xta.core.fehlernummer` were not available to us (docs/xta.md, deviations).
 */
export const FAULT_CODE_LIST = { listURI: 'urn:zsa-gateway:codeliste:fehlercode', listVersionID: '1' } as const;

/**
 * An XTA exception to be answered as a SOAP 1.2 fault whose Detail holds the exception element.
 * `detail` is shown to the caller: it never carries content of a message (no citizen data).
 */
export class XtaFault extends Error {
  constructor(
    readonly exception: XtaExceptionName,
    readonly detail: string,
    readonly code: ErrorCode = defaultCode(exception),
    /** Set when the gateway is busy (admission control, ADR 0036): the caller should send again after this many seconds. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`${exception}: ${detail}`);
  }

  /** SOAP 1.2: the caller's fault (env:Sender, HTTP 400) or the gateway's (env:Receiver, HTTP 500). */
  get sender(): boolean {
    return this.exception !== 'TechnicalProblemException' && this.exception !== 'ExternalServiceUnavailableException';
  }
}

/** The catalog code an exception carries unless the refusal names its own. */
function defaultCode(e: XtaExceptionName): ErrorCode {
  if (e === 'PermissionDeniedException') return 'GW_FORBIDDEN';
  if (e === 'TechnicalProblemException' || e === 'ExternalServiceUnavailableException') return 'GW_INTERNAL';
  if (e === 'NotImplementedException') return 'GW_XTA_NOT_IMPLEMENTED';
  return 'GW_BAD_REQUEST';
}

const SCHEMA: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'GW_XML_MALFORMED',
  'GW_XML_DOCTYPE_FORBIDDEN',
  'GW_XML_EXTERNAL_ENTITY',
  'GW_XML_ENTITY_EXPANSION',
  'GW_XML_LIMIT_EXCEEDED',
  'GW_XSD_INVALID',
  'GW_UNKNOWN_MESSAGE_TYPE',
  'GW_MESSAGE_TYPE_MISMATCH',
  'GW_CODELIST_INVALID',
  'GW_HEADER_INVALID',
  'GW_ROUTING_KEY_MISSING',
]);
/** Admission control's refusals (ADR 0036): nothing was stored, the same call later will be taken. */
const BUSY: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['GW_OVERLOADED', 'GW_CLIENT_OVER_SHARE']);
const PERMISSION: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['GW_FORBIDDEN', 'GW_UNAUTHENTICATED', 'GW_RELEASE_NOT_AUTHORISED', 'GW_DIALECT_NOT_CONFIGURED']);

/**
 * The XTA exception for whatever an operation threw. A GatewayError keeps its catalog code and
 * says only the catalog title (the rejection log holds the rest): admission control's refusals →
 * TechnicalProblemException saying the gateway is busy, with `retryAfterSeconds`; schema layers →
 * MessageSchemaViolationException, remit and roles → PermissionDeniedException, anything the
 * gateway could not decide now (retryable) → TechnicalProblemException, other refusals →
 * ParameterIsNotValidException. A full disk (SQLITE_FULL, ENOSPC) counts as GW_STORAGE_FULL.
 * Anything else is TechnicalProblemException without detail.
 */
export function faultOf(thrown: unknown): XtaFault {
  if (thrown instanceof XtaFault) return thrown;
  const err = storageFullError(thrown) ?? thrown; // a full disk is GW_STORAGE_FULL here too (retryable)
  if (err instanceof GatewayError) {
    const spec = ERROR_CATALOG[err.code];
    const text = `${err.code}: ${spec.title}`;
    if (BUSY.has(err.code)) {
      const after = Number(err.extra['retryAfterSeconds']);
      const seconds = Number.isFinite(after) && after > 0 ? after : undefined;
      return new XtaFault('TechnicalProblemException', `${err.code}: the gateway is busy and took nothing; send the message again${seconds ? ` after ${seconds} s` : ' later'}`, err.code, seconds);
    }
    if (spec.retryable) return new XtaFault('TechnicalProblemException', `${text}; try again later`, err.code);
    if (SCHEMA.has(err.code)) return new XtaFault('MessageSchemaViolationException', text, err.code);
    if (PERMISSION.has(err.code)) return new XtaFault('PermissionDeniedException', text, err.code);
    return new XtaFault('ParameterIsNotValidException', text, err.code);
  }
  return new XtaFault('TechnicalProblemException', 'an unexpected error occurred; it has been logged', 'GW_INTERNAL');
}
