import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { MockOptions } from '../server/app.ts';
import { emitEvent } from '../server/domain/events.ts';
import { testMock } from './helpers/api.ts';
import { type Behaviour, type ReceivedRequest, type Receiver, startReceiver } from './helpers/receiver.ts';

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** Wall time the tests' mocks sign with: far from the manual clock's 2026-01-01, and moved only by the tests. */
const WALL_START = Date.UTC(2031, 4, 6, 12, 0, 0);

/** A mock whose organisation default is a valid webhook config pointing at a real receiver. */
async function setup(behaviour: Behaviour, options: MockOptions = {}) {
  const wall = { ms: WALL_START };
  const t = testMock({ wallNow: () => wall.ms, ...options });
  const r = await startReceiver(() => 200);
  receivers.push(r);
  const config = await t.post('/configs/webhook', { url: r.url });
  await t.advance(1);
  expect((await t.get(`/configs/webhook/${config.body.id}`)).body.state).toBe('valid');
  r.requests.length = 0;
  r.behaviour = behaviour;
  const org = t.mock.ctx.world.findByToken(t.mock.token)!.org;
  const emit = (type = 'poll', action = 'created') =>
    emitEvent(t.mock.ctx, org, { type, action, data: { id: 'p1', resource: type }, keyId: '1' });
  return { t, r, org, emit, wall, secret: config.body.secret as string, configId: config.body.id as string };
}

/** The documented scheme, recomputed independently. */
function verify(req: ReceivedRequest, secret: string): number {
  const header = String(req.headers['ricloud-signature']);
  const m = /^t=(\d+),s=([A-Za-z0-9+/=]+)$/.exec(header);
  expect(m).not.toBeNull();
  const t = Number(m![1]);
  expect(m![2]).toBe(createHmac('sha256', secret).update(`${t}.${req.body}`).digest('base64'));
  return t;
}

describe('webhook deliveries', () => {
  it('delivers an event to <config url>/<event id>, signed at wall time, body = GET /events/{id} on the mock clock', async () => {
    const { t, r, emit, secret } = await setup(() => 200);
    const event = emit();
    expect(r.requests).toHaveLength(0); // a job, never inline
    const before = (await t.get(`/events/${event.id}`)).text;
    await t.advance(0);
    expect(r.requests).toHaveLength(1);
    const req = r.requests[0]!;
    expect(req.path).toBe(`/webhooks/${event.id}`);
    expect(req.body).toBe(before);
    // The header's t is wall time; the event's own dates are the mock clock's (2026-01-01 under the manual clock).
    expect(verify(req, secret)).toBe(WALL_START / 1000);
    expect(JSON.parse(req.body).date_created).toBe('2026-01-01T00:00:01.000000Z');
    const after = await t.get(`/events/${event.id}`);
    expect(after.body).toMatchObject({
      state: 'delivered',
      retries: 0,
      date_delivered: after.body.date_created,
    });
    await t.advance(86_400);
    expect(r.requests).toHaveLength(1); // never twice after success
  });

  it('tampering with the body or replaying late (wall time) fails verification; moving the mock clock does not age it', async () => {
    const { t, r, emit, wall, secret } = await setup(() => 200);
    emit();
    await t.advance(0);
    const req = r.requests[0]!;
    const header = String(req.headers['ricloud-signature']);
    const check = async (body: string) =>
      (await t.post('/_mock/webhooks/verify', { header, body, secret })).body;
    expect(await check(req.body)).toMatchObject({ ok: true });
    expect(await check(req.body.replace('"created"', '"completed"'))).toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
    await t.advance(86_400);
    expect(await check(req.body)).toMatchObject({ ok: true, reason: 'ok', timestamp: WALL_START / 1000 });
    wall.ms += 600_000;
    expect(await check(req.body)).toMatchObject({ ok: true });
    wall.ms += 1_000;
    expect(await check(req.body)).toMatchObject({ ok: false, reason: 'stale-timestamp' });
    expect((await t.post('/_mock/webhooks/verify', { header })).status).toBe(400);
    const doc = await t.get('/_mock/webhooks/verify');
    expect(doc.body.snippet).toContain('createHmac');
  });

  it.each([1, 2, 3, 4])(
    'a receiver failing the first %i attempts gets exactly that many retries on the schedule, then delivered',
    async (n) => {
      const { t, r, emit, wall, secret } = await setup((i) => (i < n ? 503 : 200));
      const event = emit();
      await t.advance(0);
      expect(r.requests).toHaveLength(1);
      const backoff = [60, 300, 1800, 7200];
      for (let retry = 1; retry <= n; retry++) {
        const wait = backoff[retry - 1]!;
        await t.advance(wait - 1);
        expect(r.requests).toHaveLength(retry); // nothing early
        wall.ms += 7_000; // each attempt is signed afresh, at the wall time it is sent
        await t.advance(1);
        expect(r.requests).toHaveLength(retry + 1);
        const sent = JSON.parse(r.requests[retry]!.body);
        expect(sent).toMatchObject({ id: event.id, retries: retry, state: 'pending' });
        expect(verify(r.requests[retry]!, secret)).toBe(wall.ms / 1000);
      }
      const done = await t.get(`/events/${event.id}`);
      expect(done.body).toMatchObject({ state: 'delivered', retries: n });
      await t.advance(86_400);
      expect(r.requests).toHaveLength(n + 1);
      const log = await t.get(`/_mock/deliveries?event=${event.id}`);
      expect(log.body.data.map((d: { attempt: number; status: number }) => [d.attempt, d.status])).toEqual(
        Array.from({ length: n + 1 }, (_, i) => [n + 1 - i, n - i === n ? 200 : 503]),
      );
    },
  );

  it('a receiver that never succeeds: failed after exactly 5 attempts (4 retries)', async () => {
    const { t, r, emit } = await setup(() => 500);
    const event = emit();
    await t.advance(0);
    await t.advance(60 + 300 + 1800 + 7200 - 1);
    expect(r.requests).toHaveLength(4);
    expect((await t.get(`/events/${event.id}`)).body).toMatchObject({ state: 'pending', retries: 3 });
    await t.advance(1);
    expect(r.requests).toHaveLength(5);
    expect((await t.get(`/events/${event.id}`)).body).toMatchObject({
      state: 'failed',
      retries: 4,
      date_delivered: null,
    });
    await t.advance(7 * 86_400);
    expect(r.requests).toHaveLength(5);
    expect((await t.get('/events?state=failed')).body.total_count).toBe(1);
  });

  it('a hanging receiver times out (webhookTimeoutMs) and counts as a failure', async () => {
    const { t, r, emit } = await setup((i) => (i === 0 ? 'hang' : 200), {
      timings: { webhookTimeoutMs: 200 },
    });
    const event = emit();
    await t.advance(0);
    expect(r.requests).toHaveLength(1);
    expect((await t.get(`/events/${event.id}`)).body).toMatchObject({ state: 'pending', retries: 0 });
    const log = await t.get('/_mock/deliveries?status=timeout');
    expect(log.body.data).toHaveLength(1);
    expect(log.body.data[0]).toMatchObject({ event: event.id, ok: false, status: null, error: 'timeout' });
    await t.advance(60);
    expect((await t.get(`/events/${event.id}`)).body).toMatchObject({ state: 'delivered', retries: 1 });
  });

  it('a connection reset counts as a failure', async () => {
    const { t, emit } = await setup((i) => (i === 0 ? 'reset' : 200));
    const event = emit();
    await t.advance(0);
    const log = await t.get(`/_mock/deliveries?event=${event.id}`);
    expect(log.body.data[0]).toMatchObject({ ok: false, status: null });
    expect(log.body.data[0].error).toMatch(/connection-reset|network-error/);
    await t.advance(60);
    expect((await t.get(`/events/${event.id}`)).body.state).toBe('delivered');
  });

  it('keeps event order per receiver: later events wait while an earlier one waits for its retry', async () => {
    const { t, r, emit } = await setup((i) => (i === 0 ? 500 : 200));
    const e1 = emit('poll', 'created');
    const e2 = emit('task', 'created');
    const e3 = emit('task', 'succeeded');
    await t.advance(0);
    expect(r.requests.map((q) => q.path)).toEqual([`/webhooks/${e1.id}`]);
    await t.advance(59);
    expect(r.requests).toHaveLength(1);
    expect((await t.get(`/events/${e2.id}`)).body.state).toBe('pending');
    await t.advance(1);
    expect(r.requests.map((q) => q.path)).toEqual([e1, e1, e2, e3].map((e) => `/webhooks/${e.id}`));
    for (const e of [e1, e2, e3]) expect((await t.get(`/events/${e.id}`)).body.state).toBe('delivered');
  });

  it('records events with no webhook config, never attempting them', async () => {
    const t = testMock();
    const org = t.mock.ctx.world.findByToken(t.mock.token)!.org;
    const e = emitEvent(t.mock.ctx, org, {
      type: 'session',
      action: 'expired',
      data: { id: 's' },
      keyId: '1',
    });
    await t.advance(3600);
    expect((await t.get(`/events/${e.id}`)).body).toMatchObject({
      state: 'pending',
      retries: 0,
      data: { id: 's' },
    });
    expect((await t.get('/_mock/deliveries')).body.data).toHaveLength(0);
  });

  it('stops retrying when the config is deleted (deactivated configs receive nothing)', async () => {
    const { t, r, emit, configId } = await setup(() => 500);
    const event = emit();
    await t.advance(0);
    await t.del(`/configs/webhook/${configId}`);
    await t.advance(86_400);
    expect(r.requests).toHaveLength(1);
    expect((await t.get(`/events/${event.id}`)).body.state).toBe('failed');
    emit();
    await t.advance(60);
    expect(r.requests).toHaveLength(1);
  });

  it('redelivers through the control API: a failed event becomes delivered once the receiver is fixed', async () => {
    const { t, r, emit } = await setup(() => 500);
    const event = emit();
    await t.advance(60 + 300 + 1800 + 7200);
    expect((await t.get(`/events/${event.id}`)).body.state).toBe('failed');
    r.behaviour = () => 200;
    const again = await t.post(`/_mock/events/${event.id}/redeliver`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      event: event.id,
      kind: 'redelivery',
      ok: true,
      status: 200,
      attempt: 6,
    });
    expect((await t.get(`/events/${event.id}`)).body.state).toBe('delivered');
    expect((await t.post('/_mock/events/00000000-0000-4000-8000-000000000000/redeliver')).status).toBe(404);
  });

  it('a successful redelivery of a pending event cancels its scheduled retry', async () => {
    const { t, r, emit } = await setup((i) => (i === 0 ? 500 : 200));
    const event = emit();
    await t.advance(0);
    await t.post(`/_mock/events/${event.id}/redeliver`);
    expect((await t.get(`/events/${event.id}`)).body.state).toBe('delivered');
    await t.advance(3600);
    expect(r.requests).toHaveLength(2);
  });

  it('caps the delivery log and filters it newest first', async () => {
    const { t, emit } = await setup(() => 200, { deliveryLogSize: 3 });
    const events = [emit(), emit(), emit(), emit(), emit()];
    await t.advance(0);
    const log = await t.get('/_mock/deliveries');
    expect(log.body.capacity).toBe(3);
    expect(log.body.data.map((d: { event: string }) => d.event)).toEqual([
      events[4]!.id,
      events[3]!.id,
      events[2]!.id,
    ]);
    expect((await t.get('/_mock/deliveries?status=200')).body.data).toHaveLength(3);
    expect((await t.get('/_mock/deliveries?status=failed')).body.data).toHaveLength(0);
  });

  it('a slow receiver never slows an API response', async () => {
    const { t, r, emit } = await setup(() => 'hang', { timings: { webhookTimeoutMs: 5_000 } });
    emit();
    const res = await t.get('/events');
    expect(res.status).toBe(200);
    expect(r.requests).toHaveLength(0);
  });

  it("delivers the walkthrough poll's events, signed and in order: poll.created, task.*, poll.completed", async () => {
    const { t, r, secret } = await setup(() => 200);
    const user = await t.post('/users', { identifier: 'walkthrough' });
    const session = await t.post('/sessions', {
      source: { user: user.body.id, type: 'icloud.account', identifier: 'john+no2fa@example.com' },
      payload: { password: 'pw' },
    });
    await t.advance(2);
    const poll = await t.post('/polls', {
      session: session.body.id,
      payload: { info_types: ['account.info'], data_types: ['callkit.calls'] },
    });
    expect(poll.status).toBe(201);
    await t.advance(60);
    const events = r.requests.map((q) => {
      verify(q, secret);
      return JSON.parse(q.body) as {
        id: string;
        type: string;
        action: string;
        data: { id: string; poll?: string };
      };
    });
    const names = events.map((e) => `${e.type}.${e.action}`);
    expect(names[0]).toBe('poll.created');
    expect(names.at(-1)).toBe('poll.completed');
    expect(names.filter((n) => n === 'task.created')).toHaveLength(2);
    expect(names.filter((n) => n === 'task.succeeded')).toHaveLength(2);
    expect(events.at(-1)!.data.id).toBe(poll.body.id);
    // The receiver saw them in the order they were recorded.
    const recorded = (await t.get('/events?limit=100')).body.data.map((e: { id: string }) => e.id).reverse();
    expect(events.map((e) => e.id)).toEqual(recorded.filter((id: string) => events.some((e) => e.id === id)));
    for (const e of events) expect((await t.get(`/events/${e.id}`)).body.state).toBe('delivered');
  });

  it("sends a key's events to the key's own webhook config instead of the organisation default", async () => {
    const { t, r, emit } = await setup(() => 200);
    const other = await startReceiver(() => 200);
    receivers.push(other);
    const b = await t.post('/configs/webhook', { url: other.url });
    await t.advance(1);
    other.requests.length = 0;
    const key = await t.post('/keys/1', { webhook_config: b.body.id });
    expect(key.status).toBe(200);
    const e = emit();
    await t.advance(0);
    expect(other.requests.map((q) => q.path)).toEqual([`/webhooks/${e.id}`]);
    expect(r.requests).toHaveLength(0);
  });

  it('delivers session.expired with the expired session nested', async () => {
    const { t, r, secret } = await setup(() => 200);
    const user = await t.post('/users', { identifier: 'expiring' });
    const session = await t.post('/sessions', {
      source: { user: user.body.id, type: 'icloud.account', identifier: 'exp+no2fa@example.com' },
      payload: { password: 'pw' },
    });
    await t.advance(2);
    await t.del(`/sessions/${session.body.id}`);
    await t.advance(0);
    const expired = r.requests.map((q) => JSON.parse(q.body)).find((e) => e.type === 'session');
    expect(expired).toMatchObject({
      action: 'expired',
      data: { id: session.body.id, state: 'expired', error: 'organisation' },
    });
    for (const q of r.requests) verify(q, secret);
  });

  it('same seed, other wall times: byte-identical bodies; only the signature t differs (wall time)', async () => {
    const a = await setup(() => 200, { seed: 'wall-a-b', wallNow: () => WALL_START });
    const b = await setup(() => 200, { seed: 'wall-a-b', wallNow: () => WALL_START + 3_600_000 });
    a.emit();
    b.emit();
    await a.t.advance(0);
    await b.t.advance(0);
    expect(a.r.requests).toHaveLength(1);
    expect(b.r.requests.map((q) => q.body)).toEqual(a.r.requests.map((q) => q.body));
    expect(verify(a.r.requests[0]!, a.secret)).toBe(WALL_START / 1000);
    expect(verify(b.r.requests[0]!, b.secret)).toBe(WALL_START / 1000 + 3600);
  });

  it('a state snapshot carries pending deliveries: the retry happens in the mock it is imported into', async () => {
    const { t, r, emit } = await setup((i) => (i === 0 ? 500 : 200));
    const e1 = emit();
    const e2 = emit();
    await t.advance(0);
    const state = await t.get('/_mock/state');
    expect(state.status).toBe(200);
    const copy = testMock();
    expect((await copy.api('PUT', '/_mock/state', { body: state.body })).status).toBe(200);
    await copy.advance(60);
    // The original mock is left alone; the copy retries e1 then sends e2, in order, to the same receiver.
    expect(r.requests.map((q) => q.path)).toEqual([e1, e1, e2].map((e) => `/webhooks/${e.id}`));
    expect((await copy.get(`/events/${e2.id}`)).body).toMatchObject({ state: 'delivered', retries: 0 });
    expect((await t.get(`/events/${e2.id}`)).body.state).toBe('pending');
  });
});
