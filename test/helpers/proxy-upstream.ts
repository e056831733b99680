// A loopback upstream for the proxy's tests: a real mock on a real socket, whose answers a test may rewrite on
// purpose (documented-but-different shapes and states) before they leave.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createMock, type Mock, type MockOptions } from '../../server/app.ts';

/** Rewrites an answer: a new status and/or body, or `undefined` to leave it as the mock gave it. */
export type Rewrite = (
  method: string,
  path: string,
  status: number,
  body: Record<string, unknown>,
) => { status?: number; body: unknown } | undefined;

export interface Upstream {
  mock: Mock;
  url: string;
  close(): Promise<void>;
}

export async function startUpstream(options: MockOptions, rewrite?: Rewrite): Promise<Upstream> {
  const mock = createMock(options);
  const server = serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: async (req) => {
      const res = await mock.app.fetch(req);
      if (!rewrite || !res.headers.get('content-type')?.includes('json')) return res;
      const bytes = await res.arrayBuffer();
      const body = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
      const out = rewrite(req.method, new URL(req.url).pathname, res.status, body);
      const headers = new Headers(res.headers);
      if (!out) return new Response(bytes, { status: res.status, headers });
      headers.delete('content-length');
      return new Response(JSON.stringify(out.body), { status: out.status ?? res.status, headers });
    },
  });
  await new Promise<void>((ok) => server.once('listening', () => ok()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    mock,
    url,
    close: () =>
      new Promise<void>((ok) => {
        mock.close();
        server.close(() => ok());
        (server as unknown as { closeAllConnections(): void }).closeAllConnections();
      }),
  };
}

/** A JSON call on a real socket. */
export async function call(
  base: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown>; bytes: Uint8Array }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Token ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, bytes };
}
