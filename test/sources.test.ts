import { describe, expect, it } from 'vitest';
import { type TestMock, testMock } from './helpers/api.ts';

/** POST /sessions for a new or existing user, then lets the session settle; returns the session and source. */
async function sessionFor(
  t: TestMock,
  userIdentifier: string,
  source: { type: string; identifier: string },
  payload: Record<string, unknown>,
) {
  const user = (await t.post('/users', { identifier: userIdentifier })).body;
  const res = await t.post('/sessions', { source: { user: user.id, ...source }, payload });
  expect(res.status).toBe(201);
  await t.advance(10);
  const session = (await t.get(`/sessions/${res.body.id}`)).body;
  return { user, session, source: session.source };
}

const icloud = (t: TestMock, user: string, apple: string, password = 'pw') =>
  sessionFor(t, user, { type: 'icloud.account', identifier: apple }, { password });
const relay = (t: TestMock, user: string, code = '246810') =>
  sessionFor(t, user, { type: 'rirelay.instance', identifier: 'ignored' }, { code });

const ids = (body: { data: { id: string }[] }) => body.data.map((s) => s.id);

describe('sources', () => {
  it('POST /sources creates an unvalidated primary source; a session on it then uses it and validates it', async () => {
    const t = testMock();
    const user = (await t.post('/users', { identifier: 'u1' })).body;
    const res = await t.post('/sources', {
      user: user.id,
      type: 'icloud.account',
      identifier: 'jane+no2fa@example.com',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      resource: 'source',
      user: user.id,
      type: 'icloud.account',
      identifier: 'jane+no2fa@example.com',
      parent: null,
      info: null,
      state: 'unvalidated',
    });
    expect(res.body.children).toMatchObject({
      resource: 'list',
      data: [],
      url: `/sources/${res.body.id}/children`,
    });
    const s = await t.post('/sessions', {
      source: { user: Number(user.id), type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
      payload: { password: 'pw' },
    });
    expect(s.body.source.id).toBe(res.body.id);
    await t.advance(10);
    expect((await t.get(`/sources/${res.body.id}`)).body.state).toBe('active');
    expect((await t.get('/sources')).body.total_count).toBe(1);
  });

  it('creating the same source again returns it unchanged (200)', async () => {
    const t = testMock();
    const user = (await t.post('/users', { identifier: 'u1' })).body;
    const body = { user: user.id, type: 'mocks.mock', identifier: 'john.appleseed@reincubate.com' };
    const first = await t.post('/sources', body);
    await t.advance(60);
    const again = await t.post('/sources', body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const other = await t.post('/sources', { ...body, identifier: 'other@example.com' });
    expect(other.status).toBe(201);
    expect((await t.get('/sources')).body.total_count).toBe(2);
  });

  it.each([
    [{ type: 'rirelay.source' }, 'type'],
    [{ type: 'rirelay.instance' }, 'type'],
    [{ type: 'icloud.backup' }, 'type'],
    [{ user: '99' }, 'user'],
    [{ identifier: '' }, 'identifier'],
    [{ parent: '1' }, 'parent'],
  ])(
    'a child or Relay type, an unknown user or a bad field is a 400 (%j naming %s), creating nothing',
    async (change, field) => {
      const t = testMock();
      const user = (await t.post('/users', { identifier: 'u1' })).body;
      const res = await t.post('/sources', {
        user: user.id,
        type: 'icloud.account',
        identifier: 'a@b.c',
        ...change,
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid-parameters');
      expect(Object.keys(res.body.params)).toContain(field);
      expect((await t.get('/sources')).body.total_count).toBe(0);
    },
  );

  it('a deactivated user is a 409; scopes and count limits apply as for sessions (403)', async () => {
    const t = testMock();
    const user = (await t.post('/users', { identifier: 'u1' })).body;
    await t.post(`/users/${user.id}`, { state: 'deactivated' });
    const off = await t.post('/sources', { user: user.id, type: 'icloud.account', identifier: 'a@b.c' });
    expect(off.status).toBe(409);
    expect(off.body).toMatchObject({
      error: 'invalid-state',
      params: { resource: 'user', state: 'deactivated' },
    });
    const active = (await t.post('/users', { identifier: 'u2' })).body;
    const set = await t.post('/permissions', {
      identifier: 'key:1',
      scopes: { 'source_type:icloud.account': [{ level: 'user', type: 'count', value: 1 }] },
    });
    expect(set.status).toBe(201);
    const denied = await t.post('/sources', { user: active.id, type: 'mocks.mock', identifier: 'a@b.c' });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      error: 'permission-denied',
      params: { scope: 'source_type:mocks.mock' },
    });
    expect(
      (await t.post('/sources', { user: active.id, type: 'icloud.account', identifier: 'a@b.c' })).status,
    ).toBe(201);
    const over = await t.post('/sources', { user: active.id, type: 'icloud.account', identifier: 'x@b.c' });
    expect(over.status).toBe(403);
    expect(over.body).toMatchObject({ error: 'limit-exceeded', params: { level: 'user', value: 1 } });
    expect((await t.get('/sources')).body.total_count).toBe(1);
  });

  it('a session creates its source, retrievable and listed, active once the session succeeds', async () => {
    const t = testMock();
    const { source, user } = await icloud(t, 'u1', 'jane+no2fa@example.com');
    const res = await t.get(`/sources/${source.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      resource: 'source',
      user: user.id,
      type: 'icloud.account',
      identifier: 'jane+no2fa@example.com',
      parent: null,
      info: null,
      state: 'active',
    });
    expect(res.body.children).toEqual({
      resource: 'list',
      data: [],
      has_more: false,
      total_count: 0,
      url: `/sources/${source.id}/children`,
    });
    expect(ids((await t.get('/sources')).body)).toEqual([source.id]);
  });

  it('a Relay instance has its devices as children, nested and at /sources/{id}/children', async () => {
    const t = testMock();
    const { source } = await relay(t, 'u1');
    expect(source.type).toBe('rirelay.instance');
    const children = await t.get(`/sources/${source.id}/children`);
    expect(children.status).toBe(200);
    expect(children.body.url).toBe(`/sources/${source.id}/children`);
    expect(children.body.total_count).toBeGreaterThanOrEqual(1);
    for (const child of children.body.data) {
      expect(child).toMatchObject({ type: 'rirelay.source', parent: source.id });
      expect(Object.keys(child.info).sort()).toEqual([
        'apple_model_id',
        'apple_serial',
        'ios_version',
        'is_encrypted',
        'name',
      ]);
    }
    const nested = (await t.get(`/sources/${source.id}`)).body.children;
    expect(nested.data).toEqual(children.body.data);
    // Children are paged like any list.
    const one = await t.get(`/sources/${source.id}/children?limit=1`);
    expect(one.body.data).toHaveLength(1);
    expect(one.body.has_more).toBe(children.body.total_count > 1);
  });

  it('filters by user, identifier, type, parent and state', async () => {
    const t = testMock();
    const a = await icloud(t, 'u1', 'a+no2fa@example.com');
    const b = await icloud(t, 'u2', 'b@example.com'); // 2FA: stays unvalidated
    const r = await relay(t, 'u2');
    const childIds = ids((await t.get(`/sources/${r.source.id}/children?limit=100`)).body);
    const q = async (query: string) => ids((await t.get(`/sources?limit=100&${query}`)).body);
    expect(await q(`user=${a.user.id}`)).toEqual([a.source.id]);
    expect(await q('identifier=b@example.com')).toEqual([b.source.id]);
    expect(await q('type=icloud.account')).toEqual([b.source.id, a.source.id]);
    expect(await q('type=rirelay.source')).toEqual(childIds);
    expect(await q(`parent=${r.source.id}`)).toEqual(childIds);
    expect(await q('state=unvalidated')).toEqual([b.source.id]);
    expect(await q(`user=${b.user.id}&type=icloud.account`)).toEqual([b.source.id]);
    expect(await q('type=nothing')).toEqual([]);
  });

  it.each([
    ['user=abc', 'user'],
    ['parent=-1', 'parent'],
    ['state=sleeping', 'state'],
    ['owner=1', 'owner'],
  ])('GET /sources?%s is a 400 naming %s', async (query, field) => {
    const t = testMock();
    const res = await t.get(`/sources?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.params[field]).toEqual(expect.any(String));
  });

  it('updates state active ↔ deactivated and returns the source', async () => {
    const t = testMock();
    const { source } = await icloud(t, 'u1', 'jane+no2fa@example.com');
    const off = await t.post(`/sources/${source.id}`, { state: 'deactivated' });
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ ...source, state: 'deactivated' });
    const on = await t.post(`/sources/${source.id}`, { state: 'active' });
    expect(on.body.state).toBe('active');
    expect((await t.get(`/sources/${source.id}`)).body).toEqual(on.body);
  });

  it('an unvalidated source cannot be set active by hand (409) and stays unvalidated', async () => {
    const t = testMock();
    const { source } = await icloud(t, 'u1', 'two-factor@example.com');
    expect(source.state).toBe('unvalidated');
    const res = await t.post(`/sources/${source.id}`, { state: 'active' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'invalid-state', params: { state: 'unvalidated' } });
    expect((await t.get(`/sources/${source.id}`)).body.state).toBe('unvalidated');
  });

  it('a locked source cannot be reactivated through the API (409)', async () => {
    const t = testMock();
    const { source } = await icloud(t, 'u1', 'locked@example.com', 'locked');
    expect(source.state).toBe('locked');
    const res = await t.post(`/sources/${source.id}`, { state: 'active' });
    expect(res.status).toBe(409);
    expect((await t.get(`/sources/${source.id}`)).body.state).toBe('locked');
  });

  it('a blocked source (an API admin) cannot be changed by the organisation nor open sessions (409)', async () => {
    const t = testMock();
    const { source, user } = await icloud(t, 'u1', 'jane+no2fa@example.com');
    // Blocking is an API admin's act with no ricloud endpoint: set the state as it would.
    const record = t.mock.ctx.world.orgs.get(1)?.sources.get(source.id);
    if (!record) throw new Error('source record missing');
    record.state = 'blocked';
    const res = await t.post(`/sources/${source.id}`, { state: 'active' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'invalid-state', params: { state: 'blocked' } });
    const s = await t.post('/sessions', {
      source: { user: user.id, type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
      payload: { password: 'pw' },
    });
    expect(s.status).toBe(409);
    expect((await t.get(`/sources/${source.id}`)).body.state).toBe('blocked');
  });

  it.each([
    [{}, 'state'],
    [{ state: 'locked' }, 'state'],
    [{ state: 'active', user: '2' }, 'user'],
  ])('rejects %j naming %s, changing nothing', async (body, field) => {
    const t = testMock();
    const { source } = await icloud(t, 'u1', 'jane+no2fa@example.com');
    const res = await t.post(`/sources/${source.id}`, body);
    expect(res.status).toBe(400);
    expect(res.body.params[field]).toEqual(expect.any(String));
    expect((await t.get(`/sources/${source.id}`)).body).toEqual(source);
  });

  it('unknown ids are a 404 on retrieve, update and children', async () => {
    const t = testMock();
    for (const res of [
      await t.get('/sources/12'),
      await t.post('/sources/12', { state: 'active' }),
      await t.get('/sources/12/children'),
      await t.get('/sources/x/children'),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.params.resource).toBe('source');
    }
  });
});
