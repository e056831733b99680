/**
 * The spec never lies, checked for every operation of both specs (openapi/ricloud-v3.yaml and the control API's
 * openapi/control.yaml), with requests generated from the specs themselves:
 * - positive acceptance: a request generated VALID (path, query, headers and body all pass the spec's schemas,
 *   checked with ajv before it is sent) is never answered `invalid-parameters` or `malformed-request`, except by a
 *   state rule an operation's description names (STATE_RULES); any other answer the state allows (404, 409, 403)
 *   is fine, a 5xx never;
 * - negative rejection: a request generated INVALID — one path parameter, query parameter, header or body field
 *   broken per request, chosen from the schema and checked invalid with ajv — is always a 4xx (400; 404 for a path
 *   id, which cannot exist) in the error shape, and changes nothing (the whole mock's state before and after).
 * Seeded: PROPS_SEED replays; FUZZ_RUNS sets the number of requests per spec (CI 600; `npm run fuzz` 10,000).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { exportState } from '../../server/domain/snapshot.ts';
import { addSpecFormats } from '../../server/spec/ajv.ts';
import { type TestMock, testMock } from '../helpers/api.ts';
import { spec as ricloudDoc } from '../helpers/spec.ts';
import { encodeAny, IdPool, kindOfList, resolveRefs } from './fuzz-runner.ts';
import {
  FUZZ_LOCAL_ROOT,
  garbage,
  isIdRef,
  type Operation,
  oddString,
  type Param,
  specOperations,
  validArb,
} from './spec-arbitraries.ts';

type Json = Record<string, unknown>;

const RUNS = Number(process.env.FUZZ_RUNS ?? 600);
const SEED = Number(process.env.PROPS_SEED ?? process.env.FUZZ_SEED ?? 20261001);
const STEPS = 20;

const localRoot = mkdtempSync(join(tmpdir(), 'ricloud-props-'));
FUZZ_LOCAL_ROOT.path = localRoot;
afterAll(() => rmSync(localRoot, { recursive: true, force: true }));

const controlDoc = JSON.parse(
  readFileSync(new URL('../../openapi/control.json', import.meta.url), 'utf8'),
) as Json;

/** Validators for one document: by JSON pointer (`#/paths/...`), as the server's pipeline compiles them. */
function validatorsOf(doc: Json) {
  // The server's own formats (date-or-date-time, the strict date-time): what is valid here is valid there.
  const ajv = addSpecFormats(new Ajv2020({ strict: false, allErrors: false, validateSchema: false }));
  ajv.addSchema(doc, 'doc');
  const cache = new Map<string, ValidateFunction>();
  return (pointer: string, value: unknown): boolean => {
    let v = cache.get(pointer);
    if (!v) {
      v = ajv.compile({ $ref: `doc${pointer}` });
      cache.set(pointer, v);
    }
    return v(value) as boolean;
  };
}

/**
 * The 400s that depend on state, not on the request's shape, each named in its operation's (or parameter's)
 * description in the spec: by operation, the `params` key and the reason the server gives.
 */
const LIST_RULES: [string, RegExp][] = [
  ['after_id', /is not an id in this list/],
  ['before_id', /is not an id in this list/],
];
const STATE_RULES: Record<string, [string, RegExp][]> = {
  // POST /sessions: an unknown source.user (the id is in the body).
  createSession: [['source.user', /no such user/]],
  // POST /polls: the subscription's session must be the given one; `source` must belong to the session; "*" on a
  // source type without info types.
  createPoll: [
    ['session', /is not the session of the subscription/],
    ['source', /is not the session's source or one of its children/],
    ['payload.info_types', /offers no info types/],
  ],
  createSubscription: [
    ['source', /is not the session's source or one of its children/],
    // Cross-field: date_end after date_start (a schema cannot compare two values).
    ['date_end', /must be after date_start/],
  ],
  // POST /users: a `key` that is not a key of the organisation; POST /sources: an unknown user.
  createUser: [['key', /no key .* in this organisation/]],
  createSource: [['user', /no such user/]],
  // Renaming a user onto another user's identifier.
  updateUser: [['identifier', /is already used by user/]],
  // Control API: a token already used by another key; a state that is not one GET /_mock/state exported.
  createOrganisation: [['token', /is already used by another key/]],
  importState: [['state', /is not an exported state/]],
};

interface Spec {
  name: 'ricloud' | 'control';
  doc: Json;
  ops: Operation[];
  valid: (pointer: string, value: unknown) => boolean;
}

const SPECS: Spec[] = [
  { name: 'ricloud', doc: ricloudDoc, ops: specOperations(ricloudDoc), valid: validatorsOf(ricloudDoc) },
  { name: 'control', doc: controlDoc, ops: specOperations(controlDoc), valid: validatorsOf(controlDoc) },
];

/**
 * Bounds the property test puts on values it generates (the spec allows more): the clock moves at most a day per
 * request (ten years of hourly subscription polls would run ~90,000 polls in one request). Sizes stay valid.
 */
const OVERRIDES: Record<string, fc.Arbitrary<unknown>> = {
  'advanceClock.seconds': fc.oneof(
    fc.constantFrom(0, 1, 30, 3600),
    fc.double({ min: 0, max: 86_400, noNaN: true }),
  ),
};

/** One generated request, before ids are resolved against the pool. */
interface Req {
  op: Operation;
  path: Record<string, unknown>;
  query: [string, unknown][];
  headers: [string, unknown][];
  body?: unknown;
  /** A raw body (not JSON, not an object) instead of `body`. */
  raw?: string;
  /** What was broken (negative requests), for the transcript and the expected status. */
  broken?: { where: 'path' | 'query' | 'header' | 'body'; what: string };
}

/** A value with every id reference replaced by a well-formed id of its kind (so ajv can judge the shape). */
const placeholder = (v: unknown) => resolveRefs(v, new IdPool());

function paramArb(op: Operation, p: Param): fc.Arbitrary<unknown> {
  if (p.name === 'after_id' || p.name === 'before_id') {
    return fc.nat({ max: 30 }).map((pick) => ({ $idref: kindOfList(op), pick }));
  }
  return validArb(p.schema, { op, field: p.name, depth: 0, overrides: OVERRIDES });
}

/** A valid request for an operation (path ids from the pool where it has seen some). */
function validReqArb(s: Spec, op: Operation): fc.Arbitrary<Req> {
  const pick = (where: Param['in']) => op.params.filter((p) => p.in === where);
  const pathArb = fc.record(
    Object.fromEntries(
      pick('path').map((p) => [
        p.name,
        s.name === 'ricloud' && op.idKind
          ? fc.nat({ max: 20 }).map((n) => ({ $idref: op.idKind as string, pick: n }))
          : paramArb(op, p),
      ]),
    ),
  );
  const subset = (where: Param['in']) => {
    const ps = pick(where);
    const required = ps.filter((p) => p.required);
    const optional = ps.filter((p) => !p.required);
    return fc.subarray(optional, { maxLength: Math.min(3, optional.length) }).chain((chosen) => {
      const all = [...required, ...chosen];
      return all.length
        ? fc.tuple(...all.map((p) => paramArb(op, p).map((v) => [p.name, v] as [string, unknown])))
        : fc.constant([] as [string, unknown][]);
    });
  };
  const fullBody = op.body ? validArb(op.body, { op, depth: 0, overrides: OVERRIDES }) : undefined;
  // An optional body is sometimes left out (the operation then runs on defaults).
  const bodyArb: fc.Arbitrary<unknown> = !fullBody
    ? fc.constant(undefined)
    : op.bodyRequired
      ? fullBody
      : fc.option(fullBody, { nil: undefined, freq: 4 });
  return fc
    .record({ path: pathArb, query: subset('query'), headers: subset('header'), body: bodyArb })
    .map((r) => ({ op, ...r }))
    .filter((r) => sendable(r) && requestIsValid(s, r, placeholder));
}

/**
 * Whether a request can be sent as generated: a path value `.` or `..` (or one that encodes to nothing) is a dot
 * segment that URL parsing removes (`%2E` too), so the request would reach another route.
 */
function sendable(r: Req): boolean {
  return Object.values(r.path).every((v) => {
    const text = asText(v);
    return text !== '.' && text !== '..';
  });
}

/** Whether every part of a request passes the spec (ids resolved by `resolve`). */
function requestIsValid(s: Spec, r: Req, resolve: (v: unknown) => unknown): boolean {
  const { op } = r;
  const check = (where: Param['in'], name: string, value: unknown) => {
    const pointer = op.paramPointers.get(`${where}:${name}`);
    // Query, path and header values travel as strings: the server coerces them as ajv does here.
    return pointer !== undefined && s.valid(pointer, coerce(op, where, name, resolve(value)));
  };
  for (const [name, v] of Object.entries(r.path)) if (!check('path', name, v)) return false;
  for (const [name, v] of r.query) if (!check('query', name, v)) return false;
  for (const [name, v] of r.headers) if (!check('header', name, v)) return false;
  if (r.raw !== undefined) return false;
  if (r.body === undefined) return !op.bodyRequired;
  return op.bodyPointer !== undefined && s.valid(op.bodyPointer, resolve(r.body));
}

/** A parameter value as the server sees it after coercion: the string sent, read back as its schema's type. */
function coerce(op: Operation, where: Param['in'], name: string, value: unknown): unknown {
  const text = asText(value);
  const schema = op.params.find((p) => p.in === where && p.name === name)?.schema ?? {};
  const types = ([] as unknown[]).concat(schema.type ?? []);
  // A number travels as a JSON number literal (the spec's integer or number, in text), nothing around it.
  if ((types.includes('integer') || types.includes('number')) && NUMBER_LITERAL.test(text))
    return Number(text);
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

const NUMBER_LITERAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

const asText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** Breaks exactly one part of a valid request; the result is kept only when ajv says it is invalid. */
function invalidReqArb(s: Spec, op: Operation): fc.Arbitrary<Req> {
  const breakers: fc.Arbitrary<Req>[] = [];
  const base = validReqArb(s, op);
  const badValue = fc.oneof(garbage, oddString);
  for (const p of op.params) {
    if (p.in === 'path') {
      breakers.push(
        fc.tuple(base, badValue).map(([r, v]) => ({
          ...r,
          path: { ...r.path, [p.name]: typeof v === 'string' ? v : JSON.stringify(v) },
          broken: { where: 'path' as const, what: p.name },
        })),
      );
    } else {
      const list = p.in === 'query' ? 'query' : 'headers';
      breakers.push(
        fc.tuple(base, badValue).map(([r, v]) => ({
          ...r,
          // A header carries bytes, not text: characters beyond Latin-1 cannot be sent at all.
          [list]: [
            ...r[list].filter(([n]) => n !== p.name),
            [p.name, p.in === 'header' ? asText(v).replace(/[^\x20-\x7e]/g, '?') : v],
          ],
          broken: { where: p.in, what: p.name },
        })),
      );
    }
  }
  // An unknown query parameter is invalid for every operation (the specs allow no others).
  breakers.push(
    fc.tuple(base, fc.constantFrom('foo', 'LIMIT', '__proto__', 'constructor', 'états')).map(([r, name]) => ({
      ...r,
      query: [...r.query, [name, '1'] as [string, unknown]],
      broken: { where: 'query' as const, what: `unknown ${name}` },
    })),
  );
  if (op.body) {
    breakers.push(
      fc.tuple(base, bodyBreakArb(op)).map(([r, [what, body]]) => ({
        ...r,
        body: body((r.body ?? {}) as Json),
        broken: { where: 'body' as const, what },
      })),
      fc.tuple(base, fc.constantFrom('{', '[]', '1', 'null', '"s"', '{"a":1,}', '[{}]')).map(([r, raw]) => ({
        ...r,
        body: undefined,
        raw,
        broken: { where: 'body' as const, what: 'not an object' },
      })),
    );
  }
  return fc.oneof(...breakers).filter((r) => sendable(r) && !requestIsValid(s, r, placeholder));
}

/** One change to a body object, chosen from its schema: drop a required field, add an unknown one, or retype one. */
function bodyBreakArb(op: Operation): fc.Arbitrary<[string, (b: Json) => Json]> {
  const schema = op.body ?? {};
  const props = Object.keys((schema.properties as Json | undefined) ?? {});
  const required = (schema.required as string[] | undefined) ?? [];
  const options: fc.Arbitrary<[string, (b: Json) => Json]>[] = [
    fc.tuple(fc.constantFrom('extra', 'organisation', '__proto__', 'state'), garbage).map(([name, v]) => [
      `extra ${name}`,
      (b: Json) => {
        const copy = structuredClone(b);
        Object.defineProperty(copy, name, { value: v, enumerable: true, configurable: true, writable: true });
        return copy;
      },
    ]),
  ];
  if (required.length) {
    options.push(
      fc.constantFrom(...required).map((name) => [
        `drop ${name}`,
        (b: Json) => {
          const copy = structuredClone(b);
          delete copy[name];
          return copy;
        },
      ]),
    );
  }
  if (props.length) {
    options.push(
      fc.tuple(fc.constantFrom(...props), garbage, fc.boolean()).map(([name, v, nested]) => [
        `retype ${name}${nested ? ' (nested)' : ''}`,
        (b: Json) => {
          const copy = structuredClone(b);
          const current = copy[name];
          if (nested && current && typeof current === 'object' && !Array.isArray(current)) {
            const inner = Object.keys(current as Json);
            (current as Json)[inner[0] ?? 'x'] = v;
          } else copy[name] = v;
          return copy;
        },
      ]),
    );
  }
  return fc.oneof(...options);
}

/** Everything a rejected request must leave as it was: the world, ids, clock, scheduler, faults, rate limit. */
function snapshot(t: TestMock): string {
  const control = t.mock.control;
  const state = exportState(t.mock.ctx);
  // A tenant's real or scaled clock moves with wall time by itself: its time is not something a request changed.
  state.tenant_clocks = state.tenant_clocks?.map((c) => (c.mode === 'manual' ? c : { ...c, ms: 0, now: '' }));
  return JSON.stringify({
    state,
    faults: control.faults.list(),
    rateLimit: control.rateLimiter.config,
  });
}

interface Run {
  t: TestMock;
  /** The token of the tenant's key (follows a rotation of it). */
  token: string;
  pool: IdPool;
  transcript: string[];
  stats: Map<string, { positive: number; negative: number }>;
  /** Statuses of the positive requests (how deep the valid ones got). */
  statuses: Map<number, number>;
}

async function send(run: Run, r: Req): Promise<{ status: number; body: Json; text: string }> {
  const { t, pool } = run;
  let path = r.op.path;
  for (const [name, v] of Object.entries(r.path)) {
    const value = asText(resolveRefs(v, pool));
    path = path.replace(`{${name}}`, encodeAny(value) || '%20');
  }
  const qs = r.query.map(([k, v]) => `${encodeAny(k)}=${encodeAny(asText(resolveRefs(v, pool)))}`).join('&');
  if (qs) path += `?${qs}`;
  const headers: Record<string, string> = {};
  for (const [k, v] of r.headers) headers[k] = asText(v).replace(/[\r\n\0]/g, '');
  const raw = r.raw ?? (r.body === undefined ? undefined : JSON.stringify(resolveRefs(r.body, pool)));
  const res = await t.api(r.op.method, path, { raw, headers, token: run.token });
  run.transcript.push(
    `${r.op.method} ${path.slice(0, 200)} ${JSON.stringify(headers)} ${(raw ?? '').slice(0, 300)}${
      r.broken ? ` [broken ${r.broken.where}: ${r.broken.what}]` : ''
    }\n    → ${res.status} ${res.text.slice(0, 300)}`,
  );
  return { status: res.status, body: (res.body ?? {}) as Json, text: res.text };
}

function fail(run: Run, message: string): never {
  throw new Error(`${message}\n--- last requests ---\n${run.transcript.slice(-6).join('\n')}`);
}

async function positive(s: Spec, run: Run, r: Req): Promise<void> {
  // The generator's own check, with the ids actually used: the request really is valid.
  if (!requestIsValid(s, r, (v) => resolveRefs(v, run.pool)))
    fail(run, `generated an invalid request for ${r.op.id}`);
  const res = await send(run, r);
  if (res.status >= 500) fail(run, `${r.op.id}: a valid request got a ${res.status}`);
  const error = res.body.error;
  if (res.status === 400 && (error === 'invalid-parameters' || error === 'malformed-request')) {
    const rules = [...(STATE_RULES[r.op.id] ?? []), ...LIST_RULES];
    const params = (res.body.params ?? {}) as Record<string, unknown>;
    const explained =
      Object.keys(params).length > 0 &&
      Object.entries(params).every(([k, reason]) =>
        rules.some(([name, re]) => name === k && re.test(String(reason))),
      );
    if (!explained) fail(run, `${r.op.id}: a request the spec accepts was rejected as ${error}`);
  }
  if (res.status < 300) run.pool.harvest(res.body);
  // A rotated key's old token is refused from then on: go on with the new one.
  const key = res.body as { resource?: unknown; token?: unknown };
  if (r.op.id === 'rotateKey' && res.status === 200 && typeof key.token === 'string')
    if (!run.t.mock.ctx.world.findByToken(run.token)) run.token = key.token;
  run.statuses.set(res.status, (run.statuses.get(res.status) ?? 0) + 1);
  const stat = run.stats.get(`${s.name}:${r.op.id}`);
  if (stat) stat.positive++;
}

async function negative(s: Spec, run: Run, r: Req): Promise<void> {
  const before = snapshot(run.t);
  const res = await send(run, r);
  const expected = r.broken?.where === 'path' ? 404 : 400;
  if (res.status !== expected)
    fail(run, `${r.op.id}: a request the spec rejects got ${res.status}, not ${expected}`);
  if (typeof res.body.error !== 'string' || typeof res.body.message !== 'string' || !res.body.params)
    fail(run, `${r.op.id}: a 4xx without the error body`);
  if (snapshot(run.t) !== before) fail(run, `${r.op.id}: a rejected request changed the mock's state`);
  const stat = run.stats.get(`${s.name}:${r.op.id}`);
  if (stat) stat.negative++;
}

/** A small world first (users, an active session, a poll, configs), so that valid requests reach deep states. */
async function prelude(run: Run): Promise<void> {
  const steps: [string, string, unknown][] = [
    ['POST', '/users', { identifier: 'alice@example.com' }],
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
    [
      'POST',
      '/polls',
      { session: { $idref: 'session', pick: 0 }, payload: { data_types: ['callkit.calls'] } },
    ],
    ['POST', '/configs/webhook', { url: 'http://127.0.0.1:9/hooks' }],
  ];
  for (const [method, path, body] of steps) {
    const res = await run.t.api(method, path, { body: resolveRefs(body, run.pool) });
    if (res.status < 300) run.pool.harvest(res.body);
    await run.t.advance(30);
  }
  for (const path of ['/results', '/events', '/tasks', '/sources']) {
    const res = await run.t.get(path);
    run.pool.harvest(res.body);
  }
}

type Step = { kind: 'positive' | 'negative'; req: Req } | { kind: 'advance'; seconds: number };

const stepArb = (s: Spec): fc.Arbitrary<Step> =>
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .constantFrom(...s.ops)
        .chain((op) => validReqArb(s, op))
        .map((req) => ({ kind: 'positive' as const, req })),
    },
    {
      weight: 5,
      arbitrary: fc
        .constantFrom(...s.ops)
        .chain((op) => invalidReqArb(s, op))
        .map((req) => ({ kind: 'negative' as const, req })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(1, 30, 3600).map((seconds) => ({ kind: 'advance' as const, seconds })),
    },
  );

// Counterexamples print an operation by its id, not with its whole document.
for (const s of SPECS)
  for (const op of s.ops) Object.defineProperty(op, fc.toStringMethod, { value: () => `<${op.id}>` });

describe.each(SPECS)('$name spec: positive acceptance and negative rejection', (s) => {
  it(`holds for every operation over ≥ ${RUNS} generated requests (seed ${SEED})`, {
    timeout: 600_000,
  }, async () => {
    const stats = new Map(s.ops.map((op) => [`${s.name}:${op.id}`, { positive: 0, negative: 0 }]));
    let requests = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb(s), { minLength: STEPS, maxLength: STEPS }), async (steps) => {
        const t = testMock({ seed: 'props', timings: { webhookTimeoutMs: 200 } });
        const run: Run = { t, token: t.mock.token, pool: new IdPool(), transcript: [], stats, statuses };
        try {
          await prelude(run);
          for (const step of steps) {
            if (step.kind === 'advance') {
              run.transcript.push(`(advance ${step.seconds} s)`);
              await t.advance(step.seconds);
            } else {
              requests++;
              await (step.kind === 'positive' ? positive(s, run, step.req) : negative(s, run, step.req));
            }
          }
        } finally {
          t.mock.close();
        }
      }),
      { seed: SEED, numRuns: Math.ceil(RUNS / (STEPS * 0.85)), endOnFailure: true },
    );
    const missing = [...stats]
      .filter(([, n]) => n.positive === 0 || n.negative === 0)
      .map(([id, n]) => `${id} ${JSON.stringify(n)}`);
    const answered = [...statuses].sort((a, b) => a[0] - b[0]).map(([k, n]) => `${k}×${n}`);
    const positives = [...statuses.values()].reduce((a, b) => a + b, 0);
    const ok = [...statuses].filter(([k]) => k < 300).reduce((a, [, n]) => a + n, 0);
    console.info(
      `spec properties (${s.name}): ${requests} requests over ${s.ops.length} operations (seed ${SEED}); the valid ones answered ${answered.join(' ')}`,
    );
    // Valid requests must mostly get through: a generator that only ever reached 404s would prove little.
    expect(ok / positives, 'share of valid requests answered 2xx').toBeGreaterThan(0.25);
    expect(requests).toBeGreaterThanOrEqual(RUNS);
    expect(missing, 'operations without both a positive and a negative request').toEqual([]);
  });
});

// A property test that cannot generate is no test: the generators reach every operation of both specs.
describe('the generators', () => {
  it.each(SPECS)('produce a valid and an invalid request for every $name operation', (s) => {
    for (const op of s.ops) {
      for (const [kind, arb] of [
        ['valid', validReqArb(s, op)],
        ['invalid', invalidReqArb(s, op)],
      ] as const) {
        const sample = fc.sample(arb, { numRuns: 3, seed: 7 });
        expect(sample.length, `${op.id}: ${kind}`).toBe(3);
        for (const r of sample)
          expect(requestIsValid(s, r, placeholder), `${op.id}: ${kind}`).toBe(kind === 'valid');
      }
    }
  });
  it('never leave an id reference unresolved', () => {
    expect(isIdRef(placeholder({ $idref: 'user', pick: 1 }))).toBe(false);
  });
});
