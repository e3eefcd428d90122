import { connect } from 'node:net';

/** One HTTP/1.1 request written byte for byte, so a test can send what client libraries refuse to. */
export interface RawRequest {
  method: string;
  /** Sent verbatim in the request line: percent escapes, `..`, NUL escapes stay as written. */
  path: string;
  /** Extra header lines, verbatim (duplicates allowed). `Host` and `Connection: close` are always sent. */
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer;
  /** Content-Length to declare; default the body's length; `null` sends none. */
  contentLength?: number | null;
  /**
   * Half-close the connection after the body (the client says it will send nothing more).
   * Off by default: Node's server then drops a response still being computed, so only
   * entries about a client that stops early set it.
   */
  halfClose?: boolean;
}

/** What came back: a parsed response, or the connection closed without one. */
export type RawOutcome =
  | { kind: 'response'; status: number; headers: Record<string, string>; body: Buffer }
  | { kind: 'closed'; error?: string }
  | { kind: 'timeout' };

/**
 * Sends `req` to `host:port` on a fresh connection and reads the answer until the server
 * closes the connection or the declared Content-Length has arrived. `timeoutMs` only
 * detects hangs; nothing about timing is asserted. Never rejects.
 */
export function sendRaw(port: number, req: RawRequest, timeoutMs = 20_000): Promise<RawOutcome> {
  const body = req.body ?? Buffer.alloc(0);
  const lines = [`${req.method} ${req.path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close'];
  for (const [k, v] of req.headers ?? []) lines.push(`${k}: ${v}`);
  const length = req.contentLength === undefined ? body.length : req.contentLength;
  if (length !== null) lines.push(`Content-Length: ${length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = connect({ host: '127.0.0.1', port });
    const finish = (o: RawOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => finish(parse(Buffer.concat(chunks), true) ?? { kind: 'timeout' }), timeoutMs);
    socket.on('connect', () => {
      socket.write(head);
      // big bodies go in slices so a server that answers early does not force one huge buffer
      for (let i = 0; i < body.length; i += 1024 * 1024) socket.write(body.subarray(i, i + 1024 * 1024));
      if (req.halfClose) socket.end();
    });
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const done = parse(Buffer.concat(chunks), false);
      if (done) finish(done);
    });
    // A reset after the answer (server closed while we were still writing) keeps the answer.
    socket.on('error', (e) => finish(parse(Buffer.concat(chunks), true) ?? { kind: 'closed', error: e.message }));
    socket.on('close', () => finish(parse(Buffer.concat(chunks), true) ?? { kind: 'closed' }));
  });
}

/** A complete response from `raw`, or (when `atEnd`) whatever arrived; undefined while incomplete. */
function parse(raw: Buffer, atEnd: boolean): RawOutcome | undefined {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) return undefined;
  const [statusLine = '', ...headerLines] = raw.toString('latin1', 0, split).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isInteger(status)) return undefined;
  const headers: Record<string, string> = {};
  for (const l of headerLines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const body = raw.subarray(split + 4);
  const declared = Number(headers['content-length']);
  if (Number.isInteger(declared) && body.length >= declared) return { kind: 'response', status, headers, body: body.subarray(0, declared) };
  return atEnd ? { kind: 'response', status, headers, body } : undefined;
}
