// Dates from outside, through HTTP: list filters, the control API's journal filter and subscription bodies. `npm
// test` also runs this file under TZ=Asia/Tokyo (see vitest.config.ts), where reading a date-time without an
// offset in the machine's zone would shift every filter by 9 hours.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTROL_SPEC_PATH } from '../server/control/routes.ts';
import { emitEvent } from '../server/domain/events.ts';
import { importState, type MockState } from '../server/domain/snapshot.ts';
import { parseDateInput } from '../server/runtime/dates.ts';
import { compileSpec } from '../server/spec/compile.ts';
import { type TestMock, testMock } from './helpers/api.ts';
import { validWebhookConfig } from './helpers/webhook.ts';

/** Four events: a at 00:00:00Z, b at 00:00:10Z, c and d at 00:00:20Z (2026-01-01, the manual clock's start). */
async function events() {
  const t = testMock();
  const org = t.mock.ctx.world.findByToken(t.mock.token)!.org;
  const emit = (type: string, action: string) =>
    emitEvent(t.mock.ctx, org, { type, action, data: { id: 'x' }, keyId: '1' }).id;
  const a = emit('poll', 'created');
  await t.advance(10);
  const b = emit('task', 'created');
  await t.advance(10);
  const c = emit('task', 'succeeded');
  const d = emit('poll', 'completed');
  const list = async (query: string) => {
    const res = await t.get(`/events?${query}`);
    expect(res.status, res.text).toBe(200);
    return (res.body.data as { id: string }[]).map((e) => e.id);
  };
  return { t, a, b, c, d, list };
}

const q = (name: string, value: string) => `${name}=${encodeURIComponent(value)}`;

describe('GET /events date filters', () => {
  it.each([
    ['Z', '2026-01-01T00:00:10Z'],
    ['+01', '2026-01-01T01:00:10+01'],
    ['+0100', '2026-01-01T01:00:10+0100'],
    ['+01:00', '2026-01-01T01:00:10+01:00'],
    ['-0530', '2025-12-31T18:30:10-0530'],
    ['no offset (UTC)', '2026-01-01T00:00:10'],
    ['no offset, a space and a fraction', '2026-01-01 00:00:10.000'],
  ])('reads the offset form %s', async (_name, value) => {
    const { a, b, c, d, list } = await events();
    expect(await list(q('date_created__gte', value))).toEqual([d, c, b]);
    expect(await list(q('date_created', value))).toEqual([b]);
    expect(await list(q('date_created__lte', value))).toEqual([b, a]);
  });

  it('reads a date-time without an offset as UTC, whatever the machine’s zone', async () => {
    const { a, b, list } = await events();
    expect(await list(q('date_created__lte', '2026-01-01T00:00:10'))).toEqual([b, a]);
    expect(await list(q('date_created__lte', '2026-01-01 00:00'))).toEqual([a]);
    expect(await list(q('date_created__gte', '2026-01-01T00:00:15'))).toHaveLength(2);
  });

  it('reads a date alone as its midnight UTC', async () => {
    const { a, b, c, d, list } = await events();
    expect(await list(q('date_created', '2026-01-01'))).toEqual([a]);
    expect(await list(q('date_created__gte', '2026-01-01'))).toEqual([d, c, b, a]);
    expect(await list(q('date_created__lte', '2025-12-31'))).toEqual([]);
    expect(await list(q('date_created__gte', '2024-02-29'))).toHaveLength(4);
  });

  it.each([
    ['date_created', '0000-00-00'],
    ['date_created', '2024-02-30'],
    ['date_created__gte', '2023-02-29'],
    ['date_created__lte', '2026-13-01'],
    ['date_created__gte', '2026-01-01T24:00'],
    ['date_created__gte', '2026-01-01T10:00:00+24'],
    ['date_created__gte', '2026-01-01T23:59:60Z'],
    ['date_created__gte', '2026-01-01T10:00:00+1'],
    ['date_created__lte', 'yesterday'],
  ])('rejects %s=%s with a 400 invalid-parameters naming it', async (name, value) => {
    const { t } = await events();
    const res = await t.get(`/events?${q(name, value)}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid-parameters', params: { [name]: expect.any(String) } });
    expect(Object.keys(res.body.params)).toEqual([name]);
  });
});

describe('GET /_mock/requests since', () => {
  async function journal() {
    const t = testMock();
    await t.get('/organisation');
    await t.advance(60);
    await t.get('/users');
    const since = async (value: string) => {
      const res = await t.mock.app.request(`/_mock/requests?${q('since', value)}`);
      return { status: res.status, body: (await res.json()) as any };
    };
    return { since };
  }

  it.each([
    ['2026-01-01T00:00:30Z'],
    ['2026-01-01T01:00:30+01'],
    ['2026-01-01T01:00:30+0100'],
    ['2026-01-01T00:00:30'],
    ['2026-01-01 00:00:30.5'],
  ])('reads %s on the same grammar as the list filters', async (value) => {
    const { since } = await journal();
    const res = await since(value);
    expect(res.status).toBe(200);
    expect(res.body.data.map((e: { path: string }) => e.path)).toEqual(['/users']);
  });

  it('reads a date alone as its midnight UTC', async () => {
    const { since } = await journal();
    expect((await since('2026-01-01')).body.data).toHaveLength(2);
    expect((await since('2026-01-02')).body.data).toHaveLength(0);
  });

  it.each([['2024-02-30'], ['0000-00-00'], ['2026-01-01T24:00:00Z'], ['noon']])(
    'rejects since=%s with a 400 invalid-parameters',
    async (value) => {
      const { since } = await journal();
      const res = await since(value);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid-parameters', params: { since: expect.any(String) } });
    },
  );
});

describe('POST /subscriptions date_start and date_end (RFC 3339)', () => {
  async function session(t: TestMock) {
    const user = await t.post('/users', { identifier: 'dates-user' });
    const s = await t.post('/sessions', {
      source: { user: user.body.id, type: 'icloud.account', identifier: 'jane+no2fa@example.com' },
      payload: { password: 'pw' },
    });
    await t.advance(2);
    return s.body.id as string;
  }

  it('keeps the instant of an offset date-time and answers it in UTC', async () => {
    const t = testMock();
    await validWebhookConfig(t);
    const res = await t.post('/subscriptions', {
      session: await session(t),
      poll_payload: { data_types: ['callkit.calls'] },
      date_start: '2026-01-01T12:30:00.25+09:00',
      date_end: '2026-01-02t00:00:00z',
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.date_start).toBe('2026-01-01T03:30:00.250000Z');
    expect(res.body.date_end).toBe('2026-01-02T00:00:00.000000Z');
  });

  it.each([
    ['an impossible day', '2024-02-30T00:00:00Z'],
    ['a leap day of a common year', '2023-02-29T00:00:00Z'],
    ['a leap second', '2026-12-31T23:59:60Z'],
    ['no offset', '2026-02-01T00:00:00'],
    ['an offset without minutes', '2026-02-01T00:00:00+01'],
    ['a date alone', '2026-02-01'],
  ])('rejects %s in date_start with a 400, creating nothing', async (_name, value) => {
    const t = testMock();
    const res = await t.post('/subscriptions', {
      session: await session(t),
      poll_payload: { data_types: ['callkit.calls'] },
      date_start: value,
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: 'invalid-parameters',
      params: { date_start: expect.any(String) },
    });
    expect((await t.get('/subscriptions')).body.total_count).toBe(0);
  });
});

describe('the specs say exactly what the parser reads', () => {
  const ricloud = compileSpec();
  const control = compileSpec(CONTROL_SPEC_PATH);
  const schemas = (ricloud.document.components as { schemas: Record<string, { pattern: string }> }).schemas;
  const controlSchemas = (control.document.components as { schemas: Record<string, { pattern: string }> })
    .schemas;
  const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
  const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
  // Candidates near every edge of both grammars: real and impossible days, out-of-range fields, each offset form.
  const candidate = fc
    .tuple(
      pick('0000', '0001', '1900', '2000', '2023', '2024', '2100', '9999', '202'),
      two(13),
      two(32),
      pick('', 'T', 't', ' '),
      two(25),
      two(61),
      fc.option(two(61), { nil: undefined }),
      pick('', '.5', '.123456', '.1234567', '.'),
      pick('', 'Z', 'z', '+01', '-0530', '+01:00', '-23:59', '+24', '+01:60', '+1', '+01:0'),
    )
    .map(([y, mo, d, sep, h, mi, s, frac, off]) =>
      sep === ''
        ? `${y}-${mo}-${d}${off}`
        : `${y}-${mo}-${d}${sep}${h}:${mi}${s === undefined ? '' : `:${s}${frac}`}${off}`,
    );
  /** An oracle independent of the parser: whether the string's day exists in its month. */
  const dayExists = (text: string) => {
    const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
    return new Date(Date.UTC(2000 + (y % 400), m - 1, d)).getUTCDate() === d;
  };
  const grammars = [
    {
      grammar: 'date-or-date-time' as const,
      pattern: new RegExp(schemas.DateOrDateTime!.pattern, 'u'),
      validators: [
        (s: string) => ricloud.operations.get('listEvents')!.validateQuery({ date_created__gte: s }),
        (s: string) => control.operations.get('listRequests')!.validateQuery({ since: s }),
      ],
    },
    {
      grammar: 'date-time' as const,
      pattern: new RegExp(schemas.DateTime!.pattern, 'u'),
      validators: [
        (s: string) =>
          ricloud.operations.get('createSubscription')!.validateBody!({
            session: '00000000-0000-4000-8000-000000000000',
            poll_payload: { data_types: ['callkit.calls'] },
            date_start: s,
          }),
      ],
    },
  ];

  it('has one date filter grammar in both specs', () => {
    expect(controlSchemas.DateOrDateTime!.pattern).toBe(schemas.DateOrDateTime!.pattern);
  });

  it.each(grammars)('$grammar: the validator accepts a string exactly when the parser reads it', (g) => {
    fc.assert(
      fc.property(candidate, (s) => {
        const parsed = parseDateInput(s, g.grammar) !== undefined;
        // The pattern alone (what any OpenAPI tool checks) covers everything the server reads, and what it
        // lets through that the server refuses is only a day that does not exist.
        expect(!parsed || g.pattern.test(s)).toBe(true);
        expect(parsed || !g.pattern.test(s) || !dayExists(s)).toBe(true);
        for (const validate of g.validators) expect(validate(s)).toBe(parsed);
      }),
      { numRuns: 3000, seed: 10 },
    );
  });
});

describe('state snapshots: clock.now', () => {
  const put = async (t: TestMock, body: unknown) => {
    const res = await t.mock.app.request('/_mock/state', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as { error: string; params: Record<string, string> },
    };
  };
  const exported = async (t: TestMock) =>
    (await t.mock.app.request('/_mock/state')).json() as Promise<MockState>;

  it.each([['2024-02-30T00:00:00.000000Z'], ['2026-01-01T00:00:00'], ['2026-01-01T00:00:00+0100']])(
    'PUT /_mock/state rejects clock.now %s with a 400, changing nothing',
    async (now) => {
      const t = testMock();
      await t.advance(90);
      const state = await exported(t);
      const res = await put(t, { ...state, clock: { ...state.clock, now } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        error: 'invalid-parameters',
        params: { 'clock.now': expect.any(String) },
      });
      expect(await exported(t)).toEqual(state);
    },
  );

  it('a state file without clock.ms is read from an offset clock.now, strictly', async () => {
    const t = testMock();
    const { clock: _clock, ...state } = await exported(t);
    importState(t.mock.ctx, { ...state, clock: { now: '2026-03-01T09:00:00.000001+09:00' } } as MockState);
    expect(t.mock.ctx.clock.now()).toBe(Date.UTC(2026, 2, 1) + 0.001);
    for (const now of ['2026-03-01T09:00:00', '2024-02-30T00:00:00Z', 'soon']) {
      expect(() => importState(t.mock.ctx, { ...state, clock: { now } } as MockState)).toThrow(
        expect.objectContaining({ status: 400, code: 'invalid-parameters' }),
      );
    }
    expect(t.mock.ctx.clock.now()).toBe(Date.UTC(2026, 2, 1) + 0.001);
  });
});
