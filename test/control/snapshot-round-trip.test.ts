// A snapshot round trip (GET /_mock/state → PUT /_mock/state into a fresh mock) carries every control-plane state a
// full reset puts back: forced session outcomes, forced task failures, faults (with their seeded stream), the rate
// limit (config and windows) and tenants with their creation states. The journal is an observation log: not carried.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../server/domain/errors.ts';
import { importState } from '../../server/domain/snapshot.ts';
import { type TestMock, testMock } from '../helpers/api.ts';

async function ctl(t: TestMock, method: string, path: string, body?: unknown) {
  const res = await t.mock.app.request(`/_mock${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

const icloud = (identifier: string) => ({
  source: { user: '1', type: 'icloud.account', identifier },
  payload: { password: 'pw' },
});

/** Sets every kind of control-plane state on a mock; returns the tenant's id and token. */
async function arrange(t: TestMock): Promise<{ tenant: number; tenantToken: string }> {
  await t.post('/users', { identifier: 'u' });
  const tenant = await ctl(t, 'POST', '/organisations', { name: 'tenant-a' });
  expect(tenant.status).toBe(201);
  const tenantToken = tenant.body.token as string;
  // A change after creation: a tenant reset must drop it, so the creation state must travel too.
  expect((await t.post('/users', { identifier: 'late' }, { token: tenantToken })).status).toBe(201);
  expect(
    (
      await ctl(t, 'POST', '/scenarios/sessions', {
        source_identifier: 'forced@example.com',
        error: 'account-locked',
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await ctl(t, 'POST', '/scenarios/tasks', {
        type: 'callkit.calls',
        error: 'service-unavailable',
        count: 2,
      })
    ).status,
  ).toBe(201);
  expect(
    (await ctl(t, 'POST', '/faults', { kind: 'error', status: 503, path: '/keys', count: 2 })).status,
  ).toBe(201);
  // A probabilistic rule: which requests it hits depends on the seeded fault stream, which must travel as well.
  expect(
    (await ctl(t, 'POST', '/faults', { kind: 'error', status: 502, path: '/sources', probability: 0.5 }))
      .status,
  ).toBe(201);
  for (let i = 0; i < 3; i++) await t.get('/sources');
  expect(
    (await ctl(t, 'PUT', '/rate-limit', { enabled: true, limit: 12, window_seconds: 3600 })).status,
  ).toBe(200);
  // Spend part of the window (the count must travel, not only the limit).
  for (let i = 0; i < 4; i++) await t.get('/organisation');
  return { tenant: tenant.body.organisation.id as number, tenantToken };
}

/** What the mock answers afterwards; each step depends on one piece of control-plane state. */
async function transcript(t: TestMock, tenant: number, tenantToken: string) {
  const out: Record<string, unknown> = {};
  const session = (await t.post('/sessions', icloud('forced@example.com'))).body;
  const usable = (await t.post('/sessions', icloud('jane+no2fa@example.com'))).body;
  await t.advance(10);
  out.forcedSession = (await t.get(`/sessions/${session.id}`)).body;
  const poll = (
    await t.post('/polls', {
      session: usable.id,
      payload: { data_types: ['callkit.calls', 'ios_notes.notes'] },
    })
  ).body;
  await t.advance(60);
  out.poll = (await t.get(`/polls/${poll.id}`)).body;
  out.keys = [(await t.get('/keys')).status, (await t.get('/keys')).status, (await t.get('/keys')).status];
  out.sources = [];
  for (let i = 0; i < 6; i++) (out.sources as number[]).push((await t.get('/sources')).status);
  out.rateLimited = [];
  for (let i = 0; i < 3; i++) (out.rateLimited as number[]).push((await t.get('/organisation')).status);
  out.tenantReset = (await ctl(t, 'POST', `/organisations/${tenant}/reset`)).status;
  out.tenantUsers = (await t.get('/users', { token: tenantToken })).body;
  return out;
}

describe('snapshot round trip', () => {
  it('carries every control-plane state: a restored mock answers as the exporting one', async () => {
    const a = testMock();
    const { tenant, tenantToken } = await arrange(a);
    const exported = await ctl(a, 'GET', '/state');
    expect(exported.status).toBe(200);

    const b = testMock();
    const imported = await ctl(b, 'PUT', '/state', exported.body);
    expect(imported.status).toBe(200);
    // Byte for byte, and the control plane's own views agree.
    expect((await ctl(b, 'GET', '/state')).text).toBe(exported.text);
    expect((await ctl(b, 'GET', '/faults')).body).toEqual((await ctl(a, 'GET', '/faults')).body);
    expect((await ctl(b, 'GET', '/rate-limit')).body).toEqual((await ctl(a, 'GET', '/rate-limit')).body);
    expect((await ctl(b, 'GET', '/organisations')).body).toEqual(
      (await ctl(a, 'GET', '/organisations')).body,
    );

    const expected = await transcript(a, tenant, tenantToken);
    const restored = await transcript(b, tenant, tenantToken);
    expect(restored).toEqual(expected);
    // The transcript does exercise each state (so that equality means something).
    expect(expected.forcedSession).toMatchObject({ state: 'failed', error: 'account-locked' });
    expect(expected.poll).toMatchObject({ state: 'completed' });
    expect((expected.poll as { tasks_failed: unknown[] }).tasks_failed).toHaveLength(1);
    expect(expected.keys).toEqual([503, 503, 200]);
    expect(expected.sources).toContain(502);
    expect(expected.sources).toContain(200);
    // 4 (arrange) + 11 (transcript so far) requests of the preset org within the limit of 12, then 429s.
    expect(expected.rateLimited).toEqual([429, 429, 429]);
    expect(expected.tenantReset).toBe(200);
    expect(expected.tenantUsers).toMatchObject({ total_count: 0 });
  });

  it('forced task failures survive the round trip (they used to be dropped)', async () => {
    const a = testMock();
    const forced = await ctl(a, 'POST', '/scenarios/tasks', {
      type: 'callkit.calls',
      error: 'service-unavailable',
    });
    const exported = (await ctl(a, 'GET', '/state')).body;
    expect(exported.organisations[0].taskFailures).toEqual([forced.body]);
    const b = testMock();
    expect((await ctl(b, 'PUT', '/state', exported)).status).toBe(200);
    await b.post('/users', { identifier: 'u' });
    const s = (await b.post('/sessions', icloud('jane+no2fa@example.com'))).body;
    await b.advance(10);
    const poll = (await b.post('/polls', { session: s.id, payload: { data_types: ['callkit.calls'] } })).body;
    await b.advance(60);
    expect((await b.get(`/polls/${poll.id}`)).body.errors).toMatchObject({
      data: [{ error: 'service-unavailable' }],
    });
  });

  it('does not carry the journal: an import keeps the importing mock’s own requests', async () => {
    const a = testMock();
    for (let i = 0; i < 3; i++) await a.get('/organisation');
    const exported = (await ctl(a, 'GET', '/state')).body;
    expect(exported).not.toHaveProperty('journal');
    const b = testMock();
    await b.get('/users');
    expect((await ctl(b, 'PUT', '/state', exported)).status).toBe(200);
    const paths = (await ctl(b, 'GET', '/requests')).body.data.map((e: { path: string }) => e.path);
    expect(paths).toEqual(['/users']);
  });

  it('a state written before faults and rate limits were carried keeps the importing mock’s own', async () => {
    const a = testMock();
    const exported = (await ctl(a, 'GET', '/state')).body;
    delete exported.faults;
    delete exported.rate_limit;
    const b = testMock();
    await ctl(b, 'POST', '/faults', { kind: 'error', status: 503, path: '/keys' });
    expect((await ctl(b, 'PUT', '/state', exported)).status).toBe(200);
    expect((await b.get('/keys')).status).toBe(503);
  });

  it('refuses a state whose fault rule the mock could not act on, and changes nothing', async () => {
    const a = testMock();
    await ctl(a, 'POST', '/faults', { kind: 'error', status: 503, path: '/keys' });
    const exported = (await ctl(a, 'GET', '/state')).body;
    delete exported.faults.rules[0].status;
    const b = testMock();
    const before = (await ctl(b, 'GET', '/state')).text;
    // Through the control API the schema refuses it ...
    const res = await ctl(b, 'PUT', '/state', exported);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid-parameters' });
    expect((await ctl(b, 'GET', '/state')).text).toBe(before);
    // ... and a --state-file (read without the schema) is refused by the import itself.
    let refused: unknown;
    try {
      importState(b.mock.ctx, exported);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).toBody()).toMatchObject({
      error: 'invalid-parameters',
      params: { state: expect.stringContaining('fault rule') },
    });
    expect((await ctl(b, 'GET', '/state')).text).toBe(before);
  });
});
