import { describe, expect, it } from 'vitest';
import { testMock } from './helpers/api.ts';

describe('keys', () => {
  it('GET /key returns the calling key, token included', async () => {
    const t = testMock();
    const res = await t.get('/key');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: '1',
      resource: 'key',
      organisation: '1',
      state: 'active',
      type: 'standard',
    });
    expect(res.body.token).toBe(t.mock.token);
  });

  it('creates an active standard key whose token authenticates at once', async () => {
    const t = testMock();
    const res = await t.post('/keys', {});
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      resource: 'key',
      state: 'active',
      type: 'standard',
      storage_config: null,
    });
    expect(res.body.token).toMatch(/^[0-9a-f]{40}$/);
    expect(res.body.token).not.toBe(t.mock.token);
    const me = await t.get('/key', { token: res.body.token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(res.body.id);
  });

  it.each([
    ['a number', 1],
    ['a string', '1'],
  ])('accepts a storage_config reference as %s', async (_label, ref) => {
    const t = testMock();
    const res = await t.post('/keys', { storage_config: ref });
    expect(res.status).toBe(201);
    expect(res.body.storage_config).toBe('1');
  });

  it('rejects an unknown storage or webhook config with a 404 and creates nothing', async () => {
    const t = testMock();
    for (const body of [{ storage_config: 99 }, { webhook_config: '7' }]) {
      const res = await t.post('/keys', body);
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('not-found');
      expect(res.body.params.resource).toBe(Object.keys(body)[0]);
    }
    const list = await t.get('/keys');
    expect(list.body.total_count).toBe(1);
  });

  it('rejects bad field types and unknown fields with invalid-parameters', async () => {
    const t = testMock();
    for (const body of [
      { storage_config: 'abc' },
      { storage_config: 0 },
      { token: 'x' },
      { state: 'active' },
    ]) {
      const res = await t.post('/keys', body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid-parameters');
    }
    expect((await t.get('/keys')).body.total_count).toBe(1);
  });

  it('lists keys newest first and filters by state', async () => {
    const t = testMock();
    const k2 = (await t.post('/keys', {})).body;
    const k3 = (await t.post('/keys', {})).body;
    await t.post(`/keys/${k2.id}`, { state: 'deactivated' });
    const all = await t.get('/keys');
    expect(all.body.data.map((k: { id: string }) => k.id)).toEqual([k3.id, k2.id, '1']);
    expect(all.body.url).toBe('/keys');
    const deactivated = await t.get('/keys?state=deactivated');
    expect(deactivated.body.data.map((k: { id: string }) => k.id)).toEqual([k2.id]);
    const bad = await t.get('/keys?state=sleeping');
    expect(bad.status).toBe(400);
    expect(bad.body.params.state).toBeDefined();
  });

  it('retrieves a key, and an unknown id is a 404 naming it', async () => {
    const t = testMock();
    expect((await t.get('/keys/1')).body.id).toBe('1');
    const res = await t.get('/keys/42');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: 'not-found',
      message: expect.any(String),
      params: { resource: 'key', id: '42' },
    });
  });

  it('updates storage_config, webhook_config and state, returning the key', async () => {
    const t = testMock();
    const k = (await t.post('/keys', {})).body;
    const set = await t.post(`/keys/${k.id}`, { storage_config: 1 });
    expect(set.status).toBe(200);
    expect(set.body.storage_config).toBe('1');
    const cleared = await t.post(`/keys/${k.id}`, { storage_config: null });
    expect(cleared.body.storage_config).toBeNull();
    const off = await t.post(`/keys/${k.id}`, { state: 'deactivated' });
    expect(off.body.state).toBe('deactivated');
    expect((await t.get('/key', { token: k.token })).status).toBe(401);
    const on = await t.post(`/keys/${k.id}`, { state: 'active' });
    expect(on.body.state).toBe('active');
    expect((await t.get('/key', { token: k.token })).status).toBe(200);
  });

  it('an update with an unknown reference changes nothing', async () => {
    const t = testMock();
    const k = (await t.post('/keys', { storage_config: 1 })).body;
    const res = await t.post(`/keys/${k.id}`, {
      storage_config: null,
      webhook_config: 5,
      state: 'deactivated',
    });
    expect(res.status).toBe(404);
    const after = await t.get(`/keys/${k.id}`);
    expect(after.body).toEqual(k);
  });

  it('refuses to let a key deactivate itself (409) and leaves it active', async () => {
    const t = testMock();
    const res = await t.post('/keys/1', { state: 'deactivated' });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('invalid-state');
    expect((await t.get('/key')).body.state).toBe('active');
  });

  it('another key can deactivate the first one, whose token is then rejected', async () => {
    const t = testMock();
    const k = (await t.post('/keys', {})).body;
    const res = await t.post('/keys/1', { state: 'deactivated' }, { token: k.token });
    expect(res.status).toBe(200);
    const rejected = await t.get('/organisation');
    expect(rejected.status).toBe(401);
    expect(rejected.body.error).toBe('unauthorized');
  });

  it.each(['blocked', 'expired'] as const)(
    'a %s key cannot be reactivated or rotated by the organisation (409)',
    async (state) => {
      const t = testMock();
      const k = (await t.post('/keys', {})).body;
      // Blocking (an API admin) and trial expiry have no ricloud endpoint: set the state as they would.
      const record = t.mock.ctx.world.orgs.get(1)?.keys.get(k.id);
      if (!record) throw new Error('key record missing');
      record.state = state;
      for (const res of [
        await t.post(`/keys/${k.id}`, { state: 'active' }),
        await t.post(`/keys/${k.id}/rotate`),
      ]) {
        expect(res.status).toBe(409);
        expect(res.body).toMatchObject({
          error: 'invalid-state',
          params: { resource: 'key', id: k.id, state },
        });
      }
      const after = await t.get(`/keys/${k.id}`);
      expect(after.body).toEqual({ ...k, state });
      expect((await t.get('/key', { token: k.token })).status).toBe(401);
    },
  );

  it('rotate issues a new token; the old one is rejected from then on', async () => {
    const t = testMock();
    const k = (await t.post('/keys', {})).body;
    const res = await t.post(`/keys/${k.id}/rotate`);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(k.id);
    expect(res.body.token).toMatch(/^[0-9a-f]{40}$/);
    expect(res.body.token).not.toBe(k.token);
    const old = await t.get('/key', { token: k.token });
    expect(old.status).toBe(401);
    expect(old.body.error).toBe('unauthorized');
    const fresh = await t.get('/key', { token: res.body.token });
    expect(fresh.status).toBe(200);
    expect(fresh.body.token).toBe(res.body.token);
  });

  it('a key can rotate itself and carry on with the new token', async () => {
    const t = testMock();
    const res = await t.post('/keys/1/rotate');
    expect(res.status).toBe(200);
    expect((await t.get('/organisation')).status).toBe(401);
    expect((await t.get('/organisation', { token: res.body.token })).status).toBe(200);
  });

  it('rotate of an unknown key is a 404 and rotates nothing', async () => {
    const t = testMock();
    const res = await t.post('/keys/9/rotate');
    expect(res.status).toBe(404);
    expect((await t.get('/key')).status).toBe(200);
  });

  it('every key operation requires a token', async () => {
    const t = testMock();
    for (const [method, path] of [
      ['GET', '/key'],
      ['GET', '/keys'],
      ['POST', '/keys'],
      ['GET', '/keys/1'],
      ['POST', '/keys/1'],
      ['POST', '/keys/1/rotate'],
    ] as const) {
      const res = await t.api(method, path, { token: null, body: method === 'POST' ? {} : undefined });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error).toBe('unauthorized');
    }
  });
  it('takes key-level config (publish_source_files) on create and update; a bad value is a 400 and changes nothing', async () => {
    const t = testMock();
    const created = await t.post('/keys', { config: { publish_source_files: true } });
    expect(created.status).toBe(201);
    expect(created.body.config).toEqual({ publish_source_files: true });
    const updated = await t.post(`/keys/${created.body.id}`, { config: { publish_source_files: false } });
    expect(updated.status).toBe(200);
    expect(updated.body.config).toEqual({ publish_source_files: false });
    for (const body of [{ config: { publish_source_files: 'yes' } }, { config: { other: true } }]) {
      const bad = await t.post(`/keys/${created.body.id}`, body);
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe('invalid-parameters');
    }
    expect((await t.get(`/keys/${created.body.id}`)).body).toEqual(updated.body);
  });

  it('a trial key with date_expires is refused once that date passes, and reads expired', async () => {
    const t = testMock();
    const k = (await t.post('/keys', {})).body;
    // Trial keys are issued by an API admin (no ricloud endpoint): set the type and expiry as one would.
    const record = t.mock.ctx.world.orgs.get(1)?.keys.get(k.id);
    if (!record) throw new Error('key record missing');
    record.type = 'trial';
    record.date_expires = new Date(t.mock.ctx.clock.now() + 60_000)
      .toISOString()
      .replace(/\.(\d{3})Z$/, '.$1000Z');
    const before = await t.get('/key', { token: k.token });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ type: 'trial', state: 'active', date_expires: record.date_expires });
    await t.advance(61);
    const after = await t.get('/key', { token: k.token });
    expect(after.status).toBe(401);
    expect(after.body.message).toBe('The key is expired.');
    expect((await t.get(`/keys/${k.id}`)).body).toMatchObject({ type: 'trial', state: 'expired' });
  });
});
