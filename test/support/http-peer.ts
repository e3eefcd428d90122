import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  headers: IncomingMessage['headers'];
  body: Buffer;
  status: number;
}

/**
 * A real local HTTP server standing in for a hosted Fachverfahren. `respond` decides the
 * status of each request (default 200); every request is recorded with the status sent.
 */
export class HttpPeer {
  readonly received: ReceivedRequest[] = [];
  respond: (req: IncomingMessage, n: number) => number = () => 200;
  private server: Server | null = null;
  port = 0;

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = this.respond(req, this.received.length + 1);
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks), status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : `refused with ${status}`);
      });
    });
    await new Promise<void>((ok) => this.server!.listen(port, '127.0.0.1', ok));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/inbox`;
  }

  /** Requests answered 2xx, i.e. messages the Fachverfahren accepted. */
  accepted(): ReceivedRequest[] {
    return this.received.filter((r) => r.status < 300);
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((ok) => s.close(() => ok()));
  }
}
