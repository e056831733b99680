// The control API's inspection routes (what the web console reads) and the console's own serving, in-process.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { consoleAssets } from '../../server/control/console/assets.ts';
import { type TestMock, testMock } from '../helpers/api.ts';

async function ctl(
  t: TestMock,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await t.mock.app.request(`/_mock${path}`, {
    method,
    headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

async function sessionFor(t: TestMock, identifier: string, code?: string) {
  const user = await t.post('/users', { identifier: `u-${identifier}` });
  const res = await t.post('/sessions', {
    source: { user: user.body.id, type: 'icloud.account', identifier },
    payload: code ? { password: 'pw', code } : { password: 'pw' },
  });
  return res.body as { id: string; source: { id: string } };
}

describe('GET /_mock/organisations/{id}/records', () => {
  it('counts every collection of the organisation', async () => {
    const t = testMock();
    await sessionFor(t, 'a@example.com');
    const res = await ctl(t, 'GET', '/organisations/1/records');
    expect(res.status).toBe(200);
    expect(res.body.organisation).toBe(1);
    expect(res.body.counts).toMatchObject({ users: 1, sessions: 1, sources: 1, keys: 1, storage_configs: 1 });
  });

  it('lists newest first with paging, state, relation and text filters', async () => {
    const t = testMock();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await sessionFor(t, `s${i}@example.com`, i < 2 ? '123456' : undefined)).id);
    await t.advance(2);
    const page = await ctl(t, 'GET', '/organisations/1/records/sessions?limit=2&offset=1');
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total_count: 5, offset: 1, limit: 2 });
    expect(page.body.data.map((s: { id: string }) => s.id)).toEqual([ids[3], ids[2]]);
    // Presented as ricloud presents it: the source nested.
    expect(page.body.data[0].source).toMatchObject({ resource: 'source' });
    const failed = await ctl(t, 'GET', '/organisations/1/records/sessions?state=failed');
    expect(failed.body.data.map((s: { id: string }) => s.id)).toEqual([ids[4], ids[3], ids[2]]);
    const sources = await ctl(t, 'GET', '/organisations/1/records/sources?q=S3@EXAMPLE');
    expect(sources.body.data.map((s: { identifier: string }) => s.identifier)).toEqual(['s3@example.com']);
    const tasks = await ctl(t, 'GET', `/organisations/1/records/tasks?session=${ids[0]}`);
    expect(tasks.body.total_count).toBe(1);
    expect(tasks.body.data[0]).toMatchObject({ type: 'session.init', session: ids[0] });
  });

  it('answers 404 for an unknown organisation or collection and 400 for a bad page', async () => {
    const t = testMock();
    expect((await ctl(t, 'GET', '/organisations/99/records/sessions')).status).toBe(404);
    const unknown = await ctl(t, 'GET', '/organisations/1/records/nothing');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({
      error: 'not-found',
      params: { resource: 'collection', id: 'nothing' },
    });
    const bad = await ctl(t, 'GET', '/organisations/1/records/sessions?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid-parameters' });
    expect((await ctl(t, 'GET', '/organisations/1/records/sessions?limit=501')).status).toBe(400);
  });

  it("gives a session's transitions with their clock times", async () => {
    const t = testMock();
    const created = (await ctl(t, 'GET', '/clock')).body.now as string;
    const s = await sessionFor(t, 'h@example.com');
    await t.advance(2);
    const failedAt = (await ctl(t, 'GET', '/clock')).body.now as string;
    const res = await ctl(t, 'GET', `/organisations/1/records/sessions/${s.id}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: s.id, state: 'failed', error: 'code-required' });
    expect(res.body.history).toEqual([
      { state: 'pending', time: created },
      { state: 'failed', time: failedAt },
    ]);
    expect((await ctl(t, 'GET', '/organisations/1/records/sessions/nope')).status).toBe(404);
  });

  it("serves a result's bytes, whose md5 and size are the result's", async () => {
    const t = testMock();
    const s = await sessionFor(t, 'r+no2fa@example.com');
    await t.advance(2);
    const poll = await t.post('/polls', { session: s.id, payload: { data_types: ['callkit.calls'] } });
    await t.advance(5);
    const [result] = (await t.get(`/polls/${poll.body.id}`)).body.results.data;
    const res = await t.mock.app.request(`/_mock/organisations/1/records/results/${result.id}/content`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(createHash('md5').update(bytes).digest('hex')).toBe(result.checksum);
    expect(bytes.byteLength).toBe(result.size);
  });
});

describe('GET /_mock/clock/jobs', () => {
  it('lists the due jobs soonest first with kind, due time and organisation', async () => {
    const t = testMock();
    const s = await sessionFor(t, 'j@example.com');
    const now = Date.parse((await ctl(t, 'GET', '/clock')).body.now);
    const res = await ctl(t, 'GET', '/clock/jobs');
    expect(res.status).toBe(200);
    expect(res.body.total_count).toBe(1);
    expect(res.body.data[0]).toMatchObject({ kind: 'session.init', organisation: 1 });
    expect(Date.parse(res.body.data[0].due)).toBe(now + 2000);
    expect(JSON.stringify(res.body.data[0].args)).toContain(s.id);
    expect((await ctl(t, 'GET', '/clock/jobs?organisation=2')).body.total_count).toBe(0);
  });
});

describe('GET /_mock/machines', () => {
  it('enumerates the legal transitions of the engine', async () => {
    const t = testMock();
    const res = await ctl(t, 'GET', '/machines');
    expect(res.status).toBe(200);
    const edges = (m: { edges: { from: string; event: string; to: string }[] }) =>
      m.edges.map((e) => `${e.from} -${e.event}-> ${e.to}`).sort();
    expect(edges(res.body.session)).toEqual([
      'active -expire-> expired',
      'active -use-> active',
      'pending -expire-> expired',
      'pending -init-failed-> failed',
      'pending -init-succeeded-> active',
    ]);
    expect(res.body.session).toMatchObject({ initial: 'pending', final: ['failed', 'expired'] });
    expect(edges(res.body.poll)).toEqual([
      'pending -all-finished-> completed',
      'pending -task-started-> processing',
      'processing -all-finished-> completed',
      'processing -task-started-> processing',
    ]);
    expect(res.body.task.final).toEqual(['succeeded', 'failed']);
    expect(edges(res.body.task)).toContain('suspended -start-> processing');
  });

  it('draws every machine of the domain, illegal pairs left out', async () => {
    const t = testMock();
    const res = await ctl(t, 'GET', '/machines');
    expect(Object.keys(res.body)).toEqual([
      'session',
      'poll',
      'task',
      'subscription',
      'delivery',
      'storage_config',
      'webhook_config',
      'result',
    ]);
    const edges = (m: { edges: { from: string; event: string; to: string }[] }) =>
      m.edges.map((e) => `${e.from} -${e.event}-> ${e.to}`).sort();
    expect(edges(res.body.subscription)).toEqual([
      'active -delete-> deleted',
      'pending -allow-> active',
      'pending -delete-> deleted',
    ]);
    expect(res.body.subscription.final).toEqual(['deleted']);
    expect(edges(res.body.delivery)).toEqual([
      'failed -redelivered-> delivered',
      'pending -abandoned-> failed',
      'pending -failed-> pending',
      'pending -redelivered-> delivered',
      'pending -succeeded-> delivered',
    ]);
    expect(res.body.delivery.final).toEqual(['delivered']);
    expect(edges(res.body.storage_config)).not.toContain('deactivated -test-passed-> valid');
    expect(edges(res.body.storage_config)).toContain('deactivated -test-started-> new');
    expect(edges(res.body.webhook_config)).toContain('valid -deactivate-> deactivated');
    expect(res.body.webhook_config).toMatchObject({ initial: 'new', final: [] });
  });
});

/** Opens the change stream; `next()` reads its next event. */
async function openChanges(t: TestMock) {
  const res = await t.mock.app.request('/_mock/changes');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const next = async (): Promise<{ event: string; data: any }> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
        return { event, data: JSON.parse(data) };
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
  return { next, close: () => reader.cancel() };
}

describe('GET /_mock/changes', () => {
  it('streams a hello, then ricloud requests, control calls and job runs as they happen', async () => {
    const t = testMock();
    const { next, close } = await openChanges(t);
    try {
      expect(await next()).toMatchObject({ event: 'hello' });
      await t.post('/users', { identifier: 'streamed' });
      const request = await next();
      expect(request).toMatchObject({ event: 'change', data: { kind: 'request' } });
      expect(request.data.request).toMatchObject({
        method: 'POST',
        path: '/users',
        status: 201,
        organisation: 1,
      });
      await sessionFor(t, 'c@example.com');
      await next(); // POST /users
      await next(); // POST /sessions
      await ctl(t, 'POST', '/clock/advance', { seconds: 2 });
      const kinds = [(await next()).data.kind, (await next()).data.kind].sort();
      expect(kinds).toEqual(['control', 'jobs']);
    } finally {
      await close();
    }
  });

  it('streams the job runs of a tenant advanced on its own clock', async () => {
    const t = testMock();
    const tenant = (await ctl(t, 'POST', '/organisations', { name: 'Streamed' })).body;
    const { next, close } = await openChanges(t);
    try {
      expect(await next()).toMatchObject({ event: 'hello' });
      const user = await t.post('/users', { identifier: 'u-tenant' }, { token: tenant.token });
      await t.post(
        '/sessions',
        {
          source: { user: user.body.id, type: 'icloud.account', identifier: 'd@example.com' },
          payload: { password: 'pw' },
        },
        { token: tenant.token },
      );
      await next(); // POST /users
      await next(); // POST /sessions
      await ctl(t, 'POST', '/clock/advance', { seconds: 2, organisation: tenant.organisation.id });
      const kinds = [(await next()).data.kind, (await next()).data.kind].sort();
      expect(kinds).toEqual(['control', 'jobs']);
    } finally {
      await close();
    }
  });
});

describe('the web console at /_mock/ui', () => {
  it('serves its page and assets from the package, with no other origin', async () => {
    const t = testMock();
    const page = await t.mock.app.request('/_mock/ui');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/_mock/ui/app.js?v=');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const js = await t.mock.app.request('/_mock/ui/app.js');
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(await js.text()).toBe((await consoleAssets()).js);
    expect((await t.mock.app.request('/_mock/ui/app.css')).headers.get('content-type')).toContain('text/css');
  });

  it('stays within its budget of 150 KB of JavaScript gzipped', async () => {
    const size = gzipSync((await consoleAssets()).js).byteLength;
    expect(size).toBeGreaterThan(1000);
    expect(size).toBeLessThanOrEqual(150 * 1024);
  });

  it('answers loopback peers only without a control token, like /_mock', async () => {
    const t = testMock();
    const remote = { incoming: { socket: { remoteAddress: '10.1.2.3' } } };
    expect((await t.mock.app.request('/_mock/ui', {}, remote)).status).toBe(403);
    expect((await t.mock.app.request('/_mock/ui/app.js', {}, remote)).status).toBe(403);
    const local = { incoming: { socket: { remoteAddress: '127.0.0.1' } } };
    expect((await t.mock.app.request('/_mock/ui', {}, local)).status).toBe(200);
  });

  it('with a control token: ?token= sets the cookie that both the page and /_mock accept', async () => {
    const t = testMock({ control: { token: 'ui-token' } });
    expect((await t.mock.app.request('/_mock/ui')).status).toBe(401);
    expect((await t.mock.app.request('/_mock/ui?token=wrong')).status).toBe(401);
    const login = await t.mock.app.request('/_mock/ui?token=ui-token');
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/_mock/ui');
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^ricloud-mock-control=ui-token;/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/_mock/);
    const headers = { Cookie: 'ricloud-mock-control=ui-token' };
    expect((await t.mock.app.request('/_mock/ui', { headers })).status).toBe(200);
    expect((await ctl(t, 'GET', '/clock', undefined, headers)).status).toBe(200);
    expect((await ctl(t, 'GET', '/clock', undefined, { Cookie: 'ricloud-mock-control=nope' })).status).toBe(
      401,
    );
  });
});
