// The /_mock control API in-process: reset, tenants, scenarios, journal, snapshots and input validation.
import { describe, expect, it } from 'vitest';
import { createMock } from '../../server/app.ts';
import { type TestMock, testMock } from '../helpers/api.ts';

async function ctl(t: TestMock, method: string, path: string, body?: unknown, raw?: string) {
  const res = await t.mock.app.request(`/_mock${path}`, {
    method,
    headers: body !== undefined || raw !== undefined ? { 'Content-Type': 'application/json' } : {},
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text, headers: res.headers };
}

const state = async (t: TestMock) => (await ctl(t, 'GET', '/state')).text;

describe('POST /_mock/reset', () => {
  it('restores a byte-identical state for the seed after any activity', async () => {
    const t = testMock();
    const before = await state(t);
    await t.post('/users', { identifier: 'someone@example.com' });
    await t.post('/sessions', {
      source: { user: '1', type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
      payload: { password: 'x' },
    });
    await t.advance(5);
    await ctl(t, 'POST', '/faults', { kind: 'error', status: 503 });
    expect(await state(t)).not.toBe(before);
    const reset = await ctl(t, 'POST', '/reset');
    expect(reset.status).toBe(200);
    expect(reset.body.token).toBe(t.mock.token);
    expect(await state(t)).toBe(before);
    expect((await ctl(t, 'GET', '/faults')).body.data).toEqual([]);
    expect((await t.get('/organisation')).status).toBe(200);
  });
});

describe('tenants', () => {
  it('creates an isolated organisation whose key works at once', async () => {
    const t = testMock();
    const created = await ctl(t, 'POST', '/organisations', { name: 'CI job 7' });
    expect(created.status).toBe(201);
    expect(created.body.organisation).toMatchObject({ name: 'CI job 7', slug: 'ci-job-7', state: 'active' });
    const org = await t.get('/organisation', { token: created.body.token });
    expect(org.body.id).toBe(created.body.organisation.id);
    const unconfigured = await ctl(t, 'POST', '/organisations', {
      name: 'Walkthrough',
      preset: 'getting-started',
    });
    expect(unconfigured.body.organisation.state).toBe('unconfigured');
    const list = await ctl(t, 'GET', '/organisations');
    expect(list.body.data.map((x: { organisation: { id: number } }) => x.organisation.id)).toEqual([1, 2, 3]);
  });

  it('two tenants never see each other', async () => {
    const t = testMock();
    const a = (await ctl(t, 'POST', '/organisations', { name: 'A' })).body.token as string;
    const b = (await ctl(t, 'POST', '/organisations', { name: 'B' })).body.token as string;
    const [ua, ub] = await Promise.all([
      t.post('/users', { identifier: 'same@example.com' }, { token: a }),
      t.post('/users', { identifier: 'same@example.com' }, { token: b }),
    ]);
    expect(ua.body.id).not.toBe(ub.body.id);
    expect((await t.get('/users', { token: a })).body.data.map((u: { id: string }) => u.id)).toEqual([
      ua.body.id,
    ]);
    expect((await t.get(`/users/${ub.body.id}`, { token: a })).status).toBe(404);
    expect((await t.get(`/users/${ua.body.id}`, { token: b })).status).toBe(404);
  });

  it('resets one tenant to its creation state, leaving the others alone', async () => {
    const t = testMock();
    const tenant = (await ctl(t, 'POST', '/organisations', { name: 'Resettable' })).body;
    const token = tenant.token as string;
    const id = tenant.organisation.id as number;
    const orgBefore = (await t.get('/organisation', { token })).text;
    const usersBefore = (await t.get('/users', { token })).text;
    await t.post('/users', { identifier: 'x@example.com' }, { token });
    await t.post('/organisation', { name: 'Renamed' }, { token });
    await t.post('/users', { identifier: 'preset@example.com' });
    // How long a reset takes is measured by `npm run bench` (per-tenant reset), not asserted here.
    const reset = await ctl(t, 'POST', `/organisations/${id}/reset`);
    expect(reset.status).toBe(200);
    expect((await t.get('/organisation', { token })).text).toBe(orgBefore);
    expect((await t.get('/users', { token })).text).toBe(usersBefore);
    expect((await t.get('/users')).body.total_count).toBe(1);
  });

  it('deletes a tenant: its token stops working', async () => {
    const t = testMock();
    const tenant = (await ctl(t, 'POST', '/organisations', { name: 'Gone' })).body;
    expect((await ctl(t, 'DELETE', `/organisations/${tenant.organisation.id}`)).status).toBe(200);
    expect((await t.get('/organisation', { token: tenant.token })).status).toBe(401);
    expect((await ctl(t, 'DELETE', `/organisations/${tenant.organisation.id}`)).status).toBe(404);
  });
});

describe('control API input', () => {
  it('answers bad JSON with 400 malformed-request in the error shape, changing nothing', async () => {
    const t = testMock();
    const before = await state(t);
    const res = await ctl(t, 'POST', '/organisations', undefined, '{"name": "x",}');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'malformed-request', params: expect.any(Object) });
    expect(typeof res.body.message).toBe('string');
    expect(await state(t)).toBe(before);
  });

  it('rejects fields that fail the control spec with invalid-parameters', async () => {
    const t = testMock();
    const res = await ctl(t, 'POST', '/faults', { kind: 'error', status: 404 });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid-parameters');
    expect((await ctl(t, 'POST', '/organisations', { name: 'x', colour: 'red' })).body.params).toEqual({
      colour: 'is not a known field',
    });
    expect((await ctl(t, 'GET', '/faults')).body.data).toEqual([]);
  });

  it('answers an unknown organisation with 404 not-found', async () => {
    const t = testMock();
    for (const path of ['/organisations/99/reset', '/organisations/abc/reset']) {
      const res = await ctl(t, 'POST', path);
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('not-found');
    }
    expect((await ctl(t, 'DELETE', '/organisations/99')).status).toBe(404);
    expect((await ctl(t, 'POST', '/scenarios/tasks', { type: 'x', organisation: 42 })).status).toBe(404);
    expect((await ctl(t, 'POST', '/scenarios/load', { name: 'no-such-scenario' })).status).toBe(404);
  });

  it('answers 405 for a wrong method on a control path', async () => {
    const t = testMock();
    const res = await ctl(t, 'PATCH', '/faults');
    expect(res.status).toBe(405);
    expect(res.body.error).toBe('method-not-allowed');
  });
});

describe('control API access', () => {
  const remote = { incoming: { socket: { remoteAddress: '10.1.2.3' } } };
  const local = { incoming: { socket: { remoteAddress: '::ffff:127.0.0.1' } } };

  it('refuses non-loopback peers without a control token', async () => {
    const mock = createMock();
    const res = await mock.app.fetch(new Request('http://mock/_mock/faults'), remote);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('permission-denied');
    expect((await mock.app.fetch(new Request('http://mock/_mock/faults'), local)).status).toBe(200);
  });

  it('with a control token, requires it from every peer', async () => {
    const mock = createMock({ control: { token: 'ctl-secret' } });
    expect((await mock.app.fetch(new Request('http://mock/_mock/faults'), local)).status).toBe(401);
    const bearer = new Request('http://mock/_mock/faults', {
      headers: { Authorization: 'Bearer ctl-secret' },
    });
    expect((await mock.app.fetch(bearer, remote)).status).toBe(200);
    const header = new Request('http://mock/_mock/faults', {
      headers: { 'X-Mock-Control-Token': 'ctl-secret' },
    });
    expect((await mock.app.fetch(header, remote)).status).toBe(200);
  });
});

describe('scenarios', () => {
  const icloud = (identifier: string, extra: Record<string, unknown> = {}) => ({
    source: { user: '1', type: 'icloud.account', identifier },
    payload: { password: 'pw', ...extra },
  });

  it('forces the next session outcome for a source identifier, with a delay and a locked source', async () => {
    const t = testMock();
    await t.post('/users', { identifier: 'u' });
    const forced = await ctl(t, 'POST', '/scenarios/sessions', {
      source_identifier: 'jane+no2fa@example.com',
      state: 'failed',
      error: 'account-locked',
      source_state: 'locked',
      delay_seconds: 30,
    });
    expect(forced.status).toBe(201);
    const s = (await t.post('/sessions', icloud('jane+no2fa@example.com'))).body;
    await t.advance(10);
    expect((await t.get(`/sessions/${s.id}`)).body.state).toBe('pending');
    await t.advance(60);
    const done = (await t.get(`/sessions/${s.id}`)).body;
    expect(done).toMatchObject({ state: 'failed', error: 'account-locked' });
    expect(done.source.state).toBe('locked');
    // Used up: the next session follows the test accounts again.
    const next = (await t.post('/sessions', icloud('jane+no2fa@example.com'))).body;
    await t.advance(10);
    expect((await t.get(`/sessions/${next.id}`)).body.state).toBe('active');
  });

  it('loads 2fa-then-active: code-required first, then active with any code', async () => {
    const t = testMock();
    await t.post('/users', { identifier: 'u' });
    const loaded = await ctl(t, 'POST', '/scenarios/load', { name: '2fa-then-active' });
    expect(loaded.status).toBe(200);
    const first = (await t.post('/sessions', icloud('2fa-then-active@example.com'))).body;
    await t.advance(10);
    expect((await t.get(`/sessions/${first.id}`)).body).toMatchObject({
      state: 'failed',
      error: 'code-required',
    });
    const second = (await t.post('/sessions', icloud('2fa-then-active@example.com', { code: '999999' })))
      .body;
    await t.advance(10);
    expect((await t.get(`/sessions/${second.id}`)).body.state).toBe('active');
  });

  it('expires a session now with a trigger; a second expiry is a 409', async () => {
    const t = testMock();
    await t.post('/users', { identifier: 'u' });
    const s = (await t.post('/sessions', icloud('jane+no2fa@example.com'))).body;
    await t.advance(10);
    const expired = await ctl(t, 'POST', `/sessions/${s.id}/expire`, { trigger: 'service' });
    expect(expired.status).toBe(200);
    expect(expired.body).toMatchObject({ state: 'expired', error: 'service' });
    expect((await t.get(`/sessions/${s.id}`)).body.state).toBe('expired');
    expect((await ctl(t, 'POST', `/sessions/${s.id}/expire`, { trigger: 'admin' })).status).toBe(409);
    expect((await ctl(t, 'POST', '/sessions/00000000-0000-4000-8000-000000000000/expire')).status).toBe(404);
  });

  it('forces a task failure for a data type', async () => {
    const t = testMock();
    await t.post('/users', { identifier: 'u' });
    const s = (await t.post('/sessions', icloud('jane+no2fa@example.com'))).body;
    await t.advance(10);
    const forced = await ctl(t, 'POST', '/scenarios/tasks', {
      type: 'callkit.calls',
      error: 'service-unavailable',
    });
    expect(forced.status).toBe(201);
    const poll = (
      await t.post('/polls', { session: s.id, payload: { data_types: ['callkit.calls', 'ios_notes.notes'] } })
    ).body;
    await t.advance(60);
    const done = (await t.get(`/polls/${poll.id}`)).body;
    expect(done.state).toBe('completed');
    expect(done.tasks_failed).toHaveLength(1);
    expect(done.tasks_succeeded).toHaveLength(1);
    expect(done.errors.data[0] ?? done.errors[0]).toMatchObject({ error: 'service-unavailable' });
  });

  it('loads expired-mid-poll: the session expires (service) while the poll runs', async () => {
    const t = testMock();
    await t.post('/users', { identifier: 'u' });
    await ctl(t, 'POST', '/scenarios/load', { name: 'expired-mid-poll' });
    const s = (await t.post('/sessions', icloud('expired-mid-poll@example.com'))).body;
    await t.advance(10);
    expect((await t.get(`/sessions/${s.id}`)).body.state).toBe('active');
    const poll = (
      await t.post('/polls', { session: s.id, payload: { data_types: ['callkit.calls', 'ios_notes.notes'] } })
    ).body;
    await t.advance(60);
    expect((await t.get(`/sessions/${s.id}`)).body).toMatchObject({ state: 'expired', error: 'service' });
    const done = (await t.get(`/polls/${poll.id}`)).body;
    expect(done.tasks_failed).toHaveLength(2);
  });

  it('loads relay-two-devices: a pairing code whose instance has two devices', async () => {
    const t = testMock();
    const loaded = await ctl(t, 'POST', '/scenarios/load', { name: 'relay-two-devices' });
    const { relay_code: code, devices } = loaded.body.applied[0];
    expect(devices).toHaveLength(2);
    await t.post('/users', { identifier: 'u' });
    const s = (
      await t.post('/sessions', {
        source: { user: '1', type: 'rirelay.instance', identifier: 'x' },
        payload: { code },
      })
    ).body;
    await t.advance(10);
    const session = (await t.get(`/sessions/${s.id}`)).body;
    expect(session.state).toBe('active');
    expect((await t.get(`/sources/${session.source.id}/children`)).body.total_count).toBe(2);
  });

  it('lists the named scenarios', async () => {
    const t = testMock();
    const names = (await ctl(t, 'GET', '/scenarios')).body.data.map((s: { name: string }) => s.name);
    expect(names).toEqual(
      expect.arrayContaining(['2fa-then-active', 'expired-mid-poll', 'relay-two-devices']),
    );
  });
});

describe('request journal', () => {
  it('records every ricloud request with status, tenant and error code, and caps at its size', async () => {
    const t = testMock({ control: { journal: { size: 5 } } });
    for (let i = 0; i < 7; i++) await t.get('/organisation');
    await t.get('/users/999');
    await t.get('/organisation', { token: 'nope' });
    const all = await ctl(t, 'GET', '/requests');
    expect(all.body.capacity).toBe(5);
    expect(all.body.data).toHaveLength(5);
    expect(all.body.data[0]).toMatchObject({
      method: 'GET',
      path: '/organisation',
      status: 401,
      error: 'unauthorized',
    });
    expect(all.body.data[0].organisation).toBeNull();
    expect(all.body.data[1]).toMatchObject({
      path: '/users/999',
      status: 404,
      error: 'not-found',
      organisation: 1,
    });
    expect((await ctl(t, 'GET', '/requests?status=4xx')).body.data).toHaveLength(2);
    expect((await ctl(t, 'GET', '/requests?status=404')).body.data).toHaveLength(1);
    expect((await ctl(t, 'GET', '/requests?path=/users/*')).body.data).toHaveLength(1);
    expect((await ctl(t, 'GET', '/requests?limit=2')).body.data).toHaveLength(2);
    expect((await ctl(t, 'GET', '/requests?status=abc')).status).toBe(400);
    expect((await ctl(t, 'DELETE', '/requests')).body.removed).toBe(5);
    expect((await ctl(t, 'GET', '/requests')).body.data).toEqual([]);
  });

  it('filters by mock time with since', async () => {
    const t = testMock();
    await t.get('/organisation');
    await t.advance(60);
    const cut = (await ctl(t, 'GET', '/clock')).body.now;
    await t.get('/users');
    const since = await ctl(t, 'GET', `/requests?since=${encodeURIComponent(cut)}`);
    expect(since.body.data.map((e: { path: string }) => e.path)).toEqual(['/users']);
  });

  it('redacts passwords, codes, tokens and secrets from recorded bodies', async () => {
    const t = testMock({ control: { journal: { bodies: true } } });
    await t.post('/users', { identifier: 'u' });
    await t.post('/sessions', {
      source: { user: '1', type: 'icloud.account', identifier: 'a@example.com' },
      payload: { password: 'hunter2-secret', code: '123456' },
    });
    await t.post('/keys', {});
    const text = (await ctl(t, 'GET', '/requests')).text;
    expect(text).not.toContain('hunter2-secret');
    expect(text).not.toContain('123456');
    expect(text).not.toContain(t.mock.token);
    expect(text).toContain('[REDACTED]');
    const keys = (await t.get('/keys')).body.data as { token: string }[];
    for (const k of keys) expect(text).not.toContain(k.token);
  });
});

describe('rate limit', () => {
  it('answers 429 rate-limited with Retry-After once the hour is used up, on the mock clock', async () => {
    const t = testMock();
    const cfg = await ctl(t, 'PUT', '/rate-limit', { enabled: true, limit: 3 });
    expect(cfg.body).toEqual({ enabled: true, limit: 3, window_seconds: 3600 });
    for (let i = 0; i < 3; i++) expect((await t.get('/organisation')).status).toBe(200);
    const limited = await t.get('/organisation');
    expect(limited.status).toBe(429);
    expect(limited.body.error).toBe('rate-limited');
    expect(limited.headers.get('retry-after')).toBe('3600');
    // Another tenant has its own window.
    const other = (await ctl(t, 'POST', '/organisations', { name: 'Other' })).body.token;
    expect((await t.get('/organisation', { token: other })).status).toBe(200);
    await t.advance(1800);
    expect((await t.get('/organisation')).headers.get('retry-after')).toBe('1800');
    await t.advance(1800);
    expect((await t.get('/organisation')).status).toBe(200);
  });

  it('is off by default and documented at 10,000 per hour', async () => {
    const t = testMock();
    expect((await ctl(t, 'GET', '/rate-limit')).body).toEqual({
      enabled: false,
      limit: 10000,
      window_seconds: 3600,
    });
  });
});

describe('state snapshots', () => {
  it('export → new mock → import gives byte-identical responses', async () => {
    const a = testMock({ seed: 'snap' });
    await a.post('/users', { identifier: 'u' });
    const s = (
      await a.post('/sessions', {
        source: { user: '1', type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
        payload: { password: 'x' },
      })
    ).body;
    const exported = await ctl(a, 'GET', '/state');
    const b = testMock({ seed: 'other-seed' });
    const imported = await ctl(b, 'PUT', '/state', exported.body);
    expect(imported.status).toBe(200);
    expect((await ctl(b, 'GET', '/state')).text).toBe(exported.text);
    // The pending session init job came along: both finish the same way, at the same time.
    await a.advance(10);
    await b.advance(10);
    for (const path of ['/organisation', '/users', `/sessions/${s.id}`, '/sources', '/events']) {
      expect((await b.get(path, { token: a.mock.token })).text).toBe((await a.get(path)).text);
    }
    // Ids continue from the same point.
    expect((await b.post('/users', { identifier: 'v' }, { token: a.mock.token })).text).toBe(
      (await a.post('/users', { identifier: 'v' })).text,
    );
  });

  it('rejects a state that is not an export, changing nothing', async () => {
    const t = testMock();
    const before = await state(t);
    const res = await ctl(t, 'PUT', '/state', { version: 1, seed: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid-parameters');
    expect(await state(t)).toBe(before);
  });
});
