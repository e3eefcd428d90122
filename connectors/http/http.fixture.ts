/**
 * Test support for the http connector: a real node:http inbox on 127.0.0.1 (random port)
 * that records what it accepted and can be told how to answer.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReceivedMessage } from '../../test/conformance/outbound.js';

/** How the inbox answers the next requests. */
export type InboxMode =
  | { kind: 'accept'; status?: number }
  | { kind: 'answer'; status: number; body?: string; headers?: Record<string, string> }
  /** Read the request, never answer (until the server stops). */
  | { kind: 'hang' };

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export class Inbox {
  mode: InboxMode = { kind: 'accept' };
  /** Every request that arrived, whatever the answer. */
  readonly requests: SeenRequest[] = [];
  /** Requests answered with a success status, as the conformance suite reads them. */
  readonly accepted: ReceivedMessage[] = [];
  private server: Server | undefined;
  private portNumber = 0;

  get port(): number {
    return this.portNumber;
  }

  get url(): string {
    return `http://127.0.0.1:${this.portNumber}/inbox/hund?tenant=15003000`;
  }

  /** Listens on `port` (0: a random free one). */
  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('clientError', (_err, socket) => socket.destroy());
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    this.server = server;
    this.portNumber = (server.address() as AddressInfo).port;
  }

  /** Stops listening and cuts every open connection (hanging requests included). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    server.closeAllConnections();
    await closed;
  }

  /** Stop, stay down for `downMs` (requests meanwhile are refused), then listen again on the same port. */
  async restart(downMs = 250): Promise<void> {
    const port = this.portNumber;
    await this.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start(port);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the client went away mid-request: nothing was accepted
    }
    const body = Buffer.concat(chunks);
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    const mode = this.mode;
    if (mode.kind === 'hang') return;
    if (mode.kind === 'answer') {
      res.writeHead(mode.status, { 'content-type': 'text/plain; charset=utf-8', ...mode.headers });
      res.end(mode.body ?? '');
      return;
    }
    this.accepted.push({
      gatewayId: header(req.headers, 'x-gateway-id') ?? '',
      messageUuid: header(req.headers, 'x-message-uuid') ?? '',
      payload: body,
      messageType: header(req.headers, 'x-message-type'),
      vorgangId: header(req.headers, 'x-vorgang-id'),
      author: header(req.headers, 'x-author'),
      reader: header(req.headers, 'x-reader'),
    });
    res.writeHead(mode.status ?? 202, { 'content-type': 'application/json' });
    res.end('{"status":"accepted"}');
  }
}
