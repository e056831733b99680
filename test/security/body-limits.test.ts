// Body limits hold while the body streams in, on both planes, chunked or sized, with the journal on or off: the
// answer is a 413 in the error shape, sent before the client has finished sending, and the server never holds
// the body (a real socket; sizes bounded so that the test stays fast).
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type MockServer, type StartOptions, startMockServer } from '../../server/start.ts';

const LIMIT = 64 * 1024;
const EXTRA = 48 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'a');

const servers: MockServer[] = [];
async function start(options: StartOptions = {}): Promise<MockServer> {
  const server = await startMockServer({ seed: 'limits', bodyLimit: LIMIT, ...options });
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Sent {
  status: number;
  head: string;
  body: string;
  /** Body bytes written before the answer came. */
  sent: number;
  total: number;
}

/**
 * Sends `total` body bytes (chunked, or with a true Content-Length) as fast as the socket takes them, and stops
 * as soon as an answer arrives. Resolves with the answer and how much was sent by then.
 */
function send(
  server: MockServer,
  target: string,
  headers: string[],
  total: number,
  chunked: boolean,
): Promise<Sent> {
  const { hostname, port } = new URL(server.url);
  const socket: Socket = connect(Number(port), hostname);
  let answer = '';
  let sent = 0;
  let done = false;
  let wake: (() => void) | undefined;
  return new Promise((resolve, reject) => {
    const finish = () => {
      if (done) return;
      const end = answer.indexOf('\r\n\r\n');
      if (end < 0) return;
      done = true;
      wake?.();
      const head = answer.slice(0, end);
      socket.destroy();
      resolve({ status: Number(head.split(' ')[1]), head, body: answer.slice(end + 4), sent, total });
    };
    socket.on('data', (d: Buffer) => {
      answer += d.toString('latin1');
      // The whole JSON body of the answer is small: wait for it once the head is in.
      if (/\r\n\r\n[\s\S]*\}/.test(answer) || /content-length: 0/i.test(answer)) finish();
    });
    socket.on('close', () => {
      finish();
      if (!done) reject(new Error(`closed without an answer after ${sent} bytes`));
    });
    // Writing after the server closed (it does, after a 413) is expected.
    socket.on('error', () => undefined);
    socket.on('drain', () => wake?.());
    socket.once('connect', async () => {
      socket.write(
        [
          `${target} HTTP/1.1`,
          `Host: ${hostname}:${port}`,
          'Content-Type: application/json',
          chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${total}`,
          ...headers,
          '',
          '',
        ].join('\r\n'),
      );
      while (!done && sent < total && !socket.destroyed) {
        const piece = chunked
          ? Buffer.concat([Buffer.from(`${CHUNK.length.toString(16)}\r\n`), CHUNK, Buffer.from('\r\n')])
          : CHUNK;
        const more = socket.write(piece);
        sent += CHUNK.length;
        if (!more) await new Promise<void>((ok) => (wake = ok));
      }
      if (!done && chunked && !socket.destroyed) socket.write('0\r\n\r\n');
    });
  });
}

function expect413(res: Sent, limit = LIMIT) {
  expect(res.status, res.head).toBe(413);
  expect(JSON.parse(res.body)).toEqual({
    error: 'payload-too-large',
    message: `The request body is larger than ${limit} bytes.`,
    params: { limit },
  });
  // Answered long before the client was done: the server stopped reading at the limit.
  expect(res.sent).toBeLessThan(res.total / 2);
}

describe('body limits while streaming', () => {
  it('answers a chunked ricloud body past the limit with 413 before it is all sent, holding none of it', async () => {
    const server = await start();
    const rss = process.memoryUsage().rss;
    const res = await send(
      server,
      'POST /users',
      [`Authorization: Token ${server.token}`],
      LIMIT + EXTRA,
      true,
    );
    expect413(res);
    // The server shares this process: its memory did not grow by anything like the body's size.
    expect(process.memoryUsage().rss - rss).toBeLessThan(EXTRA / 2);
  });

  it('answers the same with the journal recording bodies, chunked or sized', async () => {
    const server = await start({ control: { journal: { bodies: true } } });
    const auth = [`Authorization: Token ${server.token}`];
    expect413(await send(server, 'POST /users', auth, LIMIT + EXTRA, true));
    expect413(await send(server, 'POST /users', auth, LIMIT + EXTRA, false));
    const journal = await server.control.requests({ limit: 5 });
    expect(journal.data.map((e: { status: number }) => e.status)).toEqual([413, 413]);
  });

  it('limits /_mock bodies too (chunked state imports)', async () => {
    const server = await start({ control: { bodyLimit: LIMIT } });
    const before = (await server.control.state()) as unknown;
    expect413(await send(server, 'PUT /_mock/state', [], LIMIT + EXTRA, true));
    expect(await server.control.state()).toEqual(before);
  });

  it('still reads a body under the limit', async () => {
    const server = await start();
    const ok = await fetch(`${server.url}/users`, {
      method: 'POST',
      headers: { Authorization: `Token ${server.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ identifier: 'x'.repeat(LIMIT / 2) }),
    });
    expect(ok.status).not.toBe(413);
  });
});
