import { describe, expect, it } from 'vitest';
import { type TestMock, testMock } from './helpers/api.ts';

/** Creates n users u1..un (ids "1".."n", oldest first). */
async function withUsers(n: number): Promise<TestMock> {
  const t = testMock();
  for (let i = 1; i <= n; i++) {
    const res = await t.post('/users', { identifier: `u${i}` });
    expect(res.body.id).toBe(String(i));
  }
  return t;
}

const ids = (body: { data: { id: string }[] }) => body.data.map((u) => u.id);

describe('pagination (on /users)', () => {
  it('defaults to 10 items, newest first, with has_more and total_count', async () => {
    const t = await withUsers(12);
    const res = await t.get('/users');
    expect(ids(res.body)).toEqual(['12', '11', '10', '9', '8', '7', '6', '5', '4', '3']);
    expect(res.body.has_more).toBe(true);
    expect(res.body.total_count).toBe(12);
    expect(res.body.url).toBe('/users');
  });

  it('has_more is false exactly when the page reaches the end', async () => {
    const t = await withUsers(10);
    const res = await t.get('/users');
    expect(res.body.data).toHaveLength(10);
    expect(res.body.has_more).toBe(false);
    const less = await t.get('/users?limit=9');
    expect(less.body.has_more).toBe(true);
    const more = await t.get('/users?limit=11');
    expect(more.body.data).toHaveLength(10);
    expect(more.body.has_more).toBe(false);
  });

  it('an empty collection is an empty list', async () => {
    const t = testMock();
    expect((await t.get('/users')).body).toEqual({
      resource: 'list',
      data: [],
      has_more: false,
      total_count: 0,
      url: '/users',
    });
  });

  it.each(['1', '1000'])('limit=%s is accepted', async (limit) => {
    const t = await withUsers(3);
    const res = await t.get(`/users?limit=${limit}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(Math.min(3, Number(limit)));
  });

  it.each(['0', '1001', '-1', 'ten', '1.5', ''])('limit=%j is a 400 naming limit', async (limit) => {
    const t = await withUsers(1);
    const res = await t.get(`/users?limit=${limit}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid-parameters');
    expect(res.body.params.limit).toEqual(expect.any(String));
  });

  it('after_id starts after that item; walking pages visits every item once', async () => {
    const t = await withUsers(7);
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await t.get(`/users?limit=3${after ? `&after_id=${after}` : ''}`);
      seen.push(...ids(res.body));
      expect(res.body.total_count).toBe(7);
      if (!res.body.has_more) break;
      after = res.body.data.at(-1).id;
    }
    expect(seen).toEqual(['7', '6', '5', '4', '3', '2', '1']);
  });

  it('after_id of the last item gives an empty page without has_more', async () => {
    const t = await withUsers(3);
    const res = await t.get('/users?after_id=1');
    expect(res.body.data).toEqual([]);
    expect(res.body.has_more).toBe(false);
    expect(res.body.total_count).toBe(3);
  });

  it('before_id stops at that item (exclusive)', async () => {
    const t = await withUsers(5);
    expect(ids((await t.get('/users?before_id=3')).body)).toEqual(['5', '4']);
    expect(ids((await t.get('/users?before_id=5')).body)).toEqual([]);
    const window = await t.get('/users?after_id=5&before_id=1&limit=2');
    expect(ids(window.body)).toEqual(['4', '3']);
    expect(window.body.has_more).toBe(true);
    const whole = await t.get('/users?after_id=5&before_id=1');
    expect(ids(whole.body)).toEqual(['4', '3', '2']);
    expect(whole.body.has_more).toBe(false);
  });

  it.each(['after_id', 'before_id'])('an unknown %s is a 400 naming it', async (name) => {
    const t = await withUsers(2);
    const res = await t.get(`/users?${name}=99`);
    expect(res.status).toBe(400);
    expect(res.body.params[name]).toEqual(expect.any(String));
  });

  it('a cursor outside the filtered collection is a 400 even if the id exists', async () => {
    const t = await withUsers(3);
    await t.post('/users/2', { state: 'deactivated' });
    expect(ids((await t.get('/users?state=active')).body)).toEqual(['3', '1']);
    const res = await t.get('/users?state=active&after_id=2');
    expect(res.status).toBe(400);
    expect(res.body.params.after_id).toBeDefined();
  });

  it('total_count counts the filtered collection, not the page', async () => {
    const t = await withUsers(4);
    await t.post('/users/1', { state: 'deactivated' });
    const res = await t.get('/users?state=active&limit=1');
    expect(ids(res.body)).toEqual(['4']);
    expect(res.body.total_count).toBe(3);
    expect(res.body.has_more).toBe(true);
  });

  it('limit=1 gives the latest item (the official client\'s "latest" helpers)', async () => {
    const t = await withUsers(3);
    expect(ids((await t.get('/users?limit=1')).body)).toEqual(['3']);
  });
});
