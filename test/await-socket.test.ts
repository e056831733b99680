import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createMock, type Mock } from '../server/app.ts';
import { assertMatchesSpec } from './helpers/spec.ts';

let server: ServerType | undefined;
let mock: Mock | undefined;

afterEach(async () => {
  mock?.close();
  mock = undefined;
  const s = server;
  server = undefined;
  if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/** Starts a mock on a scaled clock (1000×: a 2 s session init takes 2 ms) on 127.0.0.1, port 0. */
async function start(options: Parameters<typeof createMock>[0] = {}): Promise<string> {
  const m = createMock({ seed: 'await', clock: { mode: 'scaled', scale: 1000 }, ...options });
  mock = m;
  const port = await new Promise<number>((resolve) => {
    server = serve({ fetch: m.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve(info.port),
    );
  });
  return `http://127.0.0.1:${port}`;
}

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Token ${mock?.token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked against the spec, then read loosely
  const json = (await res.json()) as Record<string, any>;
  return { status: res.status, body: json };
}

async function sessionRequest(base: string, identifier: string, awaitHeader: string) {
  const user = await call(base, 'POST', '/users', { identifier: 'socket-user' });
  const res = await call(
    base,
    'POST',
    '/sessions',
    { source: { user: user.body.id, type: 'icloud.account', identifier }, payload: { password: 'pw' } },
    { 'Ricloud-Await': awaitHeader },
  );
  assertMatchesSpec('createSession', res.status, res.body);
  return res;
}

describe('Ricloud-Await over a real socket (scaled clock)', () => {
  it('Ricloud-Await: 5 holds POST /sessions until the session is active', async () => {
    const base = await start();
    const res = await sessionRequest(base, 'jane+no2fa@example.com', '5');
    expect(res.status).toBe(201);
    expect(res.body.state).toBe('active');
    expect(res.body.source.state).toBe('active');
  });

  it('Ricloud-Await: 5 also returns a failed session as soon as it fails', async () => {
    const base = await start();
    const res = await sessionRequest(base, 'tim@example.com', '5');
    expect(res.body).toMatchObject({ state: 'failed', error: 'code-required' });
  });

  it('Ricloud-Await: 0 answers at once with the session pending', async () => {
    const base = await start({ timings: { sessionInitMs: 60_000 } });
    const res = await sessionRequest(base, 'jane+no2fa@example.com', '0');
    expect(res.status).toBe(201);
    expect(res.body.state).toBe('pending');
  });

  it('a wait that runs out answers with the session still pending', async () => {
    // Init takes 1 h of mock time (3.6 s of wall time at 1000×); the wait ends after 1 s of mock time (1 ms).
    const base = await start({ timings: { sessionInitMs: 3_600_000 } });
    const res = await sessionRequest(base, 'jane+no2fa@example.com', '1');
    expect(res.body.state).toBe('pending');
    expect(mock?.ctx.scheduler.pending().map((j) => j.kind)).toEqual(['session.init']);
  });
});
