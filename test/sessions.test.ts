import { describe, expect, it } from 'vitest';
import type { Scopes } from '../openapi/types.ts';
import { createOrganisation, GETTING_STARTED_SCOPES } from '../server/domain/presets.ts';
import { expireSession, touchSession } from '../server/domain/session.ts';
import { forceSessionOutcome, listSessionOutcomes } from '../server/domain/session-outcomes.ts';
import { type TestMock, testMock } from './helpers/api.ts';

const NO2FA = 'jane+no2fa@example.com';

async function newUser(t: TestMock, identifier = 'end-user', token?: string): Promise<string> {
  const res = await t.post('/users', { identifier }, token ? { token } : {});
  expect([200, 201]).toContain(res.status);
  return res.body.id as string;
}

function sessionBody(
  user: string,
  identifier = NO2FA,
  type = 'icloud.account',
  payload = { password: 'pw' },
) {
  return { source: { user, type, identifier }, payload };
}

function org1(t: TestMock) {
  const org = t.mock.ctx.world.orgs.get(1);
  if (!org) throw new Error('no org 1');
  return org;
}

/** An extra organisation with its own token (a second tenant, or one with narrow scopes). */
function addOrg(t: TestMock, scopes?: Scopes) {
  return createOrganisation(t.mock.ctx, { name: 'Other', ...(scopes ? { scopes } : {}) });
}

describe('POST /sessions', () => {
  it('answers 201 pending with the nested source, and schedules the init on the clock', async () => {
    const t = testMock();
    const user = await newUser(t);
    const res = await t.post('/sessions', sessionBody(user));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      resource: 'session',
      organisation: '1',
      key: '1',
      user,
      state: 'pending',
      error: null,
      date_expired: null,
      source: { resource: 'source', user, type: 'icloud.account', identifier: NO2FA, state: 'unvalidated' },
    });
    const task = org1(t).tasks.values()[0];
    expect(task).toMatchObject({
      type: 'session.init',
      session: res.body.id,
      poll: null,
      state: 'processing',
    });
    const tasks = await t.get(`/tasks?session=${res.body.id}`);
    expect(tasks.status).toBe(200);
    expect(tasks.body.data).toHaveLength(1);
    expect(tasks.body.data[0]).toMatchObject({ id: task?.id, type: 'session.init' });
  });

  it('init time follows timings.sessionInitMs', async () => {
    const t = testMock({ timings: { sessionInitMs: 10_000 } });
    const user = await newUser(t);
    const res = await t.post('/sessions', sessionBody(user));
    await t.advance(9.999);
    expect((await t.get(`/sessions/${res.body.id}`)).body.state).toBe('pending');
    await t.advance(0.001);
    expect((await t.get(`/sessions/${res.body.id}`)).body.state).toBe('active');
  });

  it('Ricloud-Await on a manual clock holds the answer until the clock is advanced past the transition', async () => {
    const t = testMock();
    const user = await newUser(t);
    const answer = t.post('/sessions', sessionBody(user), { headers: { 'Ricloud-Await': '10' } });
    // The request is held by the server (GET /_mock/clock counts it); then the test moves time.
    let awaiting = 0;
    for (let i = 0; i < 1000 && awaiting === 0; i++) awaiting = (await t.get('/_mock/clock')).body.awaiting;
    expect(awaiting).toBe(1);
    await t.advance(2);
    const res = await answer;
    expect(res.status).toBe(201);
    expect(res.body.state).toBe('active');
    expect((await t.get('/_mock/clock')).body.awaiting).toBe(0);
  });

  it('Ricloud-Await on a manual clock with no advance answers pending at the wall limit (the header, 1 s)', async () => {
    const t = testMock();
    const user = await newUser(t);
    const started = performance.now();
    const res = await t.post('/sessions', sessionBody(user), { headers: { 'Ricloud-Await': '1' } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
    expect(res.status).toBe(201);
    expect(res.body.state).toBe('pending');
    expect((await t.get('/_mock/clock')).body).toMatchObject({
      awaiting: 0,
      now: '2026-01-01T00:00:00.000000Z',
    });
  });
});

describe('scopes and limits', () => {
  it('a source type outside the scopes is 403 permission-denied and changes nothing', async () => {
    const t = testMock();
    const { org, key } = addOrg(t, GETTING_STARTED_SCOPES);
    const user = await newUser(t, 'u', key.token);
    const res = await t.post(
      '/sessions',
      sessionBody(user, 'john.appleseed@reincubate.com', 'mocks.mock', { password: 'abcd1234' }),
      { token: key.token },
    );
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({
      error: 'permission-denied',
      params: { scope: 'source_type:mocks.mock' },
    });
    expect(org.sessions.size).toBe(0);
    expect(org.sources.size).toBe(0);
    // source_type:icloud.* allows icloud.account
    const ok = await t.post('/sessions', sessionBody(user), { token: key.token });
    expect(ok.status).toBe(201);
  });

  it('a count limit per user is 403 limit-exceeded for a new source; reusing a source is fine', async () => {
    const t = testMock();
    const { org, key } = addOrg(t, {
      'source_type:icloud.*': [{ level: 'user', type: 'count', value: 1 }],
      'task_type:*': [],
    });
    const u1 = await newUser(t, 'one', key.token);
    const u2 = await newUser(t, 'two', key.token);
    expect((await t.post('/sessions', sessionBody(u1, 'a+no2fa@x.com'), { token: key.token })).status).toBe(
      201,
    );
    const before = JSON.stringify({
      s: org.sessions.values(),
      src: org.sources.values(),
      t: org.tasks.values(),
    });
    const res = await t.post('/sessions', sessionBody(u1, 'b+no2fa@x.com'), { token: key.token });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({
      error: 'limit-exceeded',
      params: { scope: 'source_type:icloud.*', level: 'user', value: 1 },
    });
    expect(
      JSON.stringify({ s: org.sessions.values(), src: org.sources.values(), t: org.tasks.values() }),
    ).toBe(before);
    // The same source again is not a new source.
    expect((await t.post('/sessions', sessionBody(u1, 'a+no2fa@x.com'), { token: key.token })).status).toBe(
      201,
    );
    // Another user has their own allowance.
    expect((await t.post('/sessions', sessionBody(u2, 'b+no2fa@x.com'), { token: key.token })).status).toBe(
      201,
    );
  });

  it('an organisation-level count limit counts every user', async () => {
    const t = testMock();
    const { key } = addOrg(t, {
      'source_type:icloud.account': [{ level: 'organisation', type: 'count', value: 2 }],
    });
    const u1 = await newUser(t, 'one', key.token);
    const u2 = await newUser(t, 'two', key.token);
    expect((await t.post('/sessions', sessionBody(u1, 'a@x.com'), { token: key.token })).status).toBe(201);
    expect((await t.post('/sessions', sessionBody(u2, 'b@x.com'), { token: key.token })).status).toBe(201);
    const res = await t.post('/sessions', sessionBody(u2, 'c@x.com'), { token: key.token });
    expect(res.status).toBe(403);
    expect(res.body.params).toMatchObject({ level: 'organisation', value: 2 });
  });

  it("a key's permission set (identifier key:<id>) narrows the organisation's scopes", async () => {
    const t = testMock();
    const user = await newUser(t);
    const set = await t.post('/permissions', {
      identifier: 'key:1',
      scopes: { 'source_type:mocks.mock': [] },
    });
    expect(set.status).toBe(201);
    const res = await t.post('/sessions', sessionBody(user));
    expect(res.status).toBe(403);
    expect(res.body.params.scope).toBe('source_type:icloud.account');
    const ok = await t.post(
      '/sessions',
      sessionBody(user, 'john.appleseed@reincubate.com', 'mocks.mock', { password: 'abcd1234' }),
    );
    expect(ok.status).toBe(201);
  });
});

describe('expiry', () => {
  it('DELETE expires an active session with error organisation and records session.expired', async () => {
    const t = testMock();
    const user = await newUser(t);
    const created = await t.post('/sessions', sessionBody(user));
    await t.advance(2);
    await t.advance(10);
    const res = await t.del(`/sessions/${created.body.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: created.body.id,
      state: 'expired',
      error: 'organisation',
      date_expired: '2026-01-01T00:00:12.000000Z',
    });
    const events = org1(t).events.values();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'session', action: 'expired', data: res.body });
    expect((await t.get(`/sessions/${created.body.id}`)).body.state).toBe('expired');

    // DIVERGENCE(sessions.delete-finished): deleting again returns the session unchanged, without a second event.
    await t.advance(5);
    const again = await t.del(`/sessions/${created.body.id}`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
    expect(org1(t).events.size).toBe(1);
  });

  it('DELETE of a pending session expires it; the init that follows changes nothing', async () => {
    const t = testMock();
    const user = await newUser(t);
    const created = await t.post('/sessions', sessionBody(user));
    const res = await t.del(`/sessions/${created.body.id}`);
    expect(res.body).toMatchObject({ state: 'expired', error: 'organisation' });
    await t.advance(5);
    const after = await t.get(`/sessions/${created.body.id}`);
    expect(after.body).toMatchObject({ state: 'expired', error: 'organisation' });
    expect(after.body.source.state).toBe('unvalidated');
    expect(org1(t).tasks.values()[0]).toMatchObject({ state: 'failed', error: 'session-expired' });
  });

  it('DELETE of a failed session returns it unchanged', async () => {
    const t = testMock();
    const user = await newUser(t);
    const created = await t.post('/sessions', sessionBody(user, 'a@x.com'));
    await t.advance(2);
    const res = await t.del(`/sessions/${created.body.id}`);
    expect(res.body).toMatchObject({ state: 'failed', error: 'code-required', date_expired: null });
    expect(org1(t).events.size).toBe(0);
  });

  it('an unused active session expires with error api after the idle time; a use restarts the period', async () => {
    const t = testMock({ timings: { sessionIdleMs: 60_000 } });
    const user = await newUser(t);
    const created = await t.post('/sessions', sessionBody(user));
    const id = created.body.id as string;
    await t.advance(2); // active at 2 s
    await t.advance(30);
    expect(touchSession(t.mock.ctx, org1(t), id)).toBe(true); // used at 32 s
    await t.advance(59); // 91 s: 59 s after the use
    expect((await t.get(`/sessions/${id}`)).body.state).toBe('active');
    await t.advance(1); // 92 s
    const expired = await t.get(`/sessions/${id}`);
    expect(expired.body).toMatchObject({
      state: 'expired',
      error: 'api',
      date_expired: '2026-01-01T00:01:32.000000Z',
    });
    expect(org1(t).events.values()[0]).toMatchObject({ type: 'session', action: 'expired' });
    expect(touchSession(t.mock.ctx, org1(t), id)).toBe(false);
  });

  it('sessionIdleMs null: sessions never idle out', async () => {
    const t = testMock({ timings: { sessionIdleMs: null } });
    const user = await newUser(t);
    const created = await t.post('/sessions', sessionBody(user));
    await t.advance(365 * 86400);
    expect((await t.get(`/sessions/${created.body.id}`)).body.state).toBe('active');
  });

  it('expireSession serves the control API triggers (service, admin)', async () => {
    const t = testMock();
    const user = await newUser(t);
    const a = await t.post('/sessions', sessionBody(user, 'a+no2fa@x.com'));
    const b = await t.post('/sessions', sessionBody(user, 'b+no2fa@x.com'));
    await t.advance(2);
    const org = org1(t);
    expect(expireSession(t.mock.ctx, org, org.sessions.get(a.body.id)!, 'service')).toBe(true);
    expect(expireSession(t.mock.ctx, org, org.sessions.get(b.body.id)!, 'admin')).toBe(true);
    expect(expireSession(t.mock.ctx, org, org.sessions.get(b.body.id)!, 'service')).toBe(false);
    expect((await t.get(`/sessions/${a.body.id}`)).body.error).toBe('service');
    expect((await t.get(`/sessions/${b.body.id}`)).body.error).toBe('admin');
    expect(org.events.size).toBe(2);
  });
});

describe('forced scenarios', () => {
  it('overrides the test-accounts table for the next N sessions of a source identifier', async () => {
    const t = testMock();
    const user = await newUser(t);
    forceSessionOutcome(org1(t), {
      match: { sourceIdentifier: NO2FA },
      outcome: { state: 'failed', error: 'service-unavailable' },
      remaining: 2,
    });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await t.post('/sessions', sessionBody(user))).body.id);
    await t.advance(2);
    const states = await Promise.all(ids.map(async (id) => (await t.get(`/sessions/${id}`)).body));
    expect(states.map((s) => [s.state, s.error])).toEqual([
      ['failed', 'service-unavailable'],
      ['failed', 'service-unavailable'],
      ['active', null],
    ]);
    expect(listSessionOutcomes(org1(t))).toEqual([]);
  });

  it('can force a session by id, with a delay and a locked source', async () => {
    const t = testMock();
    const user = await newUser(t);
    const created = await t.post('/sessions', sessionBody(user, 'code@x.com'));
    const other = await t.post('/sessions', sessionBody(user, 'code@x.com'));
    forceSessionOutcome(org1(t), {
      match: { sessionId: created.body.id },
      outcome: { state: 'failed', error: 'account-locked', sourceState: 'locked', delayMs: 5_000 },
    });
    await t.advance(2);
    expect((await t.get(`/sessions/${created.body.id}`)).body.state).toBe('pending');
    expect((await t.get(`/sessions/${other.body.id}`)).body.error).toBe('code-required');
    await t.advance(5);
    const done = await t.get(`/sessions/${created.body.id}`);
    expect(done.body).toMatchObject({ state: 'failed', error: 'account-locked' });
    expect(done.body.source.state).toBe('locked');
  });

  it('can force success for an account that would need a code', async () => {
    const t = testMock();
    const user = await newUser(t);
    forceSessionOutcome(org1(t), {
      match: { sourceIdentifier: 'tim@x.com' },
      outcome: { state: 'active' },
    });
    const created = await t.post('/sessions', sessionBody(user, 'tim@x.com'));
    await t.advance(2);
    expect((await t.get(`/sessions/${created.body.id}`)).body).toMatchObject({
      state: 'active',
      error: null,
    });
  });

  it('keeps at most 100 entries per organisation', async () => {
    const t = testMock();
    for (let i = 0; i < 150; i++) {
      forceSessionOutcome(org1(t), {
        match: { sourceIdentifier: `s${i}` },
        outcome: { state: 'active' },
      });
    }
    const entries = listSessionOutcomes(org1(t));
    expect(entries).toHaveLength(100);
    expect(entries[0]?.match.sourceIdentifier).toBe('s50');
  });
});

describe('GET /sessions', () => {
  async function seed(t: TestMock) {
    const u1 = await newUser(t, 'one');
    const u2 = await newUser(t, 'two');
    const a = (await t.post('/sessions', sessionBody(u1, 'a+no2fa@x.com'))).body;
    const b = (await t.post('/sessions', sessionBody(u1, 'b@x.com'))).body;
    const c = (await t.post('/sessions', sessionBody(u2, 'c+no2fa@x.com'))).body;
    await t.advance(2);
    const d = (await t.post('/sessions', sessionBody(u1, 'a+no2fa@x.com'))).body;
    return { u1, u2, a, b, c, d };
  }

  it('lists newest first, with filters user, source and state', async () => {
    const t = testMock();
    const { u1, u2, a, b, c, d } = await seed(t);
    const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((s) => s.id);
    const all = await t.get('/sessions');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ resource: 'list', total_count: 4, has_more: false, url: '/sessions' });
    expect(ids(all)).toEqual([d.id, c.id, b.id, a.id]);
    expect(ids(await t.get(`/sessions?user=${u1}`))).toEqual([d.id, b.id, a.id]);
    expect(ids(await t.get(`/sessions?user=${u2}`))).toEqual([c.id]);
    expect(ids(await t.get(`/sessions?source=${a.source.id}`))).toEqual([d.id, a.id]);
    expect(ids(await t.get('/sessions?state=active'))).toEqual([c.id, a.id]);
    expect(ids(await t.get('/sessions?state=failed'))).toEqual([b.id]);
    expect(ids(await t.get('/sessions?state=pending'))).toEqual([d.id]);
    expect(ids(await t.get(`/sessions?state=active&user=${u1}`))).toEqual([a.id]);
    expect((await t.get('/sessions?state=sleeping')).status).toBe(400);
    expect((await t.get('/sessions?colour=red')).status).toBe(400);
  });

  it('paginates with limit, after_id and before_id', async () => {
    const t = testMock();
    const { a, b, c, d } = await seed(t);
    const p1 = await t.get('/sessions?limit=2');
    expect(p1.body.data.map((s: { id: string }) => s.id)).toEqual([d.id, c.id]);
    expect(p1.body).toMatchObject({ has_more: true, total_count: 4 });
    const p2 = await t.get(`/sessions?limit=2&after_id=${c.id}`);
    expect(p2.body.data.map((s: { id: string }) => s.id)).toEqual([b.id, a.id]);
    expect(p2.body.has_more).toBe(false);
    const before = await t.get(`/sessions?before_id=${b.id}`);
    expect(before.body.data.map((s: { id: string }) => s.id)).toEqual([d.id, c.id]);
  });

  it("another organisation's session is a 404 like a missing one, and absent from its lists", async () => {
    const t = testMock();
    const user = await newUser(t);
    const mine = (await t.post('/sessions', sessionBody(user))).body;
    const { key } = addOrg(t);
    const theirs = await t.get(`/sessions/${mine.id}`, { token: key.token });
    const missing = await t.get('/sessions/00000000-0000-4000-8000-000000000000', { token: key.token });
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(theirs.body.error).toBe(missing.body.error);
    expect(theirs.body.params).toEqual({ resource: 'session', id: mine.id });
    expect((await t.del(`/sessions/${mine.id}`, { token: key.token })).status).toBe(404);
    expect((await t.get('/sessions', { token: key.token })).body.total_count).toBe(0);
    // Nor can another organisation open a session for this organisation's user.
    const res = await t.post('/sessions', sessionBody(user), { token: key.token });
    expect(res.status).toBe(400);
    expect(res.body.params).toEqual({ 'source.user': 'no such user' });
    expect(org1(t).sessions.get(mine.id)?.state).toBe('pending');
  });

  it('GET and DELETE of an unknown or malformed id are 404', async () => {
    const t = testMock();
    expect((await t.get('/sessions/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await t.get('/sessions/not-a-uuid')).status).toBe(404);
    expect((await t.del('/sessions/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

describe('determinism', () => {
  async function run(seed: string): Promise<string[]> {
    const t = testMock({ seed });
    const out: string[] = [];
    const user = await newUser(t);
    out.push((await t.post('/sessions', sessionBody(user))).text);
    out.push((await t.post('/sessions', sessionBody(user, 'a@x.com'))).text);
    out.push(
      (await t.post('/sessions', { source: { user, type: 'rirelay.instance' }, payload: { code: 'PAIR' } }))
        .text,
    );
    await t.advance(3);
    out.push((await t.get('/sessions')).text);
    out.push((await t.get('/sources?limit=100')).text);
    return out;
  }

  it('two mocks with the same seed answer byte-identical bodies', async () => {
    const [x, y, z] = await Promise.all([run('same'), run('same'), run('different')]);
    expect(x).toEqual(y);
    expect(z).not.toEqual(x);
  });
});

describe('not client updatable', () => {
  it('POST /sessions/{id} is a 405 (Allow: GET, DELETE) and changes nothing', async () => {
    const t = testMock();
    const user = await newUser(t);
    const created = await t.post('/sessions', sessionBody(user));
    await t.advance(2);
    const before = (await t.get(`/sessions/${created.body.id}`)).body;
    const res = await t.post(`/sessions/${created.body.id}`, { state: 'expired' });
    expect(res.status).toBe(405);
    expect(res.body.error).toBe('method-not-allowed');
    expect(res.headers.get('allow')).toBe('GET, DELETE');
    expect((await t.get(`/sessions/${created.body.id}`)).body).toEqual(before);
  });
});
