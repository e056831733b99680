// Time per tenant: each tenant's own clock and queue, serialized advances, until-idle, GET /_mock/clock, snapshots.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { createMock } from '../server/app.ts';
import { type TestMock, testMock } from './helpers/api.ts';
import { startReceiver } from './helpers/receiver.ts';

const START = '2026-01-01T00:00:00.000000Z';

interface Tenant {
  id: number;
  token: string;
}

async function tenant(t: TestMock, name: string, clock?: Record<string, unknown>): Promise<Tenant> {
  const res = await t.post('/_mock/organisations', { name, ...(clock ? { clock } : {}) });
  expect(res.status).toBe(201);
  return { id: res.body.organisation.id, token: res.body.token };
}

async function newSession(t: TestMock, who: Tenant, identifier = 'a+no2fa@example.com') {
  const user = await t.post('/users', { identifier: `u-${who.id}-${identifier}` }, { token: who.token });
  expect(user.status).toBe(201);
  const res = await t.post(
    '/sessions',
    { source: { user: user.body.id, type: 'icloud.account', identifier }, payload: { password: 'p' } },
    { token: who.token },
  );
  expect(res.status).toBe(201);
  return res.body;
}

const advance = (t: TestMock, body: Record<string, unknown>) => t.post('/_mock/clock/advance', body);

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

describe('time per tenant', () => {
  it('an advance with organisation moves only that tenant: its jobs run, the other tenant stays put', async () => {
    const t = testMock();
    const one = await tenant(t, 'one');
    const two = await tenant(t, 'two');
    const s1 = await newSession(t, one);
    const s2 = await newSession(t, two);

    const res = await advance(t, { seconds: 5, organisation: String(one.id) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      organisation: one.id,
      from: START,
      now: '2026-01-01T00:00:05.000000Z',
      idle: false,
    });
    expect(res.body.ran.map((j: { kind: string; organisation: number }) => [j.kind, j.organisation])).toEqual(
      [['session.init', one.id]],
    );
    expect((await t.get(`/sessions/${s1.id}`, { token: one.token })).body.state).toBe('active');
    expect((await t.get(`/sessions/${s2.id}`, { token: two.token })).body.state).toBe('pending');

    const clock = await t.get('/_mock/clock');
    expect(clock.body.now).toBe(START);
    const byOrg = Object.fromEntries(
      clock.body.tenants.map((c: { organisation: number }) => [c.organisation, c]),
    );
    expect(byOrg[one.id]).toMatchObject({
      own_clock: true,
      mode: 'manual',
      now: '2026-01-01T00:00:05.000000Z',
    });
    expect(byOrg[two.id]).toMatchObject({ own_clock: true, mode: 'manual', now: START, pending: 1 });
    expect(byOrg[1]).toMatchObject({ own_clock: false, now: START });

    // A record created now carries its tenant's time.
    const user = await t.post('/users', { identifier: 'late@example.com' }, { token: one.token });
    expect(user.body.date_created).toBe('2026-01-01T00:00:05.000000Z');
    const other = await t.post('/users', { identifier: 'late@example.com' }, { token: two.token });
    expect(other.body.date_created).toBe(START);
  });

  it('an advance without organisation moves every clock by the same seconds', async () => {
    const t = testMock();
    const one = await tenant(t, 'one');
    const two = await tenant(t, 'two', { mode: 'manual', start: '2030-06-01T12:00:00Z' });
    await newSession(t, one);
    await newSession(t, two);
    const res = await advance(t, { seconds: 3 });
    expect(res.body).toMatchObject({ organisation: null, from: START, now: '2026-01-01T00:00:03.000000Z' });
    expect(res.body.ran.map((j: { organisation: number }) => j.organisation).sort()).toEqual(
      [one.id, two.id].sort(),
    );
    const two_ = await t.get(`/_mock/clock?organisation=${two.id}`);
    expect(two_.body).toMatchObject({
      organisation: two.id,
      own_clock: true,
      now: '2030-06-01T12:00:03.000000Z',
    });
  });

  it('GET /_mock/clock?organisation shows that tenant clock and its queue; an unknown organisation is a 404', async () => {
    const t = testMock();
    const one = await tenant(t, 'one');
    const session = await newSession(t, one);
    const res = await t.get(`/_mock/clock?organisation=${one.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      organisation: one.id,
      own_clock: true,
      now: START,
      mode: 'manual',
      scale: 0,
      pending_jobs: 1,
      next_due: '2026-01-01T00:00:02.000000Z',
      awaiting: 0,
      jobs: [
        {
          id: expect.any(Number),
          kind: 'session.init',
          due: '2026-01-01T00:00:02.000000Z',
          organisation: one.id,
        },
      ],
    });
    expect(session.state).toBe('pending');
    for (const res of [
      await t.get('/_mock/clock?organisation=999'),
      await advance(t, { seconds: 1, organisation: 999 }),
      await advance(t, { until_idle: true, organisation: '999' }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ error: 'not-found', params: { resource: 'organisation', id: '999' } });
    }
  });

  it('refuses an advance body that is neither seconds nor until_idle, changing nothing', async () => {
    const t = testMock();
    for (const body of [
      {},
      { seconds: 1, until_idle: true },
      { seconds: 1, max_seconds: 5 },
      { organisation: 1 },
    ]) {
      const res = await advance(t, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe('invalid-parameters');
    }
    expect((await t.get('/_mock/clock')).body.now).toBe(START);
  });

  it('until_idle runs a tenant to idle, jumping to each due job, and reports idle', async () => {
    const t = testMock({ timings: { sessionIdleMs: null } });
    const one = await tenant(t, 'one');
    await newSession(t, one);
    const res = await advance(t, { until_idle: true, organisation: one.id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      organisation: one.id,
      idle: true,
      from: START,
      now: '2026-01-01T00:00:02.000000Z',
    });
    expect(res.body.ran.map((j: { kind: string }) => j.kind)).toEqual(['session.init']);
    expect((await t.get(`/_mock/clock?organisation=${one.id}`)).body.pending_jobs).toBe(0);
  });

  it('until_idle stops at max_seconds with idle: false when recurring work never idles (a subscription)', async () => {
    const t = testMock();
    const one = await tenant(t, 'one');
    const session = await newSession(t, one);
    await advance(t, { seconds: 2, organisation: one.id });
    // Subscriptions need a valid webhook config: its test runs on this tenant's clock (1 s).
    const receiver = await startReceiver(() => 200);
    onTestFinished(() => receiver.close());
    expect((await t.post('/configs/webhook', { url: receiver.url }, { token: one.token })).status).toBe(201);
    await advance(t, { seconds: 1, organisation: one.id });
    const sub = await t.post(
      '/subscriptions',
      { session: session.id, poll_payload: { data_types: ['callkit.calls'] }, interval: 3600 },
      { token: one.token },
    );
    expect(sub.status).toBe(201);
    const res = await advance(t, { until_idle: true, max_seconds: 4 * 3600, organisation: one.id });
    expect(res.body).toMatchObject({ idle: false, now: '2026-01-01T04:00:03.000000Z' });
    expect(res.body.ran.filter((j: { kind: string }) => j.kind === 'subscription.poll')).toHaveLength(4);
  });

  it('a tenant reset puts its clock back to its creation time with an empty queue', async () => {
    const t = testMock();
    const one = await tenant(t, 'one', { start: '2027-03-01T00:00:00Z' });
    await newSession(t, one);
    await advance(t, { seconds: 60, organisation: one.id });
    expect((await t.get(`/_mock/clock?organisation=${one.id}`)).body.now).toBe('2027-03-01T00:01:00.000000Z');
    expect((await t.post(`/_mock/organisations/${one.id}/reset`)).status).toBe(200);
    expect((await t.get(`/_mock/clock?organisation=${one.id}`)).body).toMatchObject({
      now: '2027-03-01T00:00:00.000000Z',
      pending_jobs: 0,
    });
  });

  it("a tenant's held Ricloud-Await answers when that tenant's clock is advanced", async () => {
    const t = testMock();
    const one = await tenant(t, 'one');
    const user = await t.post('/users', { identifier: 'held@example.com' }, { token: one.token });
    const answer = t.post(
      '/sessions',
      {
        source: { user: user.body.id, type: 'icloud.account', identifier: 'a+no2fa@example.com' },
        payload: { password: 'p' },
      },
      { token: one.token, headers: { 'Ricloud-Await': '10' } },
    );
    let awaiting = 0;
    for (let i = 0; i < 1000 && awaiting === 0; i++) {
      awaiting = (await t.get(`/_mock/clock?organisation=${one.id}`)).body.awaiting;
    }
    expect(awaiting).toBe(1);
    await advance(t, { seconds: 2, organisation: one.id });
    const res = await answer;
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ state: 'active', date_created: START });
  });
});

describe('serialized advances', () => {
  it("a second advance of the same tenant waits for the first, whose window's deliveries have all run", async () => {
    // A receiver that holds every answer until the test releases it: the first advance is stuck in a delivery.
    const held: ServerResponse[] = [];
    let arrived: () => void = () => {};
    const firstArrival = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        held.push(res);
        arrived();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;

    const t = testMock();
    const one = await tenant(t, 'one');
    const config = await t.post('/configs/webhook', { url }, { token: one.token });
    expect(config.status).toBe(201);

    let secondDone = false;
    const first = advance(t, { seconds: 2, organisation: one.id });
    const second = advance(t, { seconds: 2, organisation: one.id }).then((r) => {
      secondDone = true;
      return r;
    });
    await firstArrival;
    // The first advance is inside its window (the config test is at +1 s) and waits on the receiver.
    for (let i = 0; i < 20; i++) await t.get('/_mock/clock');
    expect((await t.get(`/_mock/clock?organisation=${one.id}`)).body.now).toBe('2026-01-01T00:00:01.000000Z');
    expect(secondDone).toBe(false);
    for (const res of held.splice(0)) res.writeHead(200).end('ok');

    const [a, b] = await Promise.all([first, second]);
    expect(a.body).toMatchObject({ from: START, now: '2026-01-01T00:00:02.000000Z' });
    expect(a.body.ran.map((j: { kind: string }) => j.kind)).toEqual(['webhook_config.test']);
    expect(b.body).toMatchObject({ from: '2026-01-01T00:00:02.000000Z', now: '2026-01-01T00:00:04.000000Z' });
    expect((await t.get(`/configs/webhook/${config.body.id}`, { token: one.token })).body.state).toBe(
      'valid',
    );
  });

  it('concurrent advances of different tenants each move only their own clock', async () => {
    const t = testMock();
    const tenants = await Promise.all(['a', 'b', 'c', 'd'].map((n) => tenant(t, n)));
    await Promise.all(tenants.map((x) => newSession(t, x)));
    const reports = await Promise.all(
      tenants.map((x, i) => advance(t, { seconds: i + 1, organisation: x.id })),
    );
    expect(reports.map((r) => r.body.ran.length)).toEqual([0, 1, 1, 1]);
    const clock = (await t.get('/_mock/clock')).body;
    expect(
      tenants.map((x) => clock.tenants.find((c: { organisation: number }) => c.organisation === x.id).now),
    ).toEqual([
      '2026-01-01T00:00:01.000000Z',
      '2026-01-01T00:00:02.000000Z',
      '2026-01-01T00:00:03.000000Z',
      '2026-01-01T00:00:04.000000Z',
    ]);
  });
});

describe('snapshots and determinism with tenant clocks', () => {
  async function script(t: TestMock) {
    const one = await tenant(t, 'one');
    const two = await tenant(t, 'two', { start: '2028-01-01T00:00:00Z' });
    await newSession(t, one);
    await newSession(t, two);
    await advance(t, { seconds: 7, organisation: one.id });
    await advance(t, { seconds: 1, organisation: two.id });
    await newSession(t, one, 'b+no2fa@example.com');
    return { one, two };
  }

  it('two tenants advancing independently give byte-identical states for the same seed', async () => {
    const a = testMock();
    const b = testMock();
    await script(a);
    await script(b);
    const x = await a.mock.app.request('/_mock/state');
    const y = await b.mock.app.request('/_mock/state');
    const text = await x.text();
    expect(text).toBe(await y.text());
    expect(JSON.parse(text).tenant_clocks.map((c: { now: string }) => c.now)).toEqual([
      '2026-01-01T00:00:07.000000Z',
      '2028-01-01T00:00:01.000000Z',
    ]);
  });

  it('PUT /_mock/state restores each tenant clock and queue: the restored mock goes on as the original', async () => {
    const a = testMock();
    const { one, two } = await script(a);
    const exported = await (await a.mock.app.request('/_mock/state')).text();
    const b = testMock({ seed: 'other-seed' });
    const put = await b.mock.app.request('/_mock/state', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: exported,
    });
    expect(put.status).toBe(200);
    expect(await (await b.mock.app.request('/_mock/state')).text()).toBe(exported);
    for (const m of [a, b]) {
      const r1 = await advance(m, { seconds: 2, organisation: one.id });
      const r2 = await advance(m, { until_idle: true, max_seconds: 10, organisation: two.id });
      expect(r1.body.ran.map((j: { kind: string }) => j.kind)).toEqual(['session.init']);
      expect(r2.body).toMatchObject({ idle: false, now: '2028-01-01T00:00:11.000000Z' });
    }
    expect(await (await b.mock.app.request('/_mock/state')).text()).toBe(
      await (await a.mock.app.request('/_mock/state')).text(),
    );
  });

  it('refuses a state whose tenant clock names no organisation (400), changing nothing', async () => {
    const t = testMock();
    const one = await tenant(t, 'one');
    const before = await (await t.mock.app.request('/_mock/state')).text();
    const state = JSON.parse(before);
    state.tenant_clocks[0].organisation = 99;
    const put = await t.mock.app.request('/_mock/state', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(state),
    });
    expect(put.status).toBe(400);
    expect(((await put.json()) as { params: { state: string } }).params.state).toContain(
      'tenant clock 99 has no organisation',
    );
    expect(await (await t.mock.app.request('/_mock/state')).text()).toBe(before);
    expect((await t.get(`/_mock/clock?organisation=${one.id}`)).body.own_clock).toBe(true);
  });

  it('a full reset drops tenant clocks and gives start-up tenants fresh ones', async () => {
    const mock = createMock({ seed: 's', control: { tenants: [{ name: 'boot' }] } });
    const advanceBoot = await mock.app.request('/_mock/clock/advance', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ seconds: 30, organisation: 2 }),
    });
    expect((await advanceBoot.json()).now).toBe('2026-01-01T00:00:30.000000Z');
    await mock.app.request('/_mock/reset', { method: 'POST' });
    const clock = await (await mock.app.request('/_mock/clock?organisation=2')).json();
    expect(clock).toMatchObject({ own_clock: true, now: START });
  });
});

describe('clock start (library option)', () => {
  it('createMock({ clock: { start } }) takes an RFC 3339 start, used by the main clock and new tenants', async () => {
    const t = testMock({ clock: { mode: 'manual', start: '2030-01-02T03:04:05Z' } });
    expect((await t.get('/_mock/clock')).body.now).toBe('2030-01-02T03:04:05.000000Z');
    const one = await tenant(t, 'one');
    expect((await t.get(`/_mock/clock?organisation=${one.id}`)).body.now).toBe('2030-01-02T03:04:05.000000Z');
    expect((await t.get('/organisation', { token: one.token })).body.date_created).toBe(
      '2030-01-02T03:04:05.000000Z',
    );
  });

  it('an invalid start is a RangeError naming the value', () => {
    expect(() => createMock({ clock: { mode: 'manual', start: '2030-13-01T00:00:00Z' } })).toThrow(
      /clock start "2030-13-01T00:00:00Z" is not an RFC 3339 date-time/,
    );
  });
});
