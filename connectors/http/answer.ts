import { NotConnectedError, PermanentError, RetryableError } from '../errors.js';

/** How much of an answer body is kept for the message history. */
export const EXCERPT_BYTES = 4096;

/**
 * Reads at most `cap` bytes of an answer body. Stopping early destroys the rest of the
 * stream (undici then drops that connection instead of reusing it), so a huge or endless
 * answer costs at most `cap` bytes of memory.
 */
export async function readExcerpt(body: AsyncIterable<Buffer>, cap = EXCERPT_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= cap) break;
  }
  return Buffer.concat(chunks).subarray(0, cap).toString('utf8');
}

/** Retry-After as delta-seconds or HTTP-date, in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // the three HTTP-date forms all start with a day name and carry hh:mm:ss (Date.parse alone is too lenient)
  if (!/^[A-Z][a-z]{2},? .*\b\d{2}:\d{2}:\d{2}\b/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** 408, 429 and 5xx are worth trying again; every other non-success status is final. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A problem field worth keeping: short, one line, printable (a type URI, a title, a code). */
function problemField(v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const text = squash(String(v));
  return text !== '' && text.length <= 200 && !/[\u0000-\u001f\u007f]/.test(text) ? text : undefined;
}

/**
 * What of a refusing answer is kept in the message history and logs. A receiver's answer
 * may quote the message back — names, dates of birth — so its text is not kept (ADR 0016):
 * of an RFC 9457 problem (or any JSON object) the `type`, `title`, `code` and `status`
 * fields, which name the kind of problem; of anything else only its size.
 */
export function summariseAnswer(excerpt: string): string {
  if (excerpt.trim() === '') return '';
  try {
    const parsed: unknown = JSON.parse(excerpt);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const o = parsed as Record<string, unknown>;
      const kept = (['type', 'title', 'code', 'status'] as const).flatMap((k) => {
        const v = problemField(o[k]);
        return v === undefined ? [] : [`${k}=${JSON.stringify(v)}`];
      });
      if (kept.length > 0) return `problem ${kept.join(' ')} (other fields not kept)`;
    }
  } catch {
    // not JSON (or cut at the excerpt limit): only the size is kept
  }
  const bytes = Buffer.byteLength(excerpt);
  return `answer of ${bytes >= EXCERPT_BYTES ? `${EXCERPT_BYTES}+` : bytes} bytes (text not kept: it may quote personal data)`;
}

/** The error for an answer that is not a success status. */
export function statusError(status: number, excerpt: string, retryAfter: string | string[] | undefined, location: string | string[] | undefined): Error {
  const answer = summariseAnswer(excerpt);
  const tail = answer === '' ? '' : `: ${answer}`;
  if (isRetryableStatus(status)) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    const wait = retryAfterMs === undefined ? '' : ` (Retry-After ${Math.round(retryAfterMs / 1000)} s)`;
    return new RetryableError(`peer answered ${status}${wait}${tail}`, retryAfterMs === undefined ? {} : { retryAfterMs });
  }
  if (status >= 300 && status < 400) {
    const to = Array.isArray(location) ? location[0] : location;
    return new PermanentError(`peer answered ${status} (redirects are not followed${to ? `; Location: ${to}` : ''})${tail}`);
  }
  return new PermanentError(`peer refused the message with ${status}${tail}`);
}

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code: unknown = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return codeOf((err as { cause?: unknown }).cause);
}

/** The error for a request that got no (complete) answer; `timedOut`: our own deadline aborted it. */
export function transportError(err: unknown, timedOut: boolean, timeoutMs: number): Error {
  if (timedOut) return new RetryableError(`no complete answer within ${timeoutMs} ms`, { cause: err });
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'UND_ERR_INVALID_ARG':
      return new PermanentError(`message cannot be sent as an HTTP request: ${message}`, { cause: err });
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return new NotConnectedError('connector was closed', { cause: err });
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new RetryableError(`timeout (${code}): ${message}`, { cause: err });
    default:
      // refused, reset, DNS, TLS: the core counts it, backs off and opens the circuit
      return new RetryableError(`no answer from peer (${code ?? 'network error'}): ${message}`, { cause: err });
  }
}
