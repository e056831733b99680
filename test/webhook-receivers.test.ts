// Webhook deliveries over a real socket to each receiver shape a user runs: an HTTP/1.0 server that answers
// close-delimited (no Content-Length), an HTTP/1.1 keep-alive server that serves one connection at a time (as
// Python's http.server, werkzeug's make_server, a gunicorn sync worker or PHP's built-in server do), and a normal one.
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { emitEvent } from '../server/domain/events.ts';
import { testMock } from './helpers/api.ts';

interface SeenRequest {
  path: string;
  body: string;
}

interface ShapedReceiver {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

const open: ShapedReceiver[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

/** Reads HTTP requests off a socket one after another (headers, then Content-Length bytes of body). */
function onRequests(socket: Socket, handle: (req: SeenRequest) => void): void {
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? '0');
      if (buf.byteLength < end + 4 + length) return;
      const body = buf.subarray(end + 4, end + 4 + length).toString('utf8');
      buf = buf.subarray(end + 4 + length);
      handle({ path: head.split(' ')[1] ?? '', body });
    }
  });
}

/**
 * A raw `net` receiver that serves one connection at a time: later connections wait, unread, until the current one
 * is closed — by the receiver (`close-delimited`) or by the client (`keep-alive`, which never closes on its own).
 */
async function singleConnectionReceiver(shape: 'http1.0-close-delimited' | 'http1.1-keep-alive') {
  const seen: SeenRequest[] = [];
  const waiting: Socket[] = [];
  const sockets = new Set<Socket>();
  let busy = false;
  const serveNext = () => {
    const socket = waiting.shift();
    if (!socket) {
      busy = false;
      return;
    }
    busy = true;
    socket.on('close', serveNext);
    onRequests(socket, (req) => {
      seen.push(req);
      if (shape === 'http1.0-close-delimited') {
        socket.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nOK');
      } else {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK');
      }
    });
    socket.resume();
  };
  const server: Server = createNetServer({ pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    waiting.push(socket);
    if (!busy) serveNext();
  });
  return listen(server, seen, () => {
    for (const s of sockets) s.destroy();
  });
}

/** A normal threaded-style receiver: node:http, keep-alive, any number of connections. */
async function normalReceiver() {
  const seen: SeenRequest[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK');
    });
  });
  return listen(server, seen, () => server.closeAllConnections());
}

async function listen(server: Server, seen: SeenRequest[], dropAll: () => void): Promise<ShapedReceiver> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: ShapedReceiver = {
    url: `http://127.0.0.1:${port}/webhooks`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        dropAll();
        server.close(() => resolve());
      }),
  };
  open.push(receiver);
  return receiver;
}

const SHAPES = {
  'an HTTP/1.0 receiver answering close-delimited (no Content-Length)': () =>
    singleConnectionReceiver('http1.0-close-delimited'),
  'an HTTP/1.1 keep-alive receiver serving one connection at a time': () =>
    singleConnectionReceiver('http1.1-keep-alive'),
  'a normal node:http receiver': normalReceiver,
};

describe('webhook deliveries reach every well-behaved receiver without a stall', () => {
  it.each(Object.entries(SHAPES))(
    '%s gets a poll worth of events in order, each at once',
    async (_, start) => {
      const receiver = await start();
      const t = testMock();
      const config = await t.post('/configs/webhook', { url: receiver.url });
      await t.advance(1);
      expect((await t.get(`/configs/webhook/${config.body.id}`)).body.state).toBe('valid');
      expect(receiver.seen).toHaveLength(1); // the webhook_config.test event

      const org = t.mock.ctx.world.findByToken(t.mock.token)!.org;
      const events = Array.from({ length: 6 }, (_, i) =>
        emitEvent(t.mock.ctx, org, {
          type: 'poll',
          action: i === 5 ? 'completed' : 'updated',
          data: { id: `p${i}`, resource: 'poll' },
          keyId: '1',
        }),
      );
      await t.advance(0); // runs every due delivery, one after another, and waits for each

      expect(receiver.seen.slice(1).map((r) => r.path)).toEqual(events.map((e) => `/webhooks/${e.id}`));
      for (const e of events) expect((await t.get(`/events/${e.id}`)).body.state).toBe('delivered');
      const log = await t.get('/_mock/deliveries');
      const attempts = log.body.data as { event: string; ok: boolean; duration_ms: number }[];
      expect(attempts).toHaveLength(events.length + 1);
      for (const a of attempts) {
        expect(a.ok).toBe(true);
        // Generous: a stalled delivery took about 4,000 ms; a well-behaved loopback receiver answers in milliseconds.
        expect(a.duration_ms).toBeLessThan(1000);
      }
    },
    60_000,
  );
});
