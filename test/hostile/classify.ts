import { GatewayError, problemType } from '../../gateway/errors.js';
import type { Expectation } from './corpus/index.js';
import type { RawOutcome } from './raw-http.js';

/**
 * How the gateway met one hostile entry:
 * - refused: as expected (the problem code or bare status the entry names);
 * - crash: it hung, answered 5xx, threw something other than a GatewayError, or died;
 * - mismatch: it answered, but not as expected (accepted it, or another 4xx code).
 */
export type Verdict = { kind: 'refused' } | { kind: 'crash' | 'mismatch'; detail: string };

interface Problem { code?: unknown; status?: unknown; type?: unknown }

export function classifyHttp(o: RawOutcome, want: Expectation): Verdict {
  if (o.kind === 'timeout') return { kind: 'crash', detail: 'no answer within the hang timeout' };
  if (o.kind === 'closed') return want.closed ? { kind: 'refused' } : { kind: 'mismatch', detail: `connection closed without an answer${o.error ? ` (${o.error})` : ''}` };
  const text = o.body.toString('utf8');
  if (o.status >= 500) return { kind: 'crash', detail: `HTTP ${o.status}: ${text.slice(0, 200)}` };
  if (want.bare?.includes(o.status)) return { kind: 'refused' };
  if (o.status < 400) return { kind: 'mismatch', detail: `accepted with HTTP ${o.status}: ${text.slice(0, 200)}` };
  if (!want.codes) return { kind: 'mismatch', detail: `HTTP ${o.status} (${text.slice(0, 120)}), expected bare ${want.bare?.join('/')}` };
  if (!/^application\/problem\+json/.test(o.headers['content-type'] ?? '')) return { kind: 'mismatch', detail: `HTTP ${o.status} without problem+json: ${text.slice(0, 120)}` };
  let p: Problem;
  try {
    p = JSON.parse(text) as Problem;
  } catch {
    return { kind: 'mismatch', detail: `HTTP ${o.status} problem body is not JSON` };
  }
  const code = String(p.code);
  if (!want.codes.some((c) => c === code)) return { kind: 'mismatch', detail: `HTTP ${o.status} ${code}, expected ${want.codes.join('/')}` };
  if (p.status !== o.status || p.type !== problemType(want.codes.find((c) => c === code)!)) return { kind: 'mismatch', detail: `problem status/type do not match (${String(p.status)}, ${String(p.type)})` };
  return { kind: 'refused' };
}

export async function classifyCall(run: () => Promise<unknown>, want: Expectation): Promise<Verdict> {
  try {
    await run();
  } catch (err) {
    if (!(err instanceof GatewayError)) return { kind: 'crash', detail: `threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}` };
    if (err.code === 'GW_INTERNAL') return { kind: 'crash', detail: `GW_INTERNAL: ${err.message}` };
    return want.codes?.includes(err.code) ? { kind: 'refused' } : { kind: 'mismatch', detail: `${err.code}: ${err.message.slice(0, 160)}, expected ${want.codes?.join('/')}` };
  }
  return { kind: 'mismatch', detail: 'accepted' };
}
