import { afterEach, describe, expect, it } from 'vitest';
import type { MockOptions } from '../server/app.ts';
import { type TestMock, testMock } from './helpers/api.ts';
import { deadUrl, type Receiver, startReceiver } from './helpers/receiver.ts';
import { validWebhookConfig } from './helpers/webhook.ts';

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const HOUR = 3600;

async function icloudSession(t: TestMock) {
  const user = await t.post('/users', { identifier: 'sub-user' });
  const session = await t.post('/sessions', {
    source: { user: user.body.id, type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
    payload: { password: 'pw' },
  });
  await t.advance(2);
  expect((await t.get(`/sessions/${session.body.id}`)).body.state).toBe('active');
  return session.body;
}

async function relaySession(t: TestMock) {
  const user = await t.post('/users', { identifier: 'relay-user' });
  const session = await t.post('/sessions', {
    source: { user: user.body.id, type: 'rirelay.instance' },
    payload: { code: 'SUB-1' },
  });
  await t.advance(2);
  const children = await t.get(`/sources/${session.body.source.id}/children`);
  return { session: session.body, device: children.body.data[0] };
}

async function withReceiver(options: MockOptions = {}) {
  const t = testMock(options);
  const r = await startReceiver(() => 200);
  receivers.push(r);
  await t.post('/configs/webhook', { url: r.url });
  await t.advance(1);
  r.requests.length = 0;
  return { t, r };
}

const autoPolls = async (t: TestMock, sub: string) =>
  (await t.get(`/polls?subscription=${sub}&requestor=subscription&limit=100`)).body.data as {
    id: string;
    state: string;
    subscription: string;
    requestor: string;
    source: string;
    results: { total_count: number };
  }[];

describe('subscriptions (iCloud)', () => {
  it('refuses a poll_payload type outside the catalogue with a 400 naming the valid types, creating nothing', async () => {
    const t = testMock();
    await validWebhookConfig(t);
    const session = await icloudSession(t);
    const res = await t.post('/subscriptions', {
      session: session.id,
      poll_payload: { data_types: ['callkit.call'] },
      interval: HOUR,
    });
    expect(res.status).toBe(400);
    expect(res.body.params['poll_payload.data_types.0']).toContain('"callkit.calls"');
    expect((await t.get('/subscriptions')).body.data).toEqual([]);
  });

  it('creates an active subscription that polls every interval on the clock, with results and poll.completed deliveries', async () => {
    const { t, r } = await withReceiver();
    const session = await icloudSession(t);
    const created = await t.post('/subscriptions', {
      session: session.id,
      poll_payload: { data_types: ['callkit.calls'] },
      interval: HOUR,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      resource: 'subscription',
      org: '1',
      session: session.id,
      source: session.source.id,
      poll_payload: { data_types: ['callkit.calls'] },
      interval: HOUR,
      date_start: null,
      date_end: null,
      state: 'active',
    });
    const id = created.body.id as string;

    await t.advance(HOUR - 1);
    expect(await autoPolls(t, id)).toHaveLength(0); // nothing early
    await t.advance(1);
    expect(await autoPolls(t, id)).toHaveLength(1);
    await t.advance(2 * HOUR);
    await t.advance(60); // let the third poll finish
    const polls = await autoPolls(t, id);
    expect(polls).toHaveLength(3);
    for (const p of polls) {
      expect(p).toMatchObject({ subscription: id, requestor: 'subscription', state: 'completed' });
      expect(p.results.total_count).toBeGreaterThan(0);
    }
    const latest = await t.get(`/polls?subscription=${id}&requestor=subscription&limit=1`);
    expect(latest.body.data[0].id).toBe(polls[0]!.id);

    const completed = r.requests
      .map((q) => JSON.parse(q.body))
      .filter((e) => e.type === 'poll' && e.action === 'completed');
    expect(completed.map((e) => e.data.id).sort()).toEqual(polls.map((p) => p.id).sort());
    for (const e of completed) expect(e.data.subscription).toBe(id);
    expect((await t.get(`/subscriptions/${id}`)).body.state).toBe('active');
  });

  it('defaults interval to a day and refuses less than an hour with a 400 naming interval, creating nothing', async () => {
    const t = testMock();
    await validWebhookConfig(t);
    const session = await icloudSession(t);
    const short = await t.post('/subscriptions', {
      session: session.id,
      poll_payload: { data_types: ['callkit.calls'] },
      interval: HOUR - 1,
    });
    expect(short.status).toBe(400);
    expect(Object.keys(short.body.params)).toEqual(['interval']);
    expect((await t.get('/subscriptions')).body.total_count).toBe(0);
    const dflt = await t.post('/subscriptions', {
      session: session.id,
      poll_payload: { data_types: ['callkit.calls'] },
    });
    expect(dflt.body.interval).toBe(86_400);
  });

  it('delete → deleted, no more polls; deleting again changes nothing', async () => {
    const t = testMock();
    await validWebhookConfig(t);
    const session = await icloudSession(t);
    const sub = (await t.post('/subscriptions', { session: session.id, poll_payload: { info_types: ['*'] } }))
      .body;
    expect(sub.interval).toBe(86_400);
    await t.advance(86_400);
    expect(await autoPolls(t, sub.id)).toHaveLength(1);
    const other = (
      await t.post('/subscriptions', { session: session.id, poll_payload: { info_types: ['*'] } })
    ).body;
    const del = await t.del(`/subscriptions/${sub.id}`);
    expect(del.status).toBe(200);
    expect(del.body.state).toBe('deleted');
    await t.advance(3 * 86_400);
    expect(await autoPolls(t, sub.id)).toHaveLength(1);
    expect(await autoPolls(t, other.id)).toHaveLength(3); // only the deleted one stopped
    const jobs = t.mock.ctx.scheduler.pending().filter((j) => j.kind.startsWith('subscription.'));
    expect(jobs.map((j) => j.args.subscription)).toEqual([other.id]);
    const again = await t.del(`/subscriptions/${sub.id}`);
    expect(again.body.state).toBe('deleted');
    expect((await t.get('/subscriptions?state=deleted')).body.total_count).toBe(1);
  });

  it('polls between date_start and date_end only', async () => {
    const t = testMock();
    await validWebhookConfig(t);
    const session = await icloudSession(t);
    const start = t.mock.clock.now() + 2 * HOUR * 1000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const sub = (
      await t.post('/subscriptions', {
        session: session.id,
        poll_payload: { data_types: ['callkit.calls'] },
        interval: HOUR,
        date_start: iso(start),
        date_end: iso(start + 2.5 * HOUR * 1000),
      })
    ).body;
    expect(sub.date_start).toBe('2026-01-01T02:00:03.000000Z'); // 1 s validating the webhook config, 2 s the session
    await t.advance(2 * HOUR - 1);
    expect(await autoPolls(t, sub.id)).toHaveLength(0);
    await t.advance(1);
    expect(await autoPolls(t, sub.id)).toHaveLength(1);
    await t.advance(10 * HOUR);
    expect(await autoPolls(t, sub.id)).toHaveLength(3);
  });

  it('accepts a manual poll against an active subscription (requestor user)', async () => {
    const t = testMock();
    await validWebhookConfig(t);
    const session = await icloudSession(t);
    const sub = (
      await t.post('/subscriptions', { session: session.id, poll_payload: { data_types: ['callkit.calls'] } })
    ).body;
    const poll = await t.post('/polls', { subscription: sub.id, payload: { data_types: ['messages.sms'] } });
    expect(poll.status).toBe(201);
    expect(poll.body).toMatchObject({ subscription: sub.id, session: session.id, requestor: 'user' });
  });

  it.each([
    ['an interval under 1 h', { interval: 3599 }, 400, 'invalid-parameters'],
    ['an empty payload', { poll_payload: {} }, 400, 'invalid-parameters'],
    [
      'date_end before date_start',
      { date_start: '2026-02-01T00:00:00Z', date_end: '2026-01-15T00:00:00Z' },
      400,
      'invalid-parameters',
    ],
    ['an unknown session', { session: '00000000-0000-4000-8000-000000000000' }, 404, 'not-found'],
    ['an unknown source', { source: '999' }, 404, 'not-found'],
  ])('rejects %s, creating nothing', async (_name, patch, status, error) => {
    const t = testMock();
    await validWebhookConfig(t);
    const session = await icloudSession(t);
    const res = await t.post('/subscriptions', {
      session: session.id,
      poll_payload: { data_types: ['callkit.calls'] },
      ...patch,
    });
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
    expect((await t.get('/subscriptions')).body.total_count).toBe(0);
  });

  it('rejects a session that is not active with a 409', async () => {
    const t = testMock();
    await validWebhookConfig(t);
    const session = await icloudSession(t);
    await t.del(`/sessions/${session.id}`);
    const res = await t.post('/subscriptions', {
      session: session.id,
      poll_payload: { data_types: ['callkit.calls'] },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'invalid-state', params: { state: 'expired' } });
    expect((await t.get('/subscriptions')).body.total_count).toBe(0);
  });

  it('lists with session, source and state filters; another id is a 404', async () => {
    const t = testMock();
    await validWebhookConfig(t);
    const session = await icloudSession(t);
    const a = (
      await t.post('/subscriptions', { session: session.id, poll_payload: { data_types: ['callkit.calls'] } })
    ).body;
    const b = (
      await t.post('/subscriptions', { session: session.id, poll_payload: { data_types: ['messages.sms'] } })
    ).body;
    await t.del(`/subscriptions/${a.id}`);
    const ids = async (q: string) =>
      (await t.get(`/subscriptions${q}`)).body.data.map((s: { id: string }) => s.id);
    expect(await ids('')).toEqual([b.id, a.id]);
    expect(await ids('?state=active')).toEqual([b.id]);
    expect(await ids(`?session=${session.id}&source=${session.source.id}`)).toEqual([b.id, a.id]);
    expect((await t.get('/subscriptions/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

describe('subscriptions need a valid webhook config', () => {
  it('answers 409 organisation-unconfigured while no valid webhook config applies, creating nothing; 201 once one is valid', async () => {
    const t = testMock();
    const session = await icloudSession(t);
    const body = { session: session.id, poll_payload: { data_types: ['callkit.calls'] } };
    const none = await t.post('/subscriptions', body);
    expect(none.status).toBe(409);
    expect(none.body.error).toBe('organisation-unconfigured');
    expect(none.body.message).toContain('webhook config');
    const invalid = await t.post('/configs/webhook', { url: await deadUrl() });
    await t.advance(1);
    expect((await t.get(`/configs/webhook/${invalid.body.id}`)).body.state).toBe('invalid');
    expect((await t.post('/subscriptions', body)).status).toBe(409);
    expect((await t.get('/subscriptions')).body.total_count).toBe(0);
    await validWebhookConfig(t);
    const created = await t.post('/subscriptions', body);
    expect(created.status).toBe(201);
    expect(created.body.state).toBe('active');
  });

  it("answers 409 when the key's own webhook config is not valid, even with a valid organisation default", async () => {
    const t = testMock();
    const session = await icloudSession(t);
    await validWebhookConfig(t);
    const invalid = await t.post('/configs/webhook', { url: await deadUrl() });
    await t.advance(1);
    const key = (await t.get('/key')).body;
    expect((await t.post(`/keys/${key.id}`, { webhook_config: invalid.body.id })).status).toBe(200);
    const res = await t.post('/subscriptions', {
      session: session.id,
      poll_payload: { info_types: ['account.info'] },
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('organisation-unconfigured');
  });

  it('checks the request first: a bad payload is a 400 and an unknown session a 404 even without a webhook config', async () => {
    const t = testMock();
    const bad = await t.post('/subscriptions', {
      session: '00000000-0000-4000-8000-000000000000',
      poll_payload: { data_types: [] },
    });
    expect(bad.status).toBe(400);
    const unknown = await t.post('/subscriptions', {
      session: '00000000-0000-4000-8000-000000000000',
      poll_payload: { data_types: ['callkit.calls'] },
    });
    expect(unknown.status).toBe(404);
  });
});

describe('subscriptions (Relay)', () => {
  it('stays pending until the app user allows it, then device-pushed polls arrive on the interval', async () => {
    const t = testMock();
    await validWebhookConfig(t);
    const { session, device } = await relaySession(t);
    const sub = (
      await t.post('/subscriptions', {
        session: session.id,
        source: device.id,
        poll_payload: { data_types: ['ios_messages.messages'] },
        interval: HOUR,
      })
    ).body;
    expect(sub).toMatchObject({ state: 'pending', source: device.id });
    const manual = await t.post('/polls', {
      subscription: sub.id,
      payload: { data_types: ['ios_messages.messages'] },
    });
    expect(manual.status).toBe(409);
    await t.advance(3 * HOUR);
    expect(await autoPolls(t, sub.id)).toHaveLength(0);

    const allowed = await t.post(`/_mock/subscriptions/${sub.id}/allow`);
    expect(allowed.status).toBe(200);
    expect(allowed.body.state).toBe('active');
    await t.advance(HOUR + 60);
    const polls = await autoPolls(t, sub.id);
    expect(polls).toHaveLength(1);
    expect(polls[0]).toMatchObject({ requestor: 'subscription', source: device.id, state: 'completed' });
    expect((await t.post('/_mock/subscriptions/00000000-0000-4000-8000-000000000000/allow')).status).toBe(
      404,
    );
  });

  it('is allowed automatically after timings.relayAutoAllowMs', async () => {
    const t = testMock({ timings: { relayAutoAllowMs: 60_000 } });
    await validWebhookConfig(t);
    const { session, device } = await relaySession(t);
    const sub = (
      await t.post('/subscriptions', {
        session: session.id,
        source: device.id,
        poll_payload: { data_types: ['ios_messages.messages'] },
      })
    ).body;
    await t.advance(59);
    expect((await t.get(`/subscriptions/${sub.id}`)).body.state).toBe('pending');
    await t.advance(1);
    expect((await t.get(`/subscriptions/${sub.id}`)).body.state).toBe('active');
  });

  it('a deleted pending subscription is never allowed', async () => {
    const t = testMock({ timings: { relayAutoAllowMs: 60_000 } });
    await validWebhookConfig(t);
    const { session, device } = await relaySession(t);
    const sub = (
      await t.post('/subscriptions', {
        session: session.id,
        source: device.id,
        poll_payload: { data_types: ['ios_messages.messages'] },
      })
    ).body;
    await t.del(`/subscriptions/${sub.id}`);
    await t.advance(120);
    expect((await t.get(`/subscriptions/${sub.id}`)).body.state).toBe('deleted');
    expect((await t.post(`/_mock/subscriptions/${sub.id}/allow`)).status).toBe(409);
  });
});
