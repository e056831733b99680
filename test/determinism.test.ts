// Same seed + same requests = byte-identical responses; another seed = other tokens and ids.
import { describe, expect, it } from 'vitest';
import { type TestMock, testMock } from './helpers/api.ts';

/**
 * One scripted run across many endpoints: keys, users, sessions (iCloud and Relay), polls, tasks, results, events,
 * configs, permissions, subscriptions, errors. Every response is recorded as `status body`; ids found in earlier
 * responses feed later requests, so a difference anywhere shows up.
 */
async function script(t: TestMock): Promise<string[]> {
  const log: string[] = [];
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await t.api(method, path, { body });
    log.push(`${method} ${path} → ${res.status} ${res.text}`);
    return res.body;
  };
  await call('GET', '/organisation');
  await call('GET', '/key');
  const key = await call('POST', '/keys', { storage_config: 1 });
  await call('POST', `/keys/${key.id}/rotate`);
  const user = await call('POST', '/users', { identifier: 'determinism@example.com' });
  await call('POST', '/users', { identifier: 'determinism@example.com' });
  const session = await call('POST', '/sessions', {
    source: { user: user.id, type: 'icloud.account', identifier: 'det+no2fa@example.com' },
    payload: { password: 'pw' },
  });
  const relay = await call('POST', '/sessions', {
    source: { user: user.id, type: 'rirelay.instance', identifier: 'ignored' },
    payload: { code: '314159' },
  });
  await call('POST', '/sessions', {
    source: { user: user.id, type: 'icloud.account', identifier: 'twofactor@example.com' },
    payload: { password: 'pw' },
  });
  await t.advance(10);
  await call('GET', `/sessions/${session.id}`);
  await call('GET', `/sessions/${relay.id}`);
  await call('GET', `/sources/${relay.source.id}/children`);
  await call('GET', '/sources');
  const poll = await call('POST', '/polls', {
    session: session.id,
    payload: { info_types: ['*'], data_types: ['messages.sms', 'callkit.calls', 'ios_photos.photos'] },
  });
  await t.advance(5);
  await call('GET', `/polls/${poll.id}`);
  await t.advance(120);
  await call('GET', `/polls/${poll.id}`);
  await call('GET', `/tasks?poll=${poll.id}&limit=100`);
  const results = await call('GET', `/results?poll=${poll.id}&limit=100`);
  if (results.data?.[0]) await call('POST', `/results/${results.data[0].id}/ack`);
  await call('GET', '/events?limit=100');
  await call('POST', '/permissions', { identifier: 'det', scopes: { 'data_type:*': [] } });
  await call('POST', '/configs/storage', {
    url: 's3://det-bucket/prefix',
    credentials: { access_key_id: 'AKIA', secret_access_key: 'secret' },
  });
  // A receiver on a closed loopback port: the test task and event deliveries fail the same way every time.
  await call('POST', '/configs/webhook', { url: 'http://127.0.0.1:9/hooks' });
  await call('POST', '/subscriptions', {
    session: session.id,
    poll_payload: { info_types: ['account.info'] },
  });
  await t.advance(60);
  await call('GET', '/subscriptions');
  await call('GET', '/configs/storage');
  await call('GET', '/configs/webhook');
  await call('DELETE', `/sessions/${session.id}`);
  await call('GET', '/users/999');
  await call('POST', '/users', { identifier: 1 });
  await call('GET', '/tasks?limit=1000');
  return log;
}

describe('determinism', () => {
  it('two mocks with the same seed answer the same requests with byte-identical bodies', async () => {
    const a = await script(testMock({ seed: 'same-seed' }));
    const b = await script(testMock({ seed: 'same-seed' }));
    expect(a.length).toBeGreaterThanOrEqual(30);
    expect(b).toEqual(a);
  });

  it('reset brings a mock back to the same answers', async () => {
    const t = testMock({ seed: 'reset-seed' });
    const first = await script(t);
    t.mock.reset();
    expect(await script(t)).toEqual(first);
  });

  it('a different seed gives different tokens and ids', async () => {
    const a = testMock({ seed: 'seed-one' });
    const b = testMock({ seed: 'seed-two' });
    expect(a.mock.token).not.toBe(b.mock.token);
    const keyA = (await a.post('/keys', {})).body;
    const keyB = (await b.post('/keys', {})).body;
    expect(keyA.token).not.toBe(keyB.token);
    const userA = (await a.post('/users', { identifier: 'u' })).body;
    const userB = (await b.post('/users', { identifier: 'u' })).body;
    const body = (user: string) => ({
      source: { user, type: 'icloud.account', identifier: 'x+no2fa@example.com' },
      payload: { password: 'pw' },
    });
    const sA = (await a.post('/sessions', body(userA.id))).body;
    const sB = (await b.post('/sessions', body(userB.id))).body;
    expect(sA.id).not.toBe(sB.id);
    // Sequential ids follow the requests, not the seed.
    expect(userA.id).toBe(userB.id);
  });
});
