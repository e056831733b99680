// Two tenants in one mock: nothing of one is visible to, or changeable by, the other, on every endpoint.
import { describe, expect, it } from 'vitest';
import { createOrganisation } from '../server/domain/presets.ts';
import { listKindOf, resourceKindOf } from '../server/spec/derived.ts';
import { type ApiResponse, type TestMock, testMock } from './helpers/api.ts';
import { LISTS } from './helpers/spec.ts';
import { validWebhookConfig } from './helpers/webhook.ts';

const MISSING_SEQ = '999999';
const MISSING_UUID = '0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f';

/** A resource kind, as the spec names it (x-resource-kind: `user`, `storage_config`, ...). */
type Kind = string;

/** The collections (`/configs/storage`) and their kinds, and the kinds with sequence ids: derived from the spec. */
const KIND_BY_PREFIX = LISTS.kindByPrefix;
const SEQ_KINDS = LISTS.seqKinds;

/** A valid body for each update/create that takes an id in its path, so that only the id can fail. */
const PATH_OP_BODIES: Record<string, unknown> = {
  updateKey: { state: 'active' },
  updateUser: { state: 'active' },
  updateSource: { state: 'active' },
  updateStorageConfig: { signed_urls_enabled: true },
  updateWebhookConfig: { url: 'http://127.0.0.1:9/hooks' },
  updatePermissions: { identifier: 'renamed' },
};

const INFO = { info_types: ['account.info'] };

/** Builds one tenant's world through HTTP with its token: every kind of resource exists at least once. */
async function populate(t: TestMock, token: string, tag: string): Promise<Record<Kind, string>> {
  const as = { token };
  const ok = <T extends ApiResponse>(res: T, status: number): T => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res;
  };
  const user = ok(await t.post('/users', { identifier: `${tag}-user` }, as), 201).body;
  const session = ok(
    await t.post(
      '/sessions',
      {
        source: { user: user.id, type: 'icloud.account', identifier: `${tag}+no2fa@example.com` },
        payload: { password: 'pw' },
      },
      as,
    ),
    201,
  ).body;
  const relay = ok(
    await t.post(
      '/sessions',
      {
        source: { user: user.id, type: 'rirelay.instance', identifier: 'x' },
        payload: { code: `${tag}-code` },
      },
      as,
    ),
    201,
  ).body;
  await t.advance(10);
  const poll = ok(await t.post('/polls', { session: session.id, payload: INFO }, as), 201).body;
  await t.advance(60);
  const key = ok(await t.post('/keys', {}, as), 201).body;
  const permissions = ok(
    await t.post('/permissions', { identifier: tag, scopes: { 'task_type:*': [] } }, as),
    201,
  ).body;
  // Subscriptions need a valid webhook config.
  const webhook = (await validWebhookConfig(t, token)).config;
  const subscription = ok(
    await t.post('/subscriptions', { session: session.id, poll_payload: INFO }, as),
    201,
  ).body;
  const storage = (await t.get('/configs/storage', as)).body.data[0];
  const task = (await t.get(`/tasks?poll=${poll.id}`, as)).body.data[0];
  const result = (await t.get(`/results?poll=${poll.id}`, as)).body.data[0];
  const event = (await t.get('/events', as)).body.data[0];
  const ids = {
    key: key.id,
    user: user.id,
    source: relay.source.id,
    session: session.id,
    poll: poll.id,
    subscription: subscription.id,
    task: task?.id,
    result: result?.id,
    event: event?.id,
    storage_config: storage?.id,
    webhook_config: webhook.id,
    permissions: permissions.id,
  };
  // One record of every kind the spec has a collection of (a new collection needs one here).
  expect(Object.keys(ids).sort()).toEqual(KIND_BY_PREFIX.map(([, kind]) => kind).sort());
  for (const [kind, id] of Object.entries(ids))
    expect(id, `${tag} has a ${kind}`).toEqual(expect.any(String));
  return ids as Record<Kind, string>;
}

/** A mock with tenant A (the preset, token t.mock.token) and tenant B (created beside it), both populated. */
async function twoTenants() {
  const t = testMock();
  const b = createOrganisation(t.mock.ctx, { name: 'Other Tenant', storageUrl: 's3://other-tenant/results' });
  const aIds = await populate(t, t.mock.token, 'a');
  const bIds = await populate(t, b.key.token, 'b');
  return { t, bToken: b.key.token, aIds, bIds };
}

/** The kind of id a path template takes (its x-resource-kind). */
const kindOf = (path: string): Kind => resourceKindOf(LISTS, path);

/** A populated tenant's id of a kind (populate made one of every kind). */
function idOf(ids: Record<Kind, string>, kind: Kind): string {
  const id = ids[kind];
  if (id === undefined) throw new Error(`no ${kind} was populated`);
  return id;
}

const same = (res: ApiResponse, id: string) => `${res.status} ${res.text.replaceAll(id, '<id>')}`;

/** Everything tenant B can read about itself, to prove A's attempts changed nothing. */
async function snapshotOf(t: TestMock, token: string, ids: Record<Kind, string>): Promise<string[]> {
  const paths = [
    '/organisation',
    '/key',
    ...KIND_BY_PREFIX.map(([prefix, kind]) => `${prefix}/${ids[kind]}`),
    ...KIND_BY_PREFIX.map(([prefix]) => `${prefix}?limit=1000`),
  ];
  const out: string[] = [];
  for (const p of paths) out.push(`${p} ${(await t.get(p, { token })).text}`);
  return out;
}

describe('tenancy', () => {
  it("every operation that takes an id answers another organisation's id with the 404 of a missing id", async () => {
    const { t, bToken, bIds } = await twoTenants();
    const before = await snapshotOf(t, bToken, bIds);
    const ops = [...t.mock.ctx.spec.operations.values()].filter((op) => op.path.includes('{id}'));
    expect(ops.length).toBeGreaterThanOrEqual(25);
    for (const op of ops) {
      const kind = kindOf(op.path);
      const otherId = idOf(bIds, kind);
      const missingId = SEQ_KINDS.has(kind) ? MISSING_SEQ : MISSING_UUID;
      const body = op.body === 'none' ? undefined : (PATH_OP_BODIES[op.id] ?? {});
      const other = await t.api(op.method, op.path.replace('{id}', otherId), { body });
      const missing = await t.api(op.method, op.path.replace('{id}', missingId), { body });
      expect(other.status, `${op.id} with the other tenant's ${kind}`).toBe(404);
      expect(same(other, otherId), op.id).toBe(same(missing, missingId));
      expect(other.body.params, op.id).toMatchObject({ id: otherId });
    }
    expect(await snapshotOf(t, bToken, bIds)).toEqual(before);
  });

  it('an id of the other organisation inside a body is answered like a missing one, and creates nothing', async () => {
    const { t, bToken, aIds, bIds } = await twoTenants();
    const before = await snapshotOf(t, bToken, bIds);
    const countsBefore = await countsOf(t);
    const cases: [string, string, Kind, (id: string) => unknown][] = [
      ['POST', '/keys', 'storage_config', (id) => ({ storage_config: id })],
      ['POST', '/keys', 'webhook_config', (id) => ({ webhook_config: id })],
      ['POST', `/keys/${aIds.key}`, 'storage_config', (id) => ({ storage_config: id })],
      ['POST', '/organisation', 'storage_config', (id) => ({ storage_config_default: id })],
      ['POST', '/organisation', 'webhook_config', (id) => ({ webhook_config_default: id })],
      [
        'POST',
        '/sessions',
        'user',
        (id) => ({
          source: { user: id, type: 'icloud.account', identifier: 'z+no2fa@example.com' },
          payload: { password: 'p' },
        }),
      ],
      ['POST', '/polls', 'session', (id) => ({ session: id, payload: INFO })],
      ['POST', '/polls', 'subscription', (id) => ({ subscription: id, payload: INFO })],
      ['POST', '/polls', 'source', (id) => ({ session: aIds.session, source: id, payload: INFO })],
      ['POST', '/subscriptions', 'session', (id) => ({ session: id, poll_payload: INFO })],
      ['POST', '/results/ack', 'result', (id) => ({ ids: [id] })],
    ];
    for (const [method, path, kind, makeBody] of cases) {
      const otherId = idOf(bIds, kind);
      const missingId = SEQ_KINDS.has(kind) ? MISSING_SEQ : MISSING_UUID;
      const other = await t.api(method, path, { body: makeBody(otherId) });
      const missing = await t.api(method, path, { body: makeBody(missingId) });
      expect(other.status, `${method} ${path} with the other tenant's ${kind}`).toBeGreaterThanOrEqual(400);
      expect(same(other, otherId), `${method} ${path} ${kind}`).toBe(same(missing, missingId));
    }
    expect(await countsOf(t)).toEqual(countsBefore);
    expect(await snapshotOf(t, bToken, bIds)).toEqual(before);
  });

  it("lists never include the other organisation's items, in either direction", async () => {
    const { t, bToken, aIds, bIds } = await twoTenants();
    const lists = [...t.mock.ctx.spec.operations.values()].filter(
      (op) => op.method === 'GET' && !op.path.includes('{') && op.queryNames.has('limit'),
    );
    expect(lists.length).toBeGreaterThanOrEqual(12);
    for (const [token, own, other] of [
      [t.mock.token, aIds, bIds],
      [bToken, bIds, aIds],
    ] as const) {
      for (const op of lists) {
        const res = await t.get(`${op.path}?limit=1000`, { token });
        expect(res.status, op.id).toBe(200);
        const kind = listKindOf(LISTS, op.id);
        const listed = res.body.data.map((x: { id: string }) => x.id);
        expect(listed, `${op.id} lists its own ${kind}`).toContain(own[kind]);
        expect(listed, `${op.id} hides the other's ${kind}`).not.toContain(other[kind]);
        // No UUID of the other tenant appears anywhere, nested objects included.
        for (const k of Object.keys(other) as Kind[]) {
          if (!SEQ_KINDS.has(k)) expect(res.text, `${op.id} leaks a ${k}`).not.toContain(other[k]);
        }
      }
    }
    const keys = (await t.get('/keys?limit=1000')).text;
    expect(keys).not.toContain(bToken);
    const org = (await t.get('/organisation')).body;
    expect(org.storage_configs.data.map((s: { id: string }) => s.id)).not.toContain(bIds.storage_config);
    expect(org.webhook_configs.data.map((w: { id: string }) => w.id)).not.toContain(bIds.webhook_config);
  });

  it("filters and cursors naming the other organisation's ids find nothing", async () => {
    const { t, bIds } = await twoTenants();
    for (const path of [
      `/sources?user=${bIds.user}`,
      `/sessions?user=${bIds.user}`,
      `/polls?session=${bIds.session}`,
      `/tasks?poll=${bIds.poll}`,
      `/results?poll=${bIds.poll}`,
      `/subscriptions?session=${bIds.session}`,
    ]) {
      const res = await t.get(path);
      expect(res.status, path).toBe(200);
      expect(res.body.data, path).toEqual([]);
      expect(res.body.total_count, path).toBe(0);
    }
    for (const [path, kind] of [
      ['/users', 'user'],
      ['/sessions', 'session'],
      ['/polls', 'poll'],
      ['/keys', 'key'],
    ] as const) {
      const other = await t.get(`${path}?after_id=${bIds[kind]}`);
      const missing = await t.get(`${path}?after_id=${SEQ_KINDS.has(kind) ? MISSING_SEQ : MISSING_UUID}`);
      expect(other.status, path).toBe(400);
      expect(other.body.params, path).toEqual(missing.body.params);
    }
  });

  it("the other organisation's token sees its own organisation, not the preset's", async () => {
    const t = testMock();
    const b = createOrganisation(t.mock.ctx, { name: 'Second', token: 'second-token' });
    const res = await t.get('/organisation', { token: 'second-token' });
    expect(res.body).toMatchObject({ id: b.org.id, name: 'Second', state: 'unconfigured' });
    expect((await t.get('/key', { token: 'second-token' })).body.organisation).toBe(String(b.org.id));
    expect((await t.get('/organisation')).body.id).toBe(1);
  });
});

/** How many items tenant A has of each kind. */
async function countsOf(t: TestMock): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [prefix] of KIND_BY_PREFIX) out[prefix] = (await t.get(`${prefix}?limit=1`)).body.total_count;
  return out;
}
