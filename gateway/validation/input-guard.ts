/**
 * The one libxml2 input provider of the gateway. libxml2 asks it for every external
 * resource (XSD includes and imports while compiling, anything a parser might try to
 * load). While one of our libxml2 calls runs (`withInputs`), the provider claims every
 * request: it answers from the in-memory files handed in, and refuses — and records —
 * everything else. So no file outside a schema set, and no URL, is ever read or fetched.
 * Outside those calls it claims nothing, leaving other providers alone.
 *
 * libxml2 calls are synchronous, so one active source at a time is enough for any number
 * of concurrent `check` calls in one thread.
 */
import { fileURLToPath } from 'node:url';
import { xmlRegisterInputProvider } from 'libxml2-wasm';
import { GatewayError } from '../errors.js';

/** Returns the bytes for a requested name (path or URL), or undefined to refuse it. */
export type InputSource = (name: string) => Uint8Array | undefined;

interface OpenInput { data: Uint8Array; pos: number }

let registered = false;
let active: InputSource | null = null;
let nextFd = 1;
const openInputs = new Map<number, OpenInput>();
/** One resource request libxml2 made through the guard; `seq` counts every request of the process. */
export interface InputRequest { seq: number; name: string; served: boolean }
const requestLog: InputRequest[] = [];
let requestSeq = 0;
const REQUEST_LOG_MAX = 200;

/** `file:` URLs become paths; everything else is passed on as written. */
export function normaliseName(name: string): string {
  return name.startsWith('file:') ? fileURLToPath(name) : name;
}

function register(): void {
  if (registered) return;
  const ok = xmlRegisterInputProvider({
    match: () => active !== null,
    open: (name) => {
      let data: Uint8Array | undefined;
      try {
        data = active?.(name);
      } catch {
        data = undefined; // a malformed name is refused like an unknown one
      }
      requestLog.push({ seq: ++requestSeq, name, served: data !== undefined });
      if (requestLog.length > REQUEST_LOG_MAX) requestLog.shift();
      if (data === undefined) return undefined;
      const fd = nextFd++;
      openInputs.set(fd, { data, pos: 0 });
      return fd;
    },
    read: (fd, buf) => {
      const input = openInputs.get(fd);
      if (!input) return -1;
      const n = Math.min(buf.byteLength, input.data.byteLength - input.pos);
      buf.set(input.data.subarray(input.pos, input.pos + n));
      input.pos += n;
      return n;
    },
    close: (fd) => openInputs.delete(fd),
  });
  if (!ok) throw new GatewayError('GW_INTERNAL', 'libxml2 refused the input provider (callback table full)');
  registered = true;
}

/**
 * Runs `fn` (synchronous libxml2 work) with `source` answering every resource request
 * libxml2 makes meanwhile; names reach `source` with `file:` URLs turned into paths.
 */
export function withInputs<T>(source: InputSource, fn: () => T): T {
  register();
  const outer = active;
  active = (name) => source(normaliseName(name));
  try {
    return fn();
  } finally {
    active = outer;
  }
}

/** Refuses every request: used around message parsing and validation. */
export const NO_INPUTS: InputSource = () => undefined;

/** The most recent resource requests (newest last, at most 200), for tests and diagnostics. */
export function inputRequests(): readonly InputRequest[] {
  return requestLog.slice();
}
