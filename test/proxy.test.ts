// `ricloud-mock proxy`, record, replay and drift on loopback: a real mock as the upstream (on a real socket), some
// of its answers rewritten on purpose into documented-but-different shapes, states and errors; the proxy on port 0.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { renderDriftMarkdown, runDrift } from '../cli/proxy/drift.ts';
import { contentBytes, type HarEntry, loadCassette } from '../cli/proxy/har.ts';
import { type RunningProxy, startProxy } from '../cli/proxy/proxy.ts';
import { createReplayer } from '../cli/proxy/replay.ts';
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

/** Every file under a folder, as text. */
function filesIn(dir: string): { name: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => ({ name: f.name, text: readFileSync(join(dir, f.name), 'utf8') }));
}

const SIGNED =
  'https://bucket.s3.amazonaws.com/r.json?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIACREDENTIAL1%2F20260101&X-Amz-Date=20260101T000000Z&X-Amz-Signature=sigsecret0123456789abcdef&X-Amz-Security-Token=sts-session-secret-token';

/**
 * A session of traffic carrying every kind of secret: the key token (Authorization), a new key's token, two
 * passwords, a 2FA code, a query token, a webhook secret, S3 keys, and a signed url (planted in an answer).
 */
async function secretTraffic(options: Partial<Parameters<typeof startProxy>[0]>) {
  const dir = tempDir();
  const record = join(dir, 'cassette');
  const report = join(dir, 'report.json');
  const rewrite: Rewrite = (method, path, status, body) =>
    method === 'GET' && path === '/organisation' && status === 200
      ? { body: { ...body, name: `Results at ${SIGNED}` } }
      : undefined;
  const { up, proxy, token } = await upstreamAndProxy(rewrite, {
    record,
    report,
    ...options,
  });
  const answers: { status: number; bytes: Uint8Array }[] = [];
  const send = async (method: string, path: string, body?: unknown) => {
    const res = await call(proxy.url, method, path, token, body);
    answers.push(res);
    return res;
  };
  await send('GET', '/organisation?token=query-secret-token-xyz');
  await send('GET', '/organisation');
  const key = await send('POST', '/keys', {});
  const user = await send('POST', '/users', { identifier: 'end-user' });
  await send('GET', `/users/${user.body.id}`);
  await send('POST', '/sessions', {
    source: { user: user.body.id, type: 'icloud.account', identifier: NO2FA },
    payload: { password: 'pw-secret-1' },
  });
  await send('POST', '/sessions', {
    source: { user: user.body.id, type: 'icloud.account', identifier: 'john.appleseed@example.com' },
    payload: { password: 'pw-secret-2', code: '918273' },
  });
  const hook = await send('POST', '/configs/webhook', { url: 'http://127.0.0.1:9/hook' });
  await send('POST', '/configs/storage', {
    url: 's3://bucket/results',
    credentials: { access_key_id: 'AKIAEXAMPLEKEY1', secret_access_key: 'SECRET-S3-KEY-abc' },
  });
  await proxy.idle();
  const secrets = [
    token,
    String(key.body.token),
    String(hook.body.secret),
    'pw-secret-1',
    'pw-secret-2',
    '918273',
    'query-secret-token-xyz',
    'sigsecret0123456789abcdef',
    'AKIACREDENTIAL1',
    'sts-session-secret-token',
    'AKIAEXAMPLEKEY1',
    'SECRET-S3-KEY-abc',
  ];
  return { up, proxy, token, record, report, answers, secrets, dir };
}

describe("the proxy's own routes", () => {
  it('answer only with the control token, refuse non-JSON posts, and write the report files on demand', async () => {
    const dir = tempDir();
    const ctl = 'proxy-control-token-0123456789';
    const { proxy, token } = await upstreamAndProxy(undefined, {
      controlToken: ctl,
      report: join(dir, 'r.json'),
    });
    await call(proxy.url, 'GET', '/users?limit=abc', token);
    await proxy.idle();
    const denied = await fetch(`${proxy.url}/_mock/proxy/report`);
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { error: string }).error).toBe('unauthorized');
    const auth = { Authorization: `Bearer ${ctl}` };
    const report = await fetch(`${proxy.url}/_mock/proxy/report`, { headers: auth });
    expect(report.status).toBe(200);
    expect(
      ((await report.json()) as { mismatches: { pointer: string }[] }).mismatches.map((m) => m.pointer),
    ).toEqual(['/query/limit']);
    await call(proxy.url, 'GET', '/organisation', token);
    await proxy.idle();
    const journal = await fetch(`${proxy.url}/_mock/proxy/exchanges?only=mismatches`, { headers: auth });
    const exchanges = ((await journal.json()) as { data: Record<string, unknown>[] }).data;
    expect(exchanges.map((e) => [e.seq, e.method, e.target, e.status, e.operation])).toEqual([
      [1, 'GET', '/users?limit=abc', 400, 'listUsers'],
    ]);
    expect(((exchanges[0]?.mismatches ?? []) as { pointer: string }[]).map((m) => m.pointer)).toEqual([
      '/query/limit',
    ]);
    const all = await fetch(`${proxy.url}/_mock/proxy/exchanges?limit=1`, { headers: auth });
    expect(((await all.json()) as { data: { target: string }[] }).data.map((e) => e.target)).toEqual([
      '/organisation',
    ]);
    expect((await fetch(`${proxy.url}/_mock/proxy/exchanges?limit=x`, { headers: auth })).status).toBe(400);
    const typed = await fetch(`${proxy.url}/_mock/proxy/report`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(typed.status).toBe(415);
    expect(readdirSync(dir)).toEqual([]);
    const written = await fetch(`${proxy.url}/_mock/proxy/report`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(written.status).toBe(200);
    expect(readdirSync(dir).sort()).toEqual(['r.json', 'r.md']);
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).toContain(
      '| listUsers | request | `/query/limit` | of type integer | abc | 1 |',
    );
    const page = await fetch(`${proxy.url}/_mock/proxy/ui?token=${ctl}`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    const cookie = page.headers.get('set-cookie')?.split(';')[0] ?? '';
    const html = await (await fetch(`${proxy.url}/_mock/proxy/ui`, { headers: { Cookie: cookie } })).text();
    expect(html).toContain('<td><code>/query/limit</code></td>');
  });

  it("answers 502 in the mock's error shape when the upstream cannot be reached", async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const proxy = await startProxy({ upstream: 'http://127.0.0.1:1' });
    cleanup.push(() => proxy.close());
    const res = await call(proxy.url, 'GET', '/organisation', 'any-token');
    expect(res.status).toBe(502);
    expect(res.body).toEqual({
      error: 'upstream-unreachable',
      message: 'The proxy could not reach the upstream http://127.0.0.1:1: ECONNREFUSED.',
      params: { upstream: 'http://127.0.0.1:1' },
    });
    expect(proxy.report()).toMatchObject({ exchanges: 0, upstreamErrors: 1, mismatches: [] });
  });

  it('answers 409 to a report write without --report', async () => {
    const { proxy } = await upstreamAndProxy(undefined);
    const res = await fetch(`${proxy.url}/_mock/proxy/report`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toBe('no-report-file');
  });
});

describe('proxy recording', () => {
  it('records every exchange as HAR 1.2 with no secret in the cassette or the report', async () => {
    const t = await secretTraffic({});
    // The client got the secrets (the proxy alters nothing)...
    expect(t.secrets.every((s) => s.length > 5)).toBe(true);
    expect(new TextDecoder().decode(t.answers[2]?.bytes)).toContain(t.secrets[1]);
    await t.proxy.close();
    const files = filesIn(t.record);
    expect(files.map((f) => f.name)).toEqual(
      t.answers.map((_, i) => `${String(i + 1).padStart(6, '0')}.har`),
    );
    const entries = loadCassette(t.record);
    expect(entries.map((e) => [e.request.method, e._ricloud.target, e.response.status])).toEqual([
      ['GET', '/organisation?token=%5BREDACTED%5D', 400],
      ['GET', '/organisation', 200],
      ['POST', '/keys', 201],
      ['POST', '/users', 201],
      ['GET', '/users/1', 200],
      ['POST', '/sessions', 201],
      ['POST', '/sessions', 201],
      ['POST', '/configs/webhook', 201],
      ['POST', '/configs/storage', 201],
    ]);
    // ...the cassette and the report files hold none of them, in any encoding.
    const written = [...files, ...filesIn(t.dir).filter((f) => f.name.startsWith('report'))];
    expect(written.map((f) => f.name).filter((n) => n.startsWith('report'))).toEqual([
      'report.json',
      'report.md',
    ]);
    const leaks = written.flatMap((f) =>
      t.secrets
        .flatMap((s) => [s, encodeURIComponent(s), Buffer.from(s).toString('base64')])
        .filter((s) => f.text.includes(s))
        .map((s) => `${f.name}: ${s}`),
    );
    expect(leaks).toEqual([]);
    expect(entries[1]?.request.headers.find((h) => h.name.toLowerCase() === 'authorization')?.value).toBe(
      'Token [REDACTED]',
    );
    expect(entries[1]?.response.content.text).toContain('X-Amz-Signature=%5BREDACTED%5D');
    expect(entries[1]?.response.content.text).toContain('X-Amz-Date=20260101T000000Z');
  });

  it('replaces personal data with fakes, the same for the same seed', async () => {
    const texts = async () => {
      const t = await secretTraffic({ fakePersonalData: { seed: 'fakes' }, now: () => Date.UTC(2026, 0, 1) });
      await t.proxy.close();
      await t.up.close();
      return loadCassette(t.record).map((e) => [
        e.request.postData?.text ?? '',
        e.response.content.text ?? '',
      ]);
    };
    const first = await texts();
    const all = JSON.stringify(first);
    expect(all).not.toContain(NO2FA);
    expect(all).not.toContain('john.appleseed');
    expect(all).not.toContain('end-user');
    expect(first[5]?.[0]).toMatch(/"identifier":"[^"]+@example\.com"/);
    expect(await texts()).toEqual(first);
  });
});

describe('replay', () => {
  async function replayServer(entries: HarEntry[]): Promise<string> {
    const replayer = createReplayer(entries);
    const server = serve({ fetch: replayer.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((ok) => server.once('listening', () => ok()));
    cleanup.push(() => new Promise<void>((ok) => server.close(() => ok())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('answers the recorded requests with the recorded bytes, in order, and refuses the rest clearly', async () => {
    const t = await secretTraffic({});
    const entries = loadCassette(t.record);
    const url = await replayServer(entries);
    for (const [i, entry] of entries.entries()) {
      const res = await fetch(`${url}${entry._ricloud.target}`, {
        method: entry.request.method,
        headers: { Authorization: 'Token anything', 'Content-Type': 'application/json' },
        ...(entry.request.postData ? { body: entry.request.postData.text } : {}),
      });
      expect(res.status).toBe(entry.response.status);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.equals(Buffer.from(contentBytes(entry.response.content)))).toBe(true);
      // An answer with nothing to redact is the upstream's own bytes.
      if (i === 4) expect(bytes.equals(Buffer.from(t.answers[4]?.bytes ?? []))).toBe(true);
    }
    // A real password matches the recorded [REDACTED] one, but every answer was given already.
    const again = await call(url, 'POST', '/sessions', 'x', {
      source: { user: '1', type: 'icloud.account', identifier: NO2FA },
      payload: { password: 'another-password' },
    });
    expect([again.status, again.body.error]).toEqual([404, 'replay-exhausted']);
    const unknown = await call(url, 'GET', '/polls', 'x');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      error: 'replay-no-match',
      message: 'The cassette has no recorded answer for GET /polls.',
      params: { method: 'GET', path: '/polls', recorded_with_other_bodies: 0 },
    });
  });
});

describe('drift', () => {
  it('replays a cassette against the mock and lists exactly the planted differences, with ledger links', async () => {
    const dir = tempDir();
    const record = join(dir, 'cassette');
    const rewrite: Rewrite = (method, path, status, body) => {
      if (method === 'GET' && path === '/organisation')
        return { status: 429, body: { error: 'rate-limited', message: 'Slow down.', params: {} } };
      if (method === 'GET' && /^\/users\/[^/]+$/.test(path) && status === 200) {
        const { date_created: _gone, ...rest } = body;
        return { body: { ...rest, nickname: 'Jane' } };
      }
      return undefined;
    };
    // The upstream takes 15 s to process a task where the mock takes 1.5 s; its ids come from another seed.
    let up: Upstream | undefined;
    const {
      proxy,
      token,
      up: upstream,
    } = await upstreamAndProxy(
      rewrite,
      { record, now: () => (up as Upstream).mock.clock.now() },
      { seed: 'upstream', timings: { taskProcessMs: 15_000 } },
    );
    up = upstream;
    expect((await call(proxy.url, 'GET', '/organisation', token)).status).toBe(429);
    const user = await call(proxy.url, 'POST', '/users', token, { identifier: 'end-user' });
    await call(proxy.url, 'GET', `/users/${user.body.id}`, token);
    const session = await call(proxy.url, 'POST', '/sessions', token, {
      source: { user: user.body.id, type: 'icloud.account', identifier: NO2FA },
      payload: { password: 'pw' },
    });
    await upstream.mock.advance(10);
    expect((await call(proxy.url, 'GET', `/sessions/${session.body.id}`, token)).body.state).toBe('active');
    const poll = await call(proxy.url, 'POST', '/polls', token, {
      session: session.body.id,
      payload: { info_types: ['account.info'] },
    });
    await upstream.mock.advance(10);
    expect((await call(proxy.url, 'GET', `/polls/${poll.body.id}`, token)).body.state).toBe('processing');
    await upstream.mock.advance(10);
    expect((await call(proxy.url, 'GET', `/polls/${poll.body.id}`, token)).body.state).toBe('completed');
    await proxy.idle();

    const report = await runDrift(loadCassette(record), record);
    expect(report.exchanges).toBe(8);
    expect(report.differences.map(({ ledger: _links, message: _m, ...d }) => d)).toEqual([
      {
        kind: 'error',
        operation: 'retrieveOrganisation',
        at: 'GET /organisation',
        upstream: '429 rate-limited',
        mock: '200',
        exchanges: [1],
      },
      {
        kind: 'shape',
        operation: 'retrieveUser',
        at: '/nickname',
        upstream: 'string',
        mock: '(absent)',
        exchanges: [3],
      },
      {
        kind: 'shape',
        operation: 'retrieveUser',
        at: '/date_created',
        upstream: '(absent)',
        mock: 'string',
        exchanges: [3],
      },
      {
        kind: 'state',
        operation: 'retrievePoll',
        at: `poll ${poll.body.id}`,
        upstream: ['pending', 'processing', 'completed'],
        mock: ['pending', 'completed'],
        exchanges: [8],
      },
      {
        kind: 'timing',
        operation: 'retrievePoll',
        at: `poll ${poll.body.id}`,
        upstream: 'completed after 2 reads',
        mock: 'completed after 1 reads',
        exchanges: [8],
      },
    ]);
    // The poll's ids differ between the seeds: they were mapped, or the mock would have answered 404s.
    expect(report.mappedIds).toBeGreaterThan(0);
    const ids = (kind: string) =>
      report.differences.find((d) => d.kind === kind)?.ledger.map((l) => l.id) ?? [];
    expect(ids('state')).toEqual(expect.arrayContaining(['polls.attr-state']));
    expect(ids('shape')).toEqual(expect.arrayContaining(['users.attr-date-created']));
    const md = renderDriftMarkdown(report);
    expect(md).toContain('## States and their order');
    expect(md).toContain(
      `| retrievePoll | \`poll ${poll.body.id}\` | completed after 2 reads | completed after 1 reads | 8 |`,
    );
  });
});
