// What the changelog (https://reincubate.com/support/ricloud/changelog/) adds that no other page describes, shown
// through HTTP: the account's names in account.info, and the Relay subscription interval's default and minimum.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestMock, testMock } from './helpers/api.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';

const dirs: string[] = [];
const receivers: Receiver[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** A valid webhook config, which scheduled polls and Relay need before a subscription (getting-started page). */
async function validWebhookConfig(t: TestMock): Promise<void> {
  const r = await startReceiver(() => 204);
  receivers.push(r);
  await t.post('/configs/webhook', { url: r.url });
  await t.advance(1);
  expect((await t.get('/configs/webhook')).body.data[0].state).toBe('valid');
}

describe('the changelog', () => {
  it('account.info carries first_name, last_name and full_name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ricloud-mock-changelog-'));
    dirs.push(dir);
    const t = testMock({ storageUrl: `local://${dir}` });
    const user = await t.post('/users', { identifier: 'names' });
    const session = await t.post('/sessions', {
      source: { user: user.body.id, type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
      payload: { password: 'pw' },
    });
    await t.advance(10);
    const created = await t.post('/polls', {
      session: session.body.id,
      payload: { info_types: ['account.info'] },
    });
    expect(created.status).toBe(201);
    await t.advance(60);
    const poll = (await t.get(`/polls/${created.body.id}`)).body;
    expect(poll.state).toBe('completed');
    const result = poll.results.data.find(
      (r: { identifier: string }) => r.identifier === 'info:account.info',
    );
    const content = JSON.parse(readFileSync(result.url.slice('local://'.length), 'utf8'));
    expect(content.data).toHaveLength(1);
    const account = content.data[0];
    expect(account.first_name).toEqual(expect.any(String));
    expect(account.last_name).toEqual(expect.any(String));
    expect(account.full_name).toBe(`${account.first_name} ${account.last_name}`);
  });

  it('a Relay subscription interval defaults to 24 hours and is at least 1 hour (under it: a 400 that creates nothing)', async () => {
    const t = testMock();
    await validWebhookConfig(t);
    const user = await t.post('/users', { identifier: 'relay-interval' });
    const session = await t.post('/sessions', {
      source: { user: user.body.id, type: 'rirelay.instance' },
      payload: { code: 'INTERVAL-1' },
    });
    await t.advance(2);
    const device = (await t.get(`/sources/${session.body.source.id}/children`)).body.data[0];
    const body = {
      session: session.body.id,
      source: device.id,
      poll_payload: { data_types: ['ios_messages.messages'] },
    };

    const tooShort = await t.post('/subscriptions', { ...body, interval: 3599 });
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.params).toHaveProperty('interval');
    expect((await t.get('/subscriptions')).body.total_count).toBe(0);

    const hourly = await t.post('/subscriptions', { ...body, interval: 3600 });
    expect(hourly.status).toBe(201);
    expect(hourly.body.interval).toBe(3600);
    const daily = await t.post('/subscriptions', body);
    expect(daily.status).toBe(201);
    expect(daily.body.interval).toBe(86_400);
  });

  it('a poll payload naming since or until is a 400 naming the field, as their place and format are unpublished', async () => {
    const t = testMock();
    const user = await t.post('/users', { identifier: 'since-until' });
    const session = await t.post('/sessions', {
      source: { user: user.body.id, type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
      payload: { password: 'pw' },
    });
    await t.advance(10);
    for (const field of ['since', 'until']) {
      const res = await t.post('/polls', {
        session: session.body.id,
        payload: { data_types: ['callkit.calls'], [field]: '2026-01-01T00:00:00Z' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid-parameters');
      expect(JSON.stringify(res.body.params)).toContain(field);
    }
    expect((await t.get('/polls')).body.total_count).toBe(0);
  });
});
