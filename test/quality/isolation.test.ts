/**
 * Tenant isolation, enumerated from the spec: for every operation that takes an id, another tenant's token gets a
 * 404 byte-identical to the one for a missing id, and changes nothing; lists never show another tenant's items;
 * a per-tenant reset touches that tenant only.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createOrganisation } from '../../server/domain/presets.ts';
import { type TestMock, testMock } from '../helpers/api.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { LISTS } from '../helpers/spec.ts';
import { dumpTenant } from './fuzz-runner.ts';
import { type Operation, specOperations, validArb } from './spec-arbitraries.ts';

const OPS = specOperations();
const ID_OPS = OPS.filter((o) => o.path.includes('{id}'));
const LIST_OPS = OPS.filter((o) => o.method === 'GET' && o.params.some((p) => p.name === 'limit'));

const missingId = (kind: string) =>
  LISTS.seqKinds.has(kind) ? '987654' : '0badc0de-0000-4000-8000-000000000000';

interface World {
  t: TestMock;
  /** Tenant A (the preset) and its ids by kind. */
  a: { org: number; token: string; ids: Record<string, string>; all: Set<string> };
  /** Tenant B: a second organisation with its own key. */
  b: { org: number; token: string };
}

/** Builds tenant A with one record of every kind through the API, and an empty tenant B. */
async function buildWorld(): Promise<World> {
  const t = testMock({ timings: { webhookTimeoutMs: 200 } });
  const ok = <T>(res: { status: number; body: T; text: string }, what: string): T => {
    if (res.status >= 300) throw new Error(`setup: ${what} → ${res.status} ${res.text.slice(0, 300)}`);
    return res.body;
  };
  const user = ok(await t.post('/users', { identifier: 'a@example.com' }), 'POST /users');
  const session = ok(
    await t.post('/sessions', {
      source: { user: user.id, type: 'icloud.account', identifier: 'a+no2fa@example.com' },
      payload: { password: 'p' },
    }),
    'POST /sessions',
  );
  await t.advance(30);
  ok(
    await t.post('/polls', {
      session: session.id,
      payload: { info_types: ['account.info'], data_types: ['callkit.calls'] },
    }),
    'POST /polls',
  );
  await t.advance(120);
  // Subscriptions need a valid webhook config: a real receiver that answers 200, closed after the file.
  const receiver = await startReceiver(() => 200);
  afterAll(() => receiver.close());
  ok(await t.post('/configs/webhook', { url: receiver.url }), 'POST /configs/webhook (valid)');
  await t.advance(1);
  const subscription = ok(
    await t.post('/subscriptions', { session: session.id, poll_payload: { data_types: ['callkit.calls'] } }),
    'POST /subscriptions',
  );
  const storage = ok(await t.post('/configs/storage', { url: 's3://bucket/a' }), 'POST /configs/storage');
  const webhook = ok(
    await t.post('/configs/webhook', { url: 'http://127.0.0.1:9/a' }),
    'POST /configs/webhook',
  );
  const permissions = ok(
    await t.post('/permissions', { scopes: { 'source_type:*': [] } }),
    'POST /permissions',
  );
  const key = ok(await t.post('/keys', {}), 'POST /keys');
  await t.advance(60);
  const first = async (path: string) => {
    const list = ok(await t.get(`${path}?limit=1`), `GET ${path}`);
    if (!list.data[0]) throw new Error(`setup: ${path} is empty`);
    return list.data[0].id as string;
  };
  const ids: Record<string, string> = {
    user: user.id,
    session: session.id,
    source: session.source.id,
    poll: await first('/polls'),
    task: await first('/tasks'),
    result: await first('/results'),
    event: await first('/events'),
    subscription: subscription.id,
    storage_config: storage.id,
    webhook_config: webhook.id,
    permissions: permissions.id,
    key: key.id,
  };
  // Every id tenant A can list, for the "lists never leak" check.
  const all = new Set<string>();
  for (const op of LIST_OPS) {
    const path = op.path.replace('{id}', (op.idKind && ids[op.idKind]) || (ids.source as string));
    const res = await t.get(`${path}?limit=1000${op.id === 'listResults' ? '' : ''}`);
    for (const item of (res.body?.data ?? []) as { id: string }[]) all.add(String(item.id));
  }
  for (const state of ['consumed', 'expired', 'available']) {
    const res = await t.get(`/results?limit=1000&state=${state}`);
    for (const item of (res.body?.data ?? []) as { id: string }[]) all.add(String(item.id));
  }
  const aOrg = [...t.mock.ctx.world.orgs.keys()][0] as number;
  const b = createOrganisation(t.mock.ctx, { name: 'Tenant B', storageUrl: 's3://bucket/b' });
  return { t, a: { org: aOrg, token: t.mock.token, ids, all }, b: { org: b.org.id, token: b.key.token } };
}

/** A valid body for an operation, with every id reference pointing at `id` (or a missing id of its kind). */
function bodyFor(op: Operation, refs: (kind: string) => string): string | undefined {
  if (!op.body) return undefined;
  const sample = fc.sample(validArb(op.body, { op, depth: 0 }), { seed: 7, numRuns: 1 })[0];
  return JSON.stringify(sample, (_k, v) =>
    v && typeof v === 'object' && '$idref' in v ? refs(v.$idref) : v,
  );
}

async function send(t: TestMock, token: string, method: string, path: string, body?: string) {
  const res = await t.api(method, path, { token, raw: body });
  return { status: res.status, text: res.text, type: res.headers.get('content-type') };
}

describe('tenant isolation', async () => {
  const w = await buildWorld();

  it('tenant A has a record of every kind that an id operation takes', () => {
    const kinds = new Set(ID_OPS.map((o) => o.idKind));
    for (const k of kinds) expect(w.a.ids[k as string], `no ${k} in tenant A`).toBeTruthy();
  });

  describe.each(ID_OPS.map((op) => [`${op.method} ${op.path}`, op] as const))('%s', (_name, op) => {
    it("answers another tenant's id with the 404 of a missing id, byte for byte, and changes nothing", async () => {
      const { t, a, b } = w;
      const kind = op.idKind as string;
      const real = a.ids[kind] as string;
      const absent = missingId(kind);
      // Body references point at ids tenant B does not have, so that only the path id decides.
      const body = bodyFor(op, (k) => missingId(k));
      const beforeA = dumpTenant(t, a.org);
      const beforeB = dumpTenant(t, b.org);
      const foreign = await send(t, b.token, op.method, op.path.replace('{id}', real), body);
      const missing = await send(t, b.token, op.method, op.path.replace('{id}', absent), body);
      expect(foreign.status, foreign.text).toBe(404);
      expect(foreign.type).toBe(missing.type);
      expect(foreign.text).toBe(missing.text.replaceAll(absent, real));
      expect(dumpTenant(t, a.org), "another tenant's request changed tenant A").toBe(beforeA);
      expect(dumpTenant(t, b.org)).toBe(beforeB);
      // And the id is real: tenant A itself does not get a 404 on reads.
      if (op.method === 'GET') {
        const own = await send(t, a.token, op.method, op.path.replace('{id}', real));
        expect(own.status, own.text).not.toBe(404);
      }
    });
  });

  const BODY_REFS: [string, string, string, (id: string) => unknown][] = [
    ['POST', '/polls', 'session', (id) => ({ session: id, payload: { data_types: ['callkit.calls'] } })],
    [
      'POST',
      '/sessions',
      'user',
      (id) => ({
        source: { user: id, type: 'icloud.account', identifier: 'x+no2fa@example.com' },
        payload: {},
      }),
    ],
    [
      'POST',
      '/subscriptions',
      'session',
      (id) => ({ session: id, poll_payload: { data_types: ['callkit.calls'] } }),
    ],
    ['POST', '/results/ack', 'result', (id) => ({ ids: [id] })],
    ['POST', '/organisation', 'storage_config', (id) => ({ storage_config_default: id })],
    ['POST', '/organisation', 'webhook_config', (id) => ({ webhook_config_default: Number(id) })],
    ['POST', '/keys', 'storage_config', (id) => ({ storage_config: id })],
    ['POST', '/keys', 'webhook_config', (id) => ({ webhook_config: Number(id) })],
  ];

  it.each(BODY_REFS.map(([m, p, k, f]) => [`${m} ${p} (${k})`, m, p, k, f] as const))(
    "treats another tenant's id in the body of %s like a missing id",
    async (_n, method, path, kind, build) => {
      const { t, a, b } = w;
      const real = a.ids[kind] as string;
      const absent = missingId(kind);
      const beforeA = dumpTenant(t, a.org);
      const beforeB = dumpTenant(t, b.org);
      const foreign = await send(t, b.token, method, path, JSON.stringify(build(real)));
      const missing = await send(t, b.token, method, path, JSON.stringify(build(absent)));
      expect(foreign.status, foreign.text).toBeGreaterThanOrEqual(400);
      expect(foreign.status).toBeLessThan(500);
      expect(foreign.text).toBe(missing.text.replaceAll(absent, real));
      expect(dumpTenant(t, a.org)).toBe(beforeA);
      expect(dumpTenant(t, b.org)).toBe(beforeB);
    },
  );

  describe.each(LIST_OPS.map((op) => [`${op.method} ${op.path}`, op] as const))('%s', (_name, op) => {
    it("never lists another tenant's items, whatever the filters", async () => {
      const { t, a, b } = w;
      const path = op.path.replace('{id}', (op.idKind && a.ids[op.idKind]) || (a.ids.source as string));
      const queries = ['limit=1000'];
      for (const p of op.params.filter((p) => p.in === 'query')) {
        const kind = LISTS.refKindByField.get(p.name);
        if (kind) queries.push(`limit=1000&${p.name}=${a.ids[kind]}`);
      }
      queries.push(`limit=1000&after_id=${a.ids[op.idKind ?? 'user'] ?? '1'}`);
      for (const q of queries) {
        const res = await send(t, b.token, 'GET', `${path}?${q}`);
        expect(res.status, `${path}?${q} → ${res.text}`).toBeLessThan(500);
        if (res.status === 200) {
          const data = (JSON.parse(res.text) as { data: { id: string }[] }).data;
          const leaked = data.map((d) => String(d.id)).filter((id) => a.all.has(id));
          expect(leaked, `${path}?${q} leaked tenant A's items`).toEqual([]);
        }
      }
    });
  });

  it("lets tenant B's lists stay empty while tenant A's are full", async () => {
    const { t, a, b } = w;
    for (const path of [
      '/users',
      '/sessions',
      '/polls',
      '/tasks',
      '/results',
      '/events',
      '/subscriptions',
      '/sources',
    ]) {
      const mine = JSON.parse((await send(t, a.token, 'GET', path)).text) as { total_count: number };
      const theirs = JSON.parse((await send(t, b.token, 'GET', path)).text) as { total_count: number };
      expect(mine.total_count, path).toBeGreaterThan(0);
      expect(theirs.total_count, path).toBe(0);
    }
  });
});

describe('per-tenant reset', () => {
  it('resets one tenant to its creation state and leaves the other byte-identical', async () => {
    const t = testMock({ timings: { webhookTimeoutMs: 200 } });
    const control = async (method: string, path: string, body?: unknown) => {
      const res = await t.mock.app.request(`/_mock${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const one = await control('POST', '/organisations', { name: 'One' });
    const two = await control('POST', '/organisations', { name: 'Two' });
    expect(one.status, JSON.stringify(one.body)).toBe(201);
    const oneId = one.body.organisation.id as number;
    const twoId = two.body.organisation.id as number;
    const fresh = dumpTenant(t, oneId);
    for (const token of [one.body.token, two.body.token] as string[]) {
      const user = await t.post('/users', { identifier: 'u@example.com' }, { token });
      await t.post(
        '/sessions',
        {
          source: { user: user.body.id, type: 'icloud.account', identifier: 'u+no2fa@example.com' },
          payload: {},
        },
        { token },
      );
    }
    await t.advance(30);
    const twoBefore = dumpTenant(t, twoId);
    const presetBefore = dumpTenant(t, 1);
    const jobsOfTwo = t.mock.ctx.scheduler.pending().filter((j) => j.org === twoId).length;
    const reset = await control('POST', `/organisations/${oneId}/reset`);
    expect(reset.status).toBe(200);
    expect(dumpTenant(t, oneId)).toBe(fresh);
    expect(dumpTenant(t, twoId)).toBe(twoBefore);
    expect(dumpTenant(t, 1)).toBe(presetBefore);
    expect(t.mock.ctx.scheduler.pending().filter((j) => j.org === oneId)).toEqual([]);
    expect(t.mock.ctx.scheduler.pending().filter((j) => j.org === twoId).length).toBe(jobsOfTwo);
    const users = await t.get('/users', { token: one.body.token });
    expect(users.body.total_count).toBe(0);
    const others = await t.get('/users', { token: two.body.token });
    expect(others.body.total_count).toBe(1);
  });
});
