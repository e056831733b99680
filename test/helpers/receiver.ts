// A real webhook receiver for tests: node:http on 127.0.0.1, port 0, scripted answers, every request recorded.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What the receiver does with the n-th request (0-based): answer a status, hang (never answer) or reset. */
export type Behaviour = (n: number, req: ReceivedRequest) => number | 'hang' | 'reset';

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  behaviour: Behaviour;
  close(): Promise<void>;
}

/**
 * Starts a receiver; `behaviour` may be swapped later (e.g. fix a failing receiver).
 * @example const r = await startReceiver(() => 200); ... await r.close();
 */
export async function startReceiver(behaviour: Behaviour = () => 200): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const hung: ServerResponse[] = [];
  const receiver: Receiver = { url: '', requests, behaviour, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const n = requests.length;
      requests.push(rec);
      const action = receiver.behaviour(n, rec);
      if (action === 'hang') hung.push(res);
      else if (action === 'reset') req.socket.destroy();
      else res.writeHead(action, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}/webhooks`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

/** A loopback url where nothing listens (connection refused). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/webhooks`;
}
