// A webhook receiver built on the reference client's verifier (contracts/client/signature.ts): the shape a careful
// receiver has, and the receiver half of the kit's proofs. `startReceiver(secret)` listens on a loopback port.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../../client/index.ts';

export interface RunningReceiver {
  url: string;
  /** Event ids handled, in order (a duplicate is acknowledged, not handled twice). */
  handled: string[];
  close(): Promise<void>;
}

/** What a receiver decides for one delivery: a status. */
export type Decide = (req: IncomingMessage, rawBody: string, handled: string[]) => number;

/** Verify, parse, then handle each event once; a duplicate or an unknown type is still a 2xx. */
export function referenceDecision(secret: string, toleranceSeconds = 600): Decide {
  return (req, rawBody, handled) => {
    const header = req.headers['ricloud-signature'];
    const check = verifyWebhookSignature(secret, Array.isArray(header) ? header[0] : header, rawBody, {
      toleranceSeconds,
    });
    if (!check.ok) return 400;
    let event: { id?: unknown; type?: unknown };
    try {
      event = JSON.parse(rawBody);
    } catch {
      return 400;
    }
    if (typeof event?.id !== 'string' || typeof event.type !== 'string') return 400;
    if (!handled.includes(event.id)) handled.push(event.id);
    return 200;
  };
}

/** Starts a receiver on 127.0.0.1 (any free port) that answers with `decide`. */
export async function startReceiver(decide: Decide): Promise<RunningReceiver> {
  const handled: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let status = 500;
      try {
        status = decide(req, Buffer.concat(chunks).toString('utf8'), handled);
      } catch {
        status = 500;
      }
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status < 300 ? 'OK' : 'rejected');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    handled,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
