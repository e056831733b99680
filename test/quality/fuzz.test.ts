/**
 * Spec-driven fuzzing: random sequences of valid and broken requests, generated from openapi/ricloud-v3.yaml,
 * against one tenant. Properties: no 5xx; every response matches the spec (testMock validates each one); every 4xx
 * has the error body and changes nothing. Seeded: FUZZ_SEED=<n> replays a run; FUZZ_RUNS=<n> sets the number of
 * requests (CI default 2,000; `npm run fuzz` 10,000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { testMock } from '../helpers/api.ts';
import { LISTS } from '../helpers/spec.ts';
import {
  type FuzzRequest,
  type FuzzStep,
  IdPool,
  kindOfList,
  type RunContext,
  resolveRefs,
  runRequest,
} from './fuzz-runner.ts';
import {
  bodyMutationArb,
  FUZZ_LOCAL_ROOT,
  mutateBody,
  type Operation,
  oddString,
  specOperations,
  validArb,
} from './spec-arbitraries.ts';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? 20260101);
const SEQUENCE = { min: 20, max: 30 };

const localRoot = mkdtempSync(join(tmpdir(), 'ricloud-fuzz-'));
FUZZ_LOCAL_ROOT.path = localRoot;
afterAll(() => rmSync(localRoot, { recursive: true, force: true }));

const ALL_OPS = specOperations();
const OPS = new Map(ALL_OPS.map((o) => [o.id, o]));

/** Operations that have a handler: a valid request to a missing route answers the pipeline's route 404. */
async function probeImplemented(): Promise<{ implemented: Operation[]; missing: string[] }> {
  const implemented: Operation[] = [];
  const missing: string[] = [];
  for (const op of ALL_OPS) {
    // A fresh mock per operation: rotating or deactivating the key must not blind the next probe.
    const t = testMock({ seed: 'probe' });
    const path = op.path.replace(
      '{id}',
      op.idKind && LISTS.idShapeByKind.get(op.idKind) === 'uuid'
        ? '00000000-0000-4000-8000-000000000000'
        : '1',
    );
    const body = op.body ? minimalBody(op) : undefined;
    const res = await t.mock.app.request(path, {
      method: op.method,
      headers: {
        Authorization: `Token ${t.mock.token}`,
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json().catch(() => ({}))) as { params?: Record<string, unknown> };
    if (res.status === 404 && json.params && 'path' in json.params && !('resource' in json.params)) {
      missing.push(`${op.method} ${op.path} (${op.id})`);
    } else {
      implemented.push(op);
    }
    t.mock.close();
  }
  return { implemented, missing };
}

/** A small valid body for an operation (ids that do not exist: the handler answers 404, not the pipeline). */
function minimalBody(op: Operation): Record<string, unknown> {
  const sample = fc.sample(validArb(op.body ?? {}, { op, depth: 0 }), { seed: 1, numRuns: 1 })[0];
  return JSON.parse(
    JSON.stringify(sample, (_k, v) =>
      v && typeof v === 'object' && '$idref' in v
        ? ['user', 'source', 'storage_config', 'webhook_config', 'key', 'permissions'].includes(v.$idref)
          ? '999999'
          : '00000000-0000-4000-8000-000000000000'
        : v,
    ),
  ) as Record<string, unknown>;
}

const ANY = { kind: 'any' } as const;

const PRELUDE: [string, string, unknown][] = [
  ['GET', '/organisation', undefined],
  ['POST', '/users', { identifier: 'alice@example.com' }],
  ['POST', '/users', { identifier: 'bob@example.com' }],
  [
    'POST',
    '/sessions',
    {
      source: {
        user: { $idref: 'user', pick: 0 },
        type: 'icloud.account',
        identifier: 'alice+no2fa@example.com',
      },
      payload: { password: 'x' },
    },
  ],
  ['POST', '/polls', { session: { $idref: 'session', pick: 0 }, payload: { data_types: ['callkit.calls'] } }],
];
const status = (statuses: number[], why: string) => ({ kind: 'status' as const, statuses, why });

function queryArb(op: Operation): fc.Arbitrary<[string, unknown][]> {
  const qp = op.params.filter((p) => p.in === 'query');
  if (!qp.length) return fc.constant([]);
  return fc
    .subarray(qp, { maxLength: 3 })
    .chain((chosen) =>
      chosen.length
        ? fc.tuple(
            ...chosen.map((p) =>
              (p.name === 'after_id' || p.name === 'before_id'
                ? fc.nat({ max: 50 }).map((pick) => ({ $idref: kindOfList(op), pick }))
                : validArb(p.schema, { op, field: p.name, depth: 0 })
              ).map((v) => [p.name, v] as [string, unknown]),
            ),
          )
        : fc.constant([] as [string, unknown][]),
    );
}

const pathIdArb = fc.oneof(
  { weight: 6, arbitrary: fc.nat({ max: 20 }).map((pick) => ({ kind: 'ref' as const, pick })) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('shaped' as const), n: fc.nat(), uuid: fc.uuid() }) },
);

const oddIdArb = fc.oneof(
  fc.record({ kind: fc.constant('odd' as const), raw: oddString, encode: fc.constant(true) }),
  fc.record({
    kind: fc.constant('odd' as const),
    raw: fc.constantFrom(
      '..%2F..%2Fetc',
      '%2e%2e',
      '0',
      '-1',
      '1.0',
      '00001',
      '1e3',
      '%zz',
      '%00',
      '0x1F',
      'ABC',
      'x'.repeat(5000),
    ),
    encode: fc.constant(false),
  }),
);

/** Requests for one operation: valid ones, and one broken aspect at a time with the status it must get. */
function requestArb(op: Operation): fc.Arbitrary<FuzzRequest> {
  const base = {
    opId: op.id,
    query: [] as [string, unknown][],
    auth: 'valid' as FuzzRequest['auth'],
    expect: ANY as FuzzRequest['expect'],
  };
  const bodyArb = op.body ? validArb(op.body, { op, depth: 0 }) : fc.constant(undefined);
  const hasId = op.path.includes('{id}');
  const valid = fc
    .record({
      pathId: pathIdArb,
      query: queryArb(op),
      body: bodyArb,
      // Under the manual clock a held request waits wall time (the header's seconds): short values keep runs fast;
      // large values are clamped (test/quality/bad-input.test.ts covers that on a scaled clock).
      awaitHeader: fc.option(fc.constantFrom('0', '0.01', '0.05'), { nil: undefined }),
      auth: fc.constantFrom<FuzzRequest['auth']>('valid', 'valid', 'valid', 'lowercase'),
      contentType: fc.constantFrom(undefined, 'application/json; charset=utf-8', 'application/vnd.api+json'),
    })
    .map((r) => ({ ...base, ...r, label: 'valid' }));
  const variants: fc.Arbitrary<FuzzRequest>[] = [valid];
  variants.push(
    fc
      .record({
        auth: fc.constantFrom<FuzzRequest['auth']>('missing', 'bearer', 'empty', 'wrong'),
        body: bodyArb,
        pathId: pathIdArb,
      })
      .map((r) => ({ ...base, ...r, label: 'auth', expect: status([401], 'the token is missing or wrong') })),
    fc
      .record({
        awaitHeader: fc.constantFrom(
          '-1',
          'abc',
          '1e3',
          'NaN',
          'Infinity',
          '0x1',
          '1,5',
          '1.',
          '.5',
          '½',
          '10 s',
        ),
        body: bodyArb,
        pathId: pathIdArb,
      })
      .map((r) => ({
        ...base,
        ...r,
        label: 'await',
        expect: status([400], 'Ricloud-Await is not a number'),
      })),
    fc
      .record({
        query: fc.oneof(
          fc
            .tuple(
              fc.constantFrom('foo', 'LIMIT', 'limit[]', '__proto__', 'constructor', 'toString', 'états'),
              fc.string({ maxLength: 5 }),
            )
            .map((q) => [q]),
          ...(op.params.some((p) => p.name === 'limit')
            ? [
                fc
                  .constantFrom('0', '1001', '-1', 'abc', '1.5', '99999999999999999999', 'true')
                  .map((v) => [['limit', v]]),
              ]
            : []),
        ) as fc.Arbitrary<[string, unknown][]>,
        body: bodyArb,
        pathId: pathIdArb,
      })
      .map((r) => ({
        ...base,
        ...r,
        label: 'query',
        expect: status([400], 'a query parameter is unknown or out of range'),
      })),
  );
  if (hasId) {
    variants.push(
      fc
        .record({ pathId: oddIdArb, body: bodyArb })
        // A `%2e%2e` id is a dot segment: URL parsing removes it with its parent (`/tasks/%2e%2e/results` is
        // `/results`), so on a nested list's path it names another route rather than a malformed id.
        .filter((r) => !(r.pathId.raw === '%2e%2e' && !op.path.endsWith('{id}')))
        .map((r) => ({
          ...base,
          ...r,
          label: 'bad-id',
          expect: status([404], 'an id of the wrong shape cannot exist'),
        })),
    );
  }
  if (op.body) {
    variants.push(
      fc.record({ body: bodyArb, m: bodyMutationArb, pathId: pathIdArb }).map(({ body, m, pathId }) => ({
        ...base,
        pathId,
        body: mutateBody((body ?? {}) as Record<string, unknown>, m, op),
        label: `body:${m.kind}`,
      })),
      fc
        .record({
          raw: fc.constantFrom(
            '{',
            '{"a":1,}',
            "{'a':1}",
            '[]',
            '1',
            'null',
            '"s"',
            '{"a":1}{"b":2}',
            'NaN',
            '[{}]',
            '{"a":',
          ),
          pathId: pathIdArb,
        })
        .map((r) => ({
          ...base,
          ...r,
          label: 'malformed',
          expect: status([400], 'the body is not a JSON object'),
        })),
      fc
        .record({
          body: bodyArb.filter((b) => b !== undefined),
          contentType: fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data',
            'application/xml',
          ),
          pathId: pathIdArb,
        })
        .map((r) => ({
          ...base,
          ...r,
          label: 'content-type',
          expect: status([415], 'the body is not JSON'),
        })),
    );
  }
  return fc.oneof(...variants);
}

/** Canned valid requests that take the tenant deep (active sessions, polls, configs), with ids from the pool. */
function recipes(): fc.Arbitrary<FuzzRequest> {
  const r = (opId: string, body: unknown, label: string): FuzzRequest => ({
    opId,
    body,
    query: [],
    auth: 'valid',
    expect: ANY,
    label: `recipe:${label}`,
  });
  const ref = (k: string, pick: number) => ({ $idref: k, pick });
  return fc.nat({ max: 5 }).chain((pick) =>
    fc.constantFrom(
      r('createUser', { identifier: `fuzz-${pick}@example.com` }, 'user'),
      r(
        'createSession',
        {
          source: {
            user: ref('user', pick),
            type: 'icloud.account',
            identifier: `jane+no2fa-${pick}@example.com`,
          },
          payload: { password: 'x' },
        },
        'session-no2fa',
      ),
      r(
        'createSession',
        {
          source: { user: ref('user', pick), type: 'icloud.account', identifier: 'two@example.com' },
          payload: { password: 'x', code: '123456' },
        },
        'session-2fa',
      ),
      r(
        'createSession',
        {
          source: {
            user: ref('user', pick),
            type: 'mocks.mock',
            identifier: 'john.appleseed@reincubate.com',
          },
          payload: { password: 'abcd1234' },
        },
        'session-mock',
      ),
      r(
        'createSession',
        { source: { user: ref('user', pick), type: 'rirelay.instance' }, payload: { code: `PAIR${pick}` } },
        'session-relay',
      ),
      r(
        'createPoll',
        {
          session: ref('session', pick),
          payload: { info_types: ['*'], data_types: ['callkit.calls', 'ios_notes.notes'] },
        },
        'poll',
      ),
      r('createPoll', { session: ref('session', pick), payload: { files: ['nope'] } }, 'poll-file'),
      r(
        'createSubscription',
        { session: ref('session', pick), poll_payload: { data_types: ['callkit.calls'] }, interval: 3600 },
        'subscription',
      ),
      r('createWebhookConfig', { url: 'http://127.0.0.1:9/hooks' }, 'webhook'),
      r('createStorageConfig', { url: `local://${localRoot}/store-${pick}` }, 'storage'),
      r('ackResults', { ids: [ref('result', pick), ref('result', pick + 1)] }, 'ack'),
    ),
  );
}

/** Requests outside the operations: unknown routes and wrong methods. */
const offRouteArb: fc.Arbitrary<FuzzRequest> = fc
  .constantFrom(
    ['GET', '/nope', [404]],
    ['GET', '/users/1/extra', [404]],
    ['GET', '/_mockish', [404]],
    ['PUT', '/users/1', [405]],
    ['PATCH', '/organisation', [405]],
    ['DELETE', '/users', [405]],
    ['PUT', '/sources', [405]],
    ['POST', '/tasks', [405]],
    ['GET', '/v3/users', [404]],
    ['GET', '/%2e%2e/%2e%2e/etc/passwd', [404]],
    ['GET', `/${'a'.repeat(10_000)}`, [404]],
  )
  .map(([method, path, statuses]) => ({
    opId: 'off-route',
    method: method as string,
    rawPath: path as string,
    query: [],
    auth: 'valid' as const,
    expect: status([...(statuses as readonly number[])], 'no such route or method'),
    label: 'off-route',
  }));

const stepArb = (ops: Operation[]): fc.Arbitrary<FuzzStep> =>
  fc.oneof(
    {
      weight: 14,
      arbitrary: fc
        .constantFrom(...ops)
        .chain(requestArb)
        .map((req) => ({ kind: 'request' as const, req })),
    },
    { weight: 4, arbitrary: recipes().map((req) => ({ kind: 'request' as const, req })) },
    { weight: 1, arbitrary: offRouteArb.map((req) => ({ kind: 'request' as const, req })) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(1, 3, 10, 60, 3600, 4 * 3600)
        .map((seconds) => ({ kind: 'advance' as const, seconds })),
    },
  );

describe('spec-driven fuzzing', async () => {
  const { implemented, missing } = await probeImplemented();

  it('serves every operation of the spec (a valid request never hits the route-not-found 404)', () => {
    expect(missing, `operations without a route:\n${missing.join('\n')}`).toEqual([]);
  });

  it(`holds the properties over ≥ ${FUZZ_RUNS} generated requests (seed ${SEED})`, {
    timeout: 600_000,
  }, async () => {
    expect(implemented.length).toBeGreaterThan(0);
    const count = { requests: 0, byStatus: new Map<number, number>(), byOp: new Map<string, number>() };
    // Advance steps are ~1 in 10: 16 requests per run is a safe floor.
    const numRuns = Math.ceil(FUZZ_RUNS / 16);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(stepArb(implemented), { minLength: SEQUENCE.min, maxLength: SEQUENCE.max }),
          async (steps) => {
            const t = testMock({ seed: 'fuzz', timings: { webhookTimeoutMs: 200 } });
            const orgId = [...t.mock.ctx.world.orgs.keys()][0] as number;
            const rc: RunContext = {
              t,
              orgId,
              token: t.mock.token,
              ops: OPS,
              pool: new IdPool(),
              transcript: [],
              count,
            };
            try {
              // A small world first (users, an active session, a poll), so that valid requests reach deep states.
              for (const [method, path, body] of PRELUDE) {
                const res = await t.api(method, path, { body: resolveRefs(body, rc.pool) });
                if (res.status < 300) rc.pool.harvest(res.body);
                if (path === '/sessions' || path === '/polls') await t.advance(30);
              }
              for (const step of steps) {
                if (step.kind === 'advance') {
                  rc.transcript.push(`(advance ${step.seconds} s)`);
                  await t.advance(step.seconds);
                } else {
                  await runRequest(rc, step.req);
                }
              }
            } finally {
              t.mock.close();
            }
          },
        ),
        { seed: SEED, numRuns, endOnFailure: true },
      );
    } catch (err) {
      console.error(`fuzz failed — replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${FUZZ_RUNS}`);
      throw err;
    }
    const statuses = [...count.byStatus.entries()].sort((a, b) => a[0] - b[0]);
    console.info(
      `fuzz: ${count.requests} requests over ${count.byOp.size} operations (seed ${SEED}); statuses ${statuses
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')}`,
    );
    expect(count.requests).toBeGreaterThanOrEqual(FUZZ_RUNS);
  });
});
