import { describe, expect, it } from 'vitest';
import { testMock } from './helpers/api.ts';

describe('users', () => {
  it('creates a user (201) owned by the calling key, with the walkthrough shape', async () => {
    const t = testMock();
    const res = await t.post('/users', { identifier: 'end-user-1' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: '1',
      resource: 'user',
      organisation: '1',
      key: '1',
      identifier: 'end-user-1',
      state: 'active',
      date_created: '2026-01-01T00:00:00.000000Z',
    });
  });

  it('records the key that created the user', async () => {
    const t = testMock();
    const k = (await t.post('/keys', {})).body;
    const res = await t.post('/users', { identifier: 'x' }, { token: k.token });
    expect(res.body.key).toBe(k.id);
  });

  it('creating an existing identifier returns the existing user with 200 and changes nothing', async () => {
    const t = testMock();
    const first = await t.post('/users', { identifier: 'same' });
    await t.advance(60);
    const again = await t.post('/users', { identifier: 'same' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await t.get('/users')).body.total_count).toBe(1);
  });

  it.each([
    [{}, 'identifier'],
    [{ identifier: '' }, 'identifier'],
    [{ identifier: 42 }, 'identifier'],
    [{ identifier: 'a', nickname: 'b' }, 'nickname'],
    [{ identifier: 'x'.repeat(256) }, 'identifier'],
  ])('rejects %j with invalid-parameters naming %s', async (body, field) => {
    const t = testMock();
    const res = await t.post('/users', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid-parameters');
    expect(res.body.params[field]).toEqual(expect.any(String));
    expect((await t.get('/users')).body.total_count).toBe(0);
  });

  it('retrieves a user; an unknown or malformed id is the same kind of 404', async () => {
    const t = testMock();
    const u = (await t.post('/users', { identifier: 'a' })).body;
    expect((await t.get(`/users/${u.id}`)).body).toEqual(u);
    for (const id of ['2', 'abc', '0']) {
      const res = await t.get(`/users/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.params).toEqual({ resource: 'user', id });
    }
  });

  it('updates identifier and state and returns the user', async () => {
    const t = testMock();
    const u = (await t.post('/users', { identifier: 'a' })).body;
    const res = await t.post(`/users/${u.id}`, { identifier: 'b', state: 'deactivated' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...u, identifier: 'b', state: 'deactivated' });
    expect((await t.get(`/users/${u.id}`)).body).toEqual(res.body);
  });

  it("renaming onto another user's identifier is a 400 and changes nothing", async () => {
    const t = testMock();
    const a = (await t.post('/users', { identifier: 'a' })).body;
    await t.post('/users', { identifier: 'b' });
    const res = await t.post(`/users/${a.id}`, { identifier: 'b', state: 'deactivated' });
    expect(res.status).toBe(400);
    expect(res.body.params.identifier).toMatch(/already used/);
    expect((await t.get(`/users/${a.id}`)).body).toEqual(a);
  });

  it('rejects bad update fields and unknown users', async () => {
    const t = testMock();
    const u = (await t.post('/users', { identifier: 'a' })).body;
    for (const body of [{ state: 'blocked' }, { state: 1 }, { organisation: '2' }]) {
      const res = await t.post(`/users/${u.id}`, body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid-parameters');
    }
    expect((await t.post('/users/77', { state: 'active' })).status).toBe(404);
    expect((await t.get(`/users/${u.id}`)).body).toEqual(u);
  });

  it('a blocked user stays blocked: the organisation cannot change its state (409)', async () => {
    const t = testMock();
    const u = (await t.post('/users', { identifier: 'a' })).body;
    const record = t.mock.ctx.world.orgs.get(1)?.users.get(u.id);
    if (!record) throw new Error('user record missing');
    record.state = 'blocked';
    const res = await t.post(`/users/${u.id}`, { state: 'active', identifier: 'b' });
    expect(res.status).toBe(409);
    expect(res.body.params).toMatchObject({ resource: 'user', state: 'blocked' });
    expect((await t.get(`/users/${u.id}`)).body).toEqual({ ...u, state: 'blocked' });
  });

  it('filters by identifier and state', async () => {
    const t = testMock();
    const a = (await t.post('/users', { identifier: 'a' })).body;
    const b = (await t.post('/users', { identifier: 'b' })).body;
    await t.post(`/users/${b.id}`, { state: 'deactivated' });
    const byId = await t.get('/users?identifier=a');
    expect(byId.body.data.map((u: { id: string }) => u.id)).toEqual([a.id]);
    expect(byId.body.total_count).toBe(1);
    const byState = await t.get('/users?state=deactivated');
    expect(byState.body.data.map((u: { id: string }) => u.id)).toEqual([b.id]);
    const both = await t.get('/users?identifier=a&state=deactivated');
    expect(both.body).toEqual({ resource: 'list', data: [], has_more: false, total_count: 0, url: '/users' });
    expect((await t.get('/users?state=gone')).status).toBe(400);
  });
  it('assigns a new user to another key of the organisation with `key` (a number or a string)', async () => {
    const t = testMock();
    const other = (await t.post('/keys', {})).body;
    const a = await t.post('/users', { identifier: 'a@example.com', key: other.id });
    expect(a.status).toBe(201);
    expect(a.body.key).toBe(other.id);
    const b = await t.post('/users', { identifier: 'b@example.com', key: Number(other.id) });
    expect(b.body.key).toBe(other.id);
    expect((await t.get(`/users/${a.body.id}`)).body.key).toBe(other.id);
  });

  it('a `key` outside the organisation is a 400 naming key, and creates nothing', async () => {
    const t = testMock();
    for (const key of ['99', 0, 'abc']) {
      const res = await t.post('/users', { identifier: 'x@example.com', key });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid-parameters');
      expect(Object.keys(res.body.params)).toEqual(['key']);
    }
    expect((await t.get('/users')).body.total_count).toBe(0);
  });

  it("a user on a key with fewer permissions cannot open sessions beyond that key's scopes", async () => {
    const t = testMock();
    const narrow = (await t.post('/keys', {})).body;
    expect(
      (
        await t.post('/permissions', {
          identifier: `key:${narrow.id}`,
          scopes: { 'source_type:mocks.mock': [] },
        })
      ).status,
    ).toBe(201);
    const user = (await t.post('/users', { identifier: 'end-user', key: narrow.id })).body;
    const denied = await t.post('/sessions', {
      source: { user: user.id, type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
      payload: { password: 'pw' },
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      error: 'permission-denied',
      params: { scope: 'source_type:icloud.account' },
    });
    expect((await t.get('/sources')).body.total_count).toBe(0);
    const allowed = await t.post('/sessions', {
      source: { user: user.id, type: 'mocks.mock', identifier: 'john.appleseed@reincubate.com' },
      payload: { password: 'abcd1234' },
    });
    expect(allowed.status).toBe(201);
  });
  it('a key-level count limit counts the sources of every user assigned to that key', async () => {
    const t = testMock();
    const narrow = (await t.post('/keys', {})).body;
    await t.post('/permissions', {
      identifier: `key:${narrow.id}`,
      scopes: { 'source_type:icloud.account': [{ level: 'key', type: 'count', value: 1 }] },
    });
    const a = (await t.post('/users', { identifier: 'a', key: narrow.id })).body;
    const b = (await t.post('/users', { identifier: 'b', key: narrow.id })).body;
    const open = (user: string, identifier: string) =>
      t.post('/sessions', {
        source: { user, type: 'icloud.account', identifier },
        payload: { password: 'pw' },
      });
    expect((await open(a.id, 'a+no2fa@example.com')).status).toBe(201);
    const over = await open(b.id, 'b+no2fa@example.com');
    expect(over.status).toBe(403);
    expect(over.body).toMatchObject({ error: 'limit-exceeded', params: { level: 'key', value: 1 } });
  });
});
