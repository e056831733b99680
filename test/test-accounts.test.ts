import { describe, expect, it } from 'vitest';
import { type TestMock, testMock } from './helpers/api.ts';

async function newUser(t: TestMock, identifier = 'end-user@example.com'): Promise<string> {
  const res = await t.post('/users', { identifier });
  expect([200, 201]).toContain(res.status);
  return res.body.id as string;
}

async function openSession(
  t: TestMock,
  user: string,
  type: string,
  identifier: string | undefined,
  payload: Record<string, string>,
) {
  const source: Record<string, string> = { user, type };
  if (identifier !== undefined) source.identifier = identifier;
  const res = await t.post('/sessions', { source, payload });
  expect(res.status).toBe(201);
  expect(res.body.state).toBe('pending');
  expect(res.body.error).toBeNull();
  return res.body;
}

describe('test accounts (README "Test accounts")', () => {
  const table: {
    name: string;
    type: string;
    identifier: string;
    payload: Record<string, string>;
    state: string;
    error: string | null;
    sourceState: string;
  }[] = [
    {
      name: '2FA by default',
      type: 'icloud.account',
      identifier: 'a@example.com',
      payload: { password: 'pw' },
      state: 'failed',
      error: 'code-required',
      sourceState: 'unvalidated',
    },
    {
      name: 'code 123456',
      type: 'icloud.account',
      identifier: 'a@example.com',
      payload: { password: 'pw', code: '123456' },
      state: 'active',
      error: null,
      sourceState: 'active',
    },
    {
      name: 'another code',
      type: 'icloud.account',
      identifier: 'a@example.com',
      payload: { password: 'pw', code: '111111' },
      state: 'failed',
      error: 'code-required',
      sourceState: 'unvalidated',
    },
    {
      name: '+no2fa',
      type: 'icloud.account',
      identifier: 'jane+no2fa@example.com',
      payload: { password: 'pw' },
      state: 'active',
      error: null,
      sourceState: 'active',
    },
    {
      name: 'wrong-password',
      type: 'icloud.account',
      identifier: 'a@example.com',
      payload: { password: 'wrong-password' },
      state: 'failed',
      error: 'credentials-invalid',
      sourceState: 'unvalidated',
    },
    {
      name: 'locked',
      type: 'icloud.account',
      identifier: 'a@example.com',
      payload: { password: 'locked' },
      state: 'failed',
      error: 'account-locked',
      sourceState: 'locked',
    },
    {
      name: 'unavailable',
      type: 'icloud.account',
      identifier: 'a@example.com',
      payload: { password: 'unavailable' },
      state: 'failed',
      error: 'service-unavailable',
      sourceState: 'unvalidated',
    },
    {
      name: 'mocks.mock good',
      type: 'mocks.mock',
      identifier: 'john.appleseed@reincubate.com',
      payload: { password: 'abcd1234' },
      state: 'active',
      error: null,
      sourceState: 'active',
    },
    {
      name: 'mocks.mock bad password',
      type: 'mocks.mock',
      identifier: 'john.appleseed@reincubate.com',
      payload: { password: 'abcd12345' },
      state: 'failed',
      error: 'credentials-invalid',
      sourceState: 'unvalidated',
    },
    {
      name: 'mocks.mock other account',
      type: 'mocks.mock',
      identifier: 'jane@reincubate.com',
      payload: { password: 'abcd1234' },
      state: 'failed',
      error: 'credentials-invalid',
      sourceState: 'unvalidated',
    },
  ];

  it.each(table)(
    '$name → $state $error',
    async ({ type, identifier, payload, state, error, sourceState }) => {
      const t = testMock();
      const user = await newUser(t);
      const created = await openSession(t, user, type, identifier, payload);
      expect(created.source.state).toBe('unvalidated');
      expect(created.source.identifier).toBe(identifier);

      // Nothing moves before the init time has passed on the mock clock.
      await t.advance(1);
      expect((await t.get(`/sessions/${created.id}`)).body.state).toBe('pending');

      await t.advance(1);
      const done = await t.get(`/sessions/${created.id}`);
      expect(done.status).toBe(200);
      expect(done.body.state).toBe(state);
      expect(done.body.error).toBe(error);
      expect(done.body.date_expired).toBeNull();
      expect(done.body.source.state).toBe(sourceState);

      const tasks = [...t.mock.ctx.world.orgs.get(1)!.tasks.values()].filter((x) => x.session === created.id);
      expect(tasks).toHaveLength(1);
      expect(tasks[0]).toMatchObject({
        type: 'session.init',
        state: state === 'active' ? 'succeeded' : 'failed',
        error: state === 'active' ? null : error,
        source_type: type,
      });
      expect(tasks[0]?.date_completed).not.toBeNull();
    },
  );

  it('never keeps the password anywhere in the state', async () => {
    const t = testMock();
    const user = await newUser(t);
    await openSession(t, user, 'icloud.account', 'a@example.com', {
      password: 'hunter2-secret',
      code: '123456',
    });
    await t.advance(5);
    const state = JSON.stringify([...t.mock.ctx.world.orgs.values()].map((o) => ({ ...o, blobs: [] })));
    expect(state).not.toContain('hunter2-secret');
    expect(JSON.stringify(t.mock.ctx.scheduler.pending())).not.toContain('hunter2-secret');
  });

  it('2FA: code-required, then a new session with the code reuses the source and becomes active', async () => {
    const t = testMock();
    const user = await newUser(t);
    const first = await openSession(t, user, 'icloud.account', 'tim@example.com', { password: 'pw' });
    await t.advance(2);
    const failed = await t.get(`/sessions/${first.id}`);
    expect(failed.body).toMatchObject({ state: 'failed', error: 'code-required' });

    const second = await openSession(t, user, 'icloud.account', 'tim@example.com', {
      password: 'pw',
      code: '123456',
    });
    expect(second.id).not.toBe(first.id);
    expect(second.source.id).toBe(first.source.id);
    await t.advance(2);
    const active = await t.get(`/sessions/${second.id}`);
    expect(active.body).toMatchObject({ state: 'active', error: null });
    expect(active.body.source).toMatchObject({ id: first.source.id, state: 'active' });

    // The failed session stays failed: it is final.
    expect((await t.get(`/sessions/${first.id}`)).body.state).toBe('failed');
    const sources = await t.get('/sources');
    expect(sources.body.total_count).toBe(1);
  });

  it('a later successful session unlocks a locked source', async () => {
    const t = testMock();
    const user = await newUser(t);
    const locked = await openSession(t, user, 'icloud.account', 'a+no2fa@example.com', {
      password: 'locked',
    });
    await t.advance(2);
    expect((await t.get(`/sources/${locked.source.id}`)).body.state).toBe('locked');
    await openSession(t, user, 'icloud.account', 'a+no2fa@example.com', { password: 'pw' });
    await t.advance(2);
    expect((await t.get(`/sources/${locked.source.id}`)).body.state).toBe('active');
  });

  it('the same user, type and identifier reuse one source; another user gets their own', async () => {
    const t = testMock();
    const u1 = await newUser(t, 'one');
    const u2 = await newUser(t, 'two');
    const a = await openSession(t, u1, 'icloud.account', 'x+no2fa@example.com', { password: 'pw' });
    const b = await openSession(t, u1, 'icloud.account', 'x+no2fa@example.com', { password: 'pw' });
    const c = await openSession(t, u2, 'icloud.account', 'x+no2fa@example.com', { password: 'pw' });
    const d = await openSession(t, u1, 'mocks.mock', 'x+no2fa@example.com', { password: 'pw' });
    expect(b.source.id).toBe(a.source.id);
    expect(new Set([a.source.id, c.source.id, d.source.id]).size).toBe(3);
  });

  describe('rejected requests change nothing', () => {
    const bad: { name: string; body: unknown; status: number; error: string; param: string }[] = [
      {
        name: 'unknown user',
        body: {
          source: { user: '999', type: 'icloud.account', identifier: 'a@b.c' },
          payload: { password: 'p' },
        },
        status: 400,
        error: 'invalid-parameters',
        param: 'source.user',
      },
      {
        name: 'unknown source type',
        body: { source: { user: '1', type: 'icloud.nope', identifier: 'a@b.c' }, payload: {} },
        status: 400,
        error: 'invalid-parameters',
        param: 'source.type',
      },
      {
        name: 'rirelay.source (devices come from pairing)',
        body: { source: { user: '1', type: 'rirelay.source', identifier: 'a' }, payload: {} },
        status: 400,
        error: 'invalid-parameters',
        param: 'source.type',
      },
      {
        name: 'icloud without identifier',
        body: { source: { user: '1', type: 'icloud.account' }, payload: { password: 'p' } },
        status: 400,
        error: 'invalid-parameters',
        param: 'source.identifier',
      },
      {
        name: 'relay without code',
        body: { source: { user: '1', type: 'rirelay.instance' }, payload: {} },
        status: 400,
        error: 'invalid-parameters',
        param: 'payload.code',
      },
      {
        name: 'unknown payload field',
        body: { source: { user: '1', type: 'icloud.account', identifier: 'a' }, payload: { pin: '1' } },
        status: 400,
        error: 'invalid-parameters',
        param: '',
      },
    ];
    it.each(bad)('$name → $status $error', async ({ body, status, error, param }) => {
      const t = testMock();
      await newUser(t);
      const res = await t.post('/sessions', body);
      expect(res.status).toBe(status);
      expect(res.body.error).toBe(error);
      if (param) expect(res.body.params).toHaveProperty([param]);
      const org = t.mock.ctx.world.orgs.get(1)!;
      expect(org.sessions.size).toBe(0);
      expect(org.sources.size).toBe(0);
      expect(org.tasks.size).toBe(0);
      expect(t.mock.ctx.scheduler.pending()).toHaveLength(0);
    });

    it('a deactivated source cannot open sessions (409)', async () => {
      const t = testMock();
      const user = await newUser(t);
      const s = await openSession(t, user, 'icloud.account', 'a+no2fa@example.com', { password: 'pw' });
      await t.advance(2);
      const upd = await t.post(`/sources/${s.source.id}`, { state: 'deactivated' });
      expect(upd.status).toBe(200);
      const res = await t.post('/sessions', {
        source: { user, type: 'icloud.account', identifier: 'a+no2fa@example.com' },
        payload: { password: 'pw' },
      });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ error: 'invalid-state', params: { state: 'deactivated' } });
      expect(t.mock.ctx.world.orgs.get(1)!.sessions.size).toBe(1);
    });
  });
});
