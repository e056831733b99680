import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it("the organisation's base set nested in GET /organisation is retrievable at its id, read-only (403)", async () => {
    const t = testMock({ preset: 'getting-started' });
    const nested = (await t.get('/organisation')).body.permissions;
    const res = await t.get(`/permissions/${nested.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: String(nested.id),
      resource: 'permissions',
      organisation: '1',
      identifier: nested.identifier,
      scopes: nested.scopes,
      date_created: nested.date_created,
    });
    const update = await t.post(`/permissions/${nested.id}`, {
      scopes: { 'source_type:icloud.account': [] },
    });
    expect(update.status).toBe(403);
    expect(update.body.error).toBe('permission-denied');
    expect((await t.get('/organisation')).body.permissions).toEqual(nested);
    // The list holds the sets the organisation made for its keys.
    expect((await t.get('/permissions')).body.total_count).toBe(0);
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
  it('task_type and file_type scopes gate tasks: a task or file type outside them fails permission-denied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ricloud-mock-scopes-'));
    try {
      const t = testMock({ storageUrl: `local://${dir}` });
      const user = (await t.post('/users', { identifier: 'end-user' })).body;
      const session = (
        await t.post('/sessions', {
          source: { user: user.id, type: 'icloud.account', identifier: 'scopes+no2fa@example.com' },
          payload: { password: 'pw' },
        })
      ).body;
      await t.advance(10);
      const run = async (payload: Record<string, string[]>) => {
        const p = await t.post('/polls', { session: session.id, payload });
        expect(p.status).toBe(201);
        await t.advance(120);
        return (await t.get(`/polls/${p.body.id}`)).body;
      };
      const messages = await run({ data_types: ['ios_messages.messages'] });
      const content = JSON.parse(readFileSync(messages.results.data[0].url.slice('local://'.length), 'utf8'));
      const fileIds: string[] = content.data.flatMap((m: { attachments?: { file_id: string }[] }) =>
        (m.attachments ?? []).map((a) => a.file_id),
      );
      expect(fileIds.length).toBeGreaterThan(0);
      // The key's own set: info tasks and file tasks (the page's task_type wildcard), but no file type at all.
      const set = await t.post('/permissions', {
        identifier: 'key:1',
        scopes: {
          'source_type:*': [],
          'task_type:icloud.*.info': [],
          'task_type:icloud.account.files': [],
          'info_type:*': [],
          'data_type:*': [],
          'file_type:none': [],
        },
      });
      expect(set.status).toBe(201);
      const mixed = await run({ info_types: ['account.info'], data_types: ['callkit.calls'] });
      expect(mixed.results.data.map((r: { identifier: string }) => r.identifier)).toEqual([
        'info:account.info',
      ]);
      expect(mixed.errors.data.map((e: { error: string }) => e.error)).toEqual(['permission-denied']);
      const files = await run({ files: fileIds.slice(0, 2) });
      expect(files.results.data).toEqual([]);
      expect(files.errors.data.map((e: { error: string }) => e.error)).toEqual(
        fileIds.slice(0, 2).map(() => 'permission-denied'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
