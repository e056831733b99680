import { describe, expect, it } from 'vitest';
import { testMock } from './helpers/api.ts';

const COUNT3 = [{ level: 'user', type: 'count', value: 3 }];

describe('permissions', () => {
  it('creates a permission set within the organisation (201) and lists and retrieves it', async () => {
    const t = testMock();
    const res = await t.post('/permissions', {
      identifier: 'ios-app',
      scopes: { 'source_type:icloud.account': COUNT3, 'data_type:*': [] },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      resource: 'permissions',
      organisation: '1',
      identifier: 'ios-app',
      scopes: { 'source_type:icloud.account': COUNT3, 'data_type:*': [] },
    });
    // The organisation's own permissions took id 1 from the same sequence.
    expect(res.body.id).toBe('2');
    expect((await t.get(`/permissions/${res.body.id}`)).body).toEqual(res.body);
    const list = await t.get('/permissions');
    expect(list.body).toMatchObject({ resource: 'list', total_count: 1, url: '/permissions' });
    expect(list.body.data[0]).toEqual(res.body);
  });

  it('identifier is optional (null)', async () => {
    const t = testMock();
    const res = await t.post('/permissions', { scopes: {} });
    expect(res.status).toBe(201);
    expect(res.body.identifier).toBeNull();
  });

  it.each([
    ['a wider wildcard', { 'source_type:*': [] }, 'source_type:*'],
    ['another service', { 'source_type:rirelay.instance': [] }, 'source_type:rirelay.instance'],
    ['a family the organisation lacks', { 'file_type:*': [] }, 'file_type:*'],
  ])(
    'cannot exceed the organisation (%s): 403 naming the scope, nothing created',
    async (_l, scopes, scope) => {
      const t = testMock({ preset: 'getting-started' });
      const res = await t.post('/permissions', { scopes: { 'source_type:icloud.account': [], ...scopes } });
      expect(res.status).toBe(403);
      expect(res.body.error).toBe('permission-denied');
      expect(res.body.params.scope).toBe(scope);
      expect((await t.get('/permissions')).body.total_count).toBe(0);
    },
  );

  it('a narrower pattern of an organisation wildcard is allowed', async () => {
    const t = testMock({ preset: 'getting-started' });
    const res = await t.post('/permissions', {
      scopes: { 'source_type:icloud.account': [], 'source_type:icloud.*': [] },
    });
    expect(res.status).toBe(201);
  });

  it('updates identifier and scopes; scopes beyond the organisation leave the set unchanged', async () => {
    const t = testMock({ preset: 'getting-started' });
    const p = (await t.post('/permissions', { identifier: 'a', scopes: { 'task_type:*': [] } })).body;
    const ok = await t.post(`/permissions/${p.id}`, {
      identifier: 'b',
      scopes: { 'source_type:icloud.account': COUNT3 },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ...p, identifier: 'b', scopes: { 'source_type:icloud.account': COUNT3 } });
    const denied = await t.post(`/permissions/${p.id}`, { identifier: 'c', scopes: { 'data_type:*': [] } });
    expect(denied.status).toBe(403);
    expect((await t.get(`/permissions/${p.id}`)).body).toEqual(ok.body);
  });

  it.each([
    [{}, 'scopes'],
    [{ scopes: { 'nonsense:*': [] } }, 'scopes'],
    [
      { scopes: { 'source_type:x': [{ level: 'galaxy', type: 'count', value: 1 }] } },
      'scopes.source_type:x.0.level',
    ],
    [
      { scopes: { 'source_type:x': [{ level: 'user', type: 'count', value: -1 }] } },
      'scopes.source_type:x.0.value',
    ],
    [{ scopes: {}, extra: true }, 'extra'],
  ])('rejects %j with invalid-parameters naming %s', async (body, field) => {
    const t = testMock();
    const res = await t.post('/permissions', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid-parameters');
    expect(Object.keys(res.body.params).join(' ')).toContain(field);
    expect((await t.get('/permissions')).body.total_count).toBe(0);
  });

  it('unknown ids are a 404 on retrieve and update', async () => {
    const t = testMock();
    for (const res of [await t.get('/permissions/5'), await t.post('/permissions/5', { identifier: 'x' })]) {
      expect(res.status).toBe(404);
      expect(res.body.params).toEqual({ resource: 'permissions', id: '5' });
    }
  });
});
