// startMockServer: a mock on a real socket for test suites, with a typed control client and a clean close().
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { serve } from '@hono/node-server';
import { createMock, type Mock, type MockOptions } from './app.ts';
import { type ControlClient, createControlClient } from './control/client.ts';
import type { AdvanceReport } from './runtime/scheduler.ts';

export interface StartOptions extends MockOptions {
  /** Port to listen on (default 0: any free port). */
  port?: number | undefined;
  /** Address to bind (default 127.0.0.1). */
  host?: string | undefined;
  /**
   * Runs on the built mock before it answers anything (the CLI loads its --state-file here). If it throws, the
   * server is closed and the error rejects `startMockServer`.
   */
  prepare?: ((mock: Mock) => void) | undefined;
}

/** A running mock server. */
export interface MockServer {
  /** Base url, e.g. http://127.0.0.1:53127 (point the ricloud client here). */
  url: string;
  /** The preset key's token (`Authorization: Token <token>`). */
  readonly token: string;
  /**
   * The mock's main clock, in-process: `await server.clock.advance(2)` runs everything due in the next 2 s on every
   * clock; `advance(2, organisation)` moves only that tenant's clock.
   */
  clock: { now(): number; advance(seconds: number, organisation?: number): Promise<AdvanceReport> };
  /** A typed client of the /_mock control API over HTTP. */
  control: ControlClient;
  /** The in-process mock (state, app). */
  mock: Mock;
  /**
   * Stops listening and the mock's timers; resolves when nothing is left running. Open connections are dropped,
   * or with `drain`, idle ones are closed and the requests in flight may finish first (the CLI's shutdown).
   */
  close(options?: { drain?: boolean }): Promise<void>;
}

/** The url of a bound address (an IPv6 literal in brackets). */
function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * The url the mock puts in what it hands out (signed result urls): `publicUrl` when given, else the bound
 * address, where 0.0.0.0 (every interface, not an address a client can call) reads as 127.0.0.1.
 */
function publicUrlOf(options: { publicUrl?: string | undefined }, host: string, port: number): string {
  return options.publicUrl ?? urlOf(host === '0.0.0.0' ? '127.0.0.1' : host, port);
}

/**
 * Starts a mock on a socket: the one way to start a server (`ricloud-mock serve` is this plus signals, the ready
 * file and the banner). It listens first, then builds the mock with its public url (the bound port is known only
 * then with port 0); nothing can call before that. The clock is manual unless `clock` says otherwise, so tests stay
 * deterministic.
 * @example
 * const server = await startMockServer({ seed: 'my-test' });
 * const res = await fetch(`${server.url}/organisation`, { headers: { Authorization: `Token ${server.token}` } });
 * await server.close();
 */
export async function startMockServer(options: StartOptions = {}): Promise<MockServer> {
  const { port = 0, host = '127.0.0.1', prepare, ...mockOptions } = options;
  let answer: (req: Request, env: unknown) => Response | Promise<Response> = () =>
    new Response(null, { status: 503 });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: (req, env) => answer(req, env), port, hostname: host }, () => resolve(s));
    s.once('error', reject);
  });
  // Track connections, so that close() resolves only once every socket is really gone (no leaked handles).
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const bound = (server.address() as AddressInfo).port;
  const url = urlOf(host, bound);
  const closeServer = async (drain: boolean) => {
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    if (drain) {
      // Requests in flight finish; the server closes once their connections have.
      (server as Server).closeIdleConnections();
      return serverClosed;
    }
    const socketsClosed = [...sockets].map(
      (socket) => new Promise((resolve) => socket.once('close', resolve)),
    );
    for (const socket of sockets) socket.destroy();
    await Promise.all([serverClosed, ...socketsClosed]);
  };
  let built: Mock | undefined;
  try {
    built = createMock({ ...mockOptions, publicUrl: publicUrlOf(mockOptions, host, bound) });
    prepare?.(built);
  } catch (err) {
    // A mock that cannot be built or prepared (a missing optional dependency, an unusable state file) leaves
    // nothing listening behind.
    built?.close();
    await closeServer(false);
    throw err;
  }
  const mock = built;
  answer = (req, env) => mock.app.fetch(req, env);
  const control = createControlClient(url, { token: mockOptions.control?.token });
  return {
    url,
    get token() {
      return mock.token;
    },
    clock: {
      now: () => mock.clock.now(),
      advance: (seconds, organisation) => mock.advance(seconds, organisation),
    },
    control,
    mock,
    close: async ({ drain = false } = {}) => {
      mock.close();
      await mock.ctx.scheduler.settle();
      await closeServer(drain);
    },
  };
}
