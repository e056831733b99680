import { describe, expect, it } from 'vitest';
import { testMock } from './helpers/api.ts';

describe('organisation', () => {
  it("returns the calling key's organisation with nested permissions and config lists", async () => {
    const t = testMock();
    const res = await t.get('/organisation');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: 1,
      resource: 'organisation',
      name: 'Mock Organisation',
      slug: 'mock-organisation',
      state: 'active',
      storage_config_default: '1',
      webhook_config_default: null,
    });
    expect(res.body.storage_configs).toMatchObject({
      resource: 'list',
      total_count: 1,
      url: '/configs/storage',
    });
    expect(res.body.storage_configs.data[0].credentials).toBeNull();
    expect(res.body.webhook_configs).toEqual({
      resource: 'list',
      data: [],
      has_more: false,
      total_count: 0,
      url: '/configs/webhook',
    });
  });

  it('updates the name (the slug follows) and config, and returns the organisation', async () => {
    const t = testMock();
    const res = await t.post('/organisation', {
      name: 'Ünïcode Labs Ltd.',
      config: { publish_source_files: true },
    });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Ünïcode Labs Ltd.');
    expect(res.body.slug).toBe('unicode-labs-ltd');
    expect(res.body.config).toEqual({ publish_source_files: true });
    expect((await t.get('/organisation')).body).toEqual(res.body);
  });

  it('sets and clears the default storage config; numbers and strings are both accepted', async () => {
    const t = testMock();
    expect(
      (await t.post('/organisation', { storage_config_default: null })).body.storage_config_default,
    ).toBeNull();
    expect((await t.post('/organisation', { storage_config_default: 1 })).body.storage_config_default).toBe(
      '1',
    );
    expect((await t.post('/organisation', { storage_config_default: '1' })).body.storage_config_default).toBe(
      '1',
    );
  });

  it('an unknown default config is a 404 and nothing changes', async () => {
    const t = testMock();
    const before = (await t.get('/organisation')).body;
    for (const body of [
      { name: 'Changed', storage_config_default: 9 },
      { name: 'Changed', webhook_config_default: '3' },
    ]) {
      const res = await t.post('/organisation', body);
      expect(res.status).toBe(404);
      expect(res.body.error).toBe('not-found');
    }
    expect((await t.get('/organisation')).body).toEqual(before);
  });

  it.each([
    [{ name: 5 }, 'name'],
    [{ state: 'active' }, 'state'],
    [{ config: { publish_source_files: 'yes' } }, 'config.publish_source_files'],
    [{ storage_config_default: 'abc' }, 'storage_config_default'],
  ])('rejects %j naming %s, changing nothing', async (body, field) => {
    const t = testMock();
    const before = (await t.get('/organisation')).body;
    const res = await t.post('/organisation', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid-parameters');
    expect(Object.keys(res.body.params)).toContain(field);
    expect((await t.get('/organisation')).body).toEqual(before);
  });

  it('without a token, both operations are a 401 in the error shape', async () => {
    const t = testMock();
    for (const res of [
      await t.get('/organisation', { token: null }),
      await t.post('/organisation', {}, { token: null }),
    ]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'unauthorized', message: expect.any(String), params: {} });
    }
  });
  it('names the API version the organisation is configured to use (v3) and its standard type', async () => {
    const t = testMock();
    const res = await t.get('/organisation');
    expect(res.body.api_version).toBe('v3');
    expect(res.body.type).toBe('standard');
    expect((await t.post('/organisation', { name: 'Renamed' })).body.api_version).toBe('v3');
  });

  it.each(['deactivated', 'blocked'] as const)(
    "a %s organisation's keys are refused with a 401 on every operation",
    async (state) => {
      const t = testMock();
      // Deactivation (its owner's request) and blocking (an API admin) have no ricloud endpoint: set the state.
      const org = t.mock.ctx.world.orgs.get(1);
      if (!org) throw new Error('organisation missing');
      org.organisation.state = state;
      for (const res of [
        await t.get('/organisation'),
        await t.get('/users'),
        await t.post('/users', { identifier: 'x' }),
      ]) {
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject({ error: 'unauthorized', message: `The organisation is ${state}.` });
      }
      expect(org.users.values().length).toBe(0);
    },
  );
});
