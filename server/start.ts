// startMockServer: a mock on a real socket for test suites, with a typed control client and a clean close().
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
  /** Stops listening, drops open connections and timers; resolves when nothing is left running. */
  close(): Promise<void>;
}

/**
 * Starts a mock on a socket. The clock is manual unless `clock` says otherwise, so tests stay deterministic.
 * @example
 * const server = await startMockServer({ seed: 'my-test' });
 * const res = await fetch(`${server.url}/organisation`, { headers: { Authorization: `Token ${server.token}` } });
 * await server.close();
 */
export async function startMockServer(options: StartOptions = {}): Promise<MockServer> {
  const { port = 0, host = '127.0.0.1', ...mockOptions } = options;
  let mock: Mock | undefined;
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve(
      {
        // The mock is built once the port is known (signed urls point at it); nothing can call before that.
        fetch: (req, env) => (mock as Mock).app.fetch(req, env),
        port,
        hostname: host,
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  // Track connections, so that close() resolves only once every socket is really gone (no leaked handles).
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  mock = createMock({ publicUrl: url, ...mockOptions });
  const built = mock;
  const control = createControlClient(url, { token: mockOptions.control?.token });
  return {
    url,
    get token() {
      return built.token;
    },
    clock: {
      now: () => built.clock.now(),
      advance: (seconds, organisation) => built.advance(seconds, organisation),
    },
    control,
    mock: built,
    close: async () => {
      built.close();
      await built.ctx.scheduler.settle();
      const socketsClosed = [...sockets].map(
        (socket) => new Promise((resolve) => socket.once('close', resolve)),
      );
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await Promise.all([serverClosed, ...socketsClosed]);
    },
  };
}
