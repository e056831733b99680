// `ricloud-mock proxy`, record, replay and drift on loopback: a real mock as the upstream (on a real socket), some
// of its answers rewritten on purpose into documented-but-different shapes, states and errors; the proxy on port 0.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningProxy, startProxy } from '../cli/proxy/proxy.ts';
import { call, type Rewrite, startUpstream, type Upstream } from './helpers/proxy-upstream.ts';

const NO2FA = 'jane+no2fa@example.com';
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ricloud-proxy-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function upstreamAndProxy(
  rewrite: Rewrite | undefined,
  options: Partial<Parameters<typeof startProxy>[0]> = {},
  upstreamOptions: Parameters<typeof startUpstream>[0] = { seed: 'upstream' },
): Promise<{ up: Upstream; proxy: RunningProxy; token: string }> {
  const up = await startUpstream(upstreamOptions, rewrite);
  cleanup.push(() => up.close());
  const proxy = await startProxy({ upstream: up.url, ...options });
  cleanup.push(() => proxy.close());
  return { up, proxy, token: up.mock.token };
}

/** What a mismatch says, without its example exchange and count. */
const said = (m: { operation: string; direction: string; pointer: string; spec: string; sent: unknown }) => ({
  operation: m.operation,
  direction: m.direction,
  pointer: m.pointer,
  spec: m.spec,
  sent: m.sent,
});

describe('proxy validation', () => {
  it('forwards traffic unchanged and reports each planted mismatch, and nothing else', async () => {
    const rewrite: Rewrite = (method, path, status, body) => {
      if (method !== 'GET' || status !== 200) return undefined;
      if (/^\/sessions\/[^/]+$/.test(path)) return { body: { ...body, state: 'ready' } };
      if (/^\/users\/[^/]+$/.test(path)) {
        const { date_created: _gone, ...rest } = body;
        return { body: { ...rest, nickname: 'Jane' } };
      }
      if (/^\/polls\/[^/]+$/.test(path)) return { body: { ...body, tasks_failed: 0 } };
      return undefined;
    };
    const { up, proxy, token } = await upstreamAndProxy(rewrite);
    const direct = await call(up.url, 'GET', '/organisation', token);
    const proxied = await call(proxy.url, 'GET', '/organisation', token);
    expect(proxied.status).toBe(200);
    expect(Buffer.from(proxied.bytes).equals(Buffer.from(direct.bytes))).toBe(true);

    const user = await call(proxy.url, 'POST', '/users', token, { identifier: 'end-user' });
    const session = await call(proxy.url, 'POST', '/sessions', token, {
      source: { user: user.body.id, type: 'icloud.account', identifier: NO2FA },
      payload: { password: 'pw' },
    });
    expect(session.status).toBe(201);
    await up.mock.advance(10);
    expect((await call(proxy.url, 'GET', `/sessions/${session.body.id}`, token)).body.state).toBe('ready');
    await call(proxy.url, 'GET', `/users/${user.body.id}`, token);
    const poll = await call(proxy.url, 'POST', '/polls', token, {
      session: session.body.id,
      payload: { info_types: ['account.info'] },
    });
    await up.mock.advance(10);
    await call(proxy.url, 'GET', `/polls/${poll.body.id}`, token);
    // Requests off the spec: the upstream refuses them (documented 400/404s), the proxy reports the request.
    expect((await call(proxy.url, 'GET', '/users?limit=abc', token)).status).toBe(400);
    expect((await call(proxy.url, 'POST', '/users', token, { identifier: 'x', extra: 1 })).status).toBe(400);
    expect((await call(proxy.url, 'GET', '/sessions/not-a-uuid', token)).status).toBe(404);
    await proxy.idle();

    const report = proxy.report();
    expect(report.exchanges).toBe(10);
    expect(report.mismatches.map(said)).toEqual([
      {
        operation: 'retrieveSession',
        direction: 'response',
        pointer: '/body/state',
        spec: 'one of "pending", "active", "failed", "expired"',
        sent: 'ready',
      },
      {
        operation: 'retrieveUser',
        direction: 'response',
        pointer: '/body/date_created',
        spec: 'a required field',
        sent: '(missing)',
      },
      {
        operation: 'retrieveUser',
        direction: 'response',
        pointer: '/body/nickname',
        spec: 'no such field',
        sent: 'Jane',
      },
      {
        operation: 'retrievePoll',
        direction: 'response',
        pointer: '/body/tasks_failed',
        spec: 'of type array',
        sent: 0,
      },
      {
        operation: 'listUsers',
        direction: 'request',
        pointer: '/query/limit',
        spec: 'of type integer',
        sent: 'abc',
      },
      {
        operation: 'createUser',
        direction: 'request',
        pointer: '/body/extra',
        spec: 'no such field',
        sent: 1,
      },
      {
        operation: 'retrieveSession',
        direction: 'request',
        pointer: '/path/id',
        spec: 'a string of format uuid',
        sent: 'not-a-uuid',
      },
    ]);
    expect(report.mismatches[0]?.schema).toBe('openapi/ricloud-v3.yaml#/components/schemas/SessionState');
    expect(report.mismatches[0]?.example).toEqual({
      method: 'GET',
      target: `/sessions/${session.body.id}`,
      status: 200,
    });
  });
});
