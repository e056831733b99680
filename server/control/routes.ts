// The /_mock control API (openapi/control.yaml): time, reset, tenants, scenarios, faults, journal and snapshots.
import { readdirSync, readFileSync } from 'node:fs';
import { Hono, type MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { deriveRelayPairing } from '../../fixtures/index.ts';
import type { MockEnv } from '../domain/context.ts';
import { ApiError, Errors } from '../domain/errors.ts';
import { presentSession } from '../domain/presenters.ts';
import { expireSession } from '../domain/session.ts';
import { forceSessionOutcome, type SessionOutcome } from '../domain/session-outcomes.ts';
import { exportState, importState } from '../domain/snapshot.ts';
import type { OrgState } from '../domain/store.ts';
import { forceTaskFailure } from '../domain/task-failures.ts';
import {
  createTenant,
  deleteTenant,
  presentTenant,
  rememberAllCreations,
  requireTenant,
  resetTenant,
} from '../domain/tenants.ts';
import { toIso } from '../runtime/clock.ts';
import { parseDateInput } from '../runtime/dates.ts';
import { isCrossSite, safeEqual } from '../runtime/host-check.ts';
import type { Job, Scheduler } from '../runtime/scheduler.ts';
import { UNTIL_IDLE_DEFAULT_MS } from '../runtime/timelines.ts';
import { compileSpec, packageFile } from '../spec/compile.ts';
import { input } from '../spec/input.ts';
import { mountOperations, operationRoutes } from '../spec/operations.ts';
import { validateRequest } from '../spec/validate-request.ts';
import type { FaultInput } from './faults.ts';
import { globToRegex } from './faults.ts';
import { type ControlHandlers, type ControlInput, faultInputOf, mockStateOf } from './input.ts';
import { ChangeFeed, controlChanges, inspectionHandlers, watchChanges } from './inspect.ts';
import { type ControlHost, DEFAULT_CONTROL_BODY_LIMIT } from './state.ts';
import { webhookHandlers } from './webhook-routes.ts';

/** Location of the control API's spec. */
export const CONTROL_SPEC_PATH = packageFile('openapi/control.yaml');

/** Where named scenarios live (`<name>.json`). */
export const SCENARIOS_DIR = packageFile('fixtures/scenarios/');

/** A named scenario: a description and steps that are control API calls. */
export interface NamedScenario {
  name: string;
  description: string;
  steps: ScenarioStep[];
}

export type ScenarioStep =
  | { session: ControlInput<'forceSessionOutcome'>['body'] }
  | { task: ControlInput<'forceTaskFailure'>['body'] }
  | { fault: FaultInput }
  | { rate_limit: ControlInput<'setRateLimit'>['body'] }
  | { relay_code: { devices: number; prefix?: string } };

/** The cookie that carries the control token in a browser (set by `/_mock/ui?token=`). */
export const CONTROL_COOKIE = 'ricloud-mock-control';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** Methods that change the mock: their bodies must be JSON (a browser sends no other type without a preflight). */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Who may call the control API: with a control token, whoever sends it; without one, loopback peers only.
 * In-process requests (`app.request()`, no socket) are always local. Either way a browser page of another site is
 * refused (its `Origin` or `Sec-Fetch-Site` says so), and a state-changing request with a body must declare it JSON:
 * `text/plain`, form and untyped bodies are what a page of another site can send without a CORS preflight.
 */
export function controlGuard(token: string | undefined): MiddlewareHandler<MockEnv> {
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (
      isCrossSite({
        origin,
        host: c.req.header('host') ?? new URL(c.req.url).host,
        fetchSite: c.req.header('sec-fetch-site'),
        fetchMode: c.req.header('sec-fetch-mode'),
      })
    ) {
      throw Errors.crossSiteRequest(origin ?? c.req.header('sec-fetch-site') ?? '');
    }
    if (STATE_CHANGING.has(c.req.method) && hasBody(c.req.raw, c.env?.incoming !== undefined)) {
      const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (type !== 'application/json' && !type.endsWith('+json')) throw Errors.unsupportedMediaType(type);
    }
    if (token) {
      const bearer = /^\s*Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
      // The cookie is how a browser (the web console, server/control/console) sends it, EventSource included.
      const given = bearer ?? c.req.header('x-mock-control-token') ?? getCookie(c, CONTROL_COOKIE);
      if (!safeEqual(given, token)) {
        throw Errors.unauthorized(
          'The control API needs the control token: send Authorization: Bearer <control token> or X-Mock-Control-Token.',
        );
      }
      return next();
    }
    const peer = c.env?.incoming?.socket?.remoteAddress;
    if (peer && !LOOPBACK.test(peer)) {
      throw new ApiError(
        403,
        'permission-denied',
        'The control API answers loopback peers only; start the mock with --control-token to allow others.',
        { peer },
      );
    }
    return next();
  };
}

/**
 * Whether a request carries a body: a declared length above 0, a chunked one, or (in-process, where no length is
 * declared) a body stream.
 */
function hasBody(req: Request, onSocket: boolean): boolean {
  const length = req.headers.get('content-length');
  if (length !== null) return Number(length) > 0;
  if (req.headers.get('transfer-encoding') !== null) return true;
  // On a socket the headers say it all (the adapter gives every POST a body stream, empty or not).
  return !onSocket && req.body !== null;
}

/**
 * Validates control requests against openapi/control.yaml with the ricloud API's middleware
 * (server/spec/validate-request.ts): lenient JSON bodies, at most `limit` bytes; routes
 * the spec does not describe pass through untouched.
 */
function validateControl(limit: number): MiddlewareHandler<MockEnv> {
  return validateRequest<MockEnv>({
    spec: compileSpec(CONTROL_SPEC_PATH),
    errors: Errors,
    unmatched: 'pass',
    // The guard has already refused bodies that are not declared JSON (controlGuard).
    body: { strictness: 'lenient', contentType: 'any', limit },
    notFoundResource: (_op, pathname) => pathname.split('/')[2]?.replace(/s$/, '') ?? 'resource',
  });
}

let scenarioCache: Map<string, NamedScenario> | undefined;

/** The named scenarios of fixtures/scenarios, read once. */
export function namedScenarios(): Map<string, NamedScenario> {
  if (scenarioCache) return scenarioCache;
  const out = new Map<string, NamedScenario>();
  let files: string[] = [];
  try {
    files = readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.json'));
  } catch {
    files = [];
  }
  for (const f of files.sort()) {
    const s = JSON.parse(readFileSync(`${SCENARIOS_DIR}${f}`, 'utf8')) as NamedScenario;
    out.set(s.name ?? f.replace(/\.json$/, ''), s);
  }
  scenarioCache = out;
  return out;
}

/** The organisation a control call targets: the given id, else the first organisation (the preset's). */
function targetOrg(mock: ControlHost, id: unknown): OrgState {
  if (typeof id === 'number') return requireTenant(mock.ctx, id);
  const first = mock.ctx.world.orgs.values().next().value;
  if (!first) throw Errors.notFound('organisation', 'default');
  return first;
}

function findSessionAnywhere(mock: ControlHost, id: string, orgId?: number) {
  const orgs = orgId === undefined ? [...mock.ctx.world.orgs.values()] : [requireTenant(mock.ctx, orgId)];
  for (const org of orgs) {
    const session = org.sessions.get(id);
    if (session) return { org, session };
  }
  throw Errors.notFound('session', id);
}

/** POST /_mock/scenarios/sessions: a forced outcome for a source identifier or a session. */
function applySessionOutcome(mock: ControlHost, body: ControlInput<'forceSessionOutcome'>['body']) {
  const sourceIdentifier = body.source_identifier;
  const sessionId = body.session;
  if (sourceIdentifier === undefined && sessionId === undefined) {
    throw Errors.invalidParameters({ source_identifier: 'or session is required' });
  }
  const org =
    sessionId !== undefined
      ? findSessionAnywhere(mock, sessionId, body.organisation).org
      : targetOrg(mock, body.organisation);
  const error = body.error;
  const state = body.state ?? (error ? 'failed' : 'active');
  const outcome: SessionOutcome = { state };
  if (state === 'failed') outcome.error = error ?? 'service-unavailable';
  if (typeof body.delay_seconds === 'number') outcome.delayMs = body.delay_seconds * 1000;
  if (body.source_state === 'locked') outcome.sourceState = 'locked';
  const match: { sourceIdentifier?: string; sessionId?: string } = {};
  if (sourceIdentifier !== undefined) match.sourceIdentifier = sourceIdentifier;
  if (sessionId !== undefined) match.sessionId = sessionId;
  const entry = forceSessionOutcome(org, {
    match,
    outcome,
    remaining: body.count,
  });
  return {
    organisation: org.id,
    source_identifier: entry.match.sourceIdentifier ?? null,
    session: entry.match.sessionId ?? null,
    state: entry.outcome.state,
    error: entry.outcome.error ?? null,
    delay_seconds: (entry.outcome.delayMs ?? 0) / 1000,
    source_state: entry.outcome.sourceState ?? null,
    remaining: entry.remaining,
  };
}

/** POST /_mock/scenarios/tasks. */
function applyTaskFailure(mock: ControlHost, body: ControlInput<'forceTaskFailure'>['body']) {
  const { organisation, ...failure } = body;
  return forceTaskFailure(mock.ctx, targetOrg(mock, organisation), failure);
}

/** Finds the first pairing code `<prefix><n>` whose Relay instance exposes `devices` devices (seed-dependent). */
function relayCodeWith(mock: ControlHost, devices: number, prefix: string) {
  for (let n = 1; n < 1000; n++) {
    const code = `${prefix}${n}`;
    const pairing = deriveRelayPairing(mock.ctx.options.seed, code);
    if (pairing.devices.length === devices) {
      return { relay_code: code, instance: pairing.instanceIdentifier, devices: pairing.devices };
    }
  }
  throw Errors.invalidParameters({ devices: 'no pairing code found' });
}

/** Loads a named scenario into an organisation: each step is one control call. */
export function loadScenario(
  mock: ControlHost,
  name: string,
  organisation?: number,
  sourceIdentifier?: string,
) {
  const scenario = namedScenarios().get(name);
  if (!scenario) throw Errors.notFound('scenario', name);
  const org = targetOrg(mock, organisation);
  const state = mock.control;
  const applied: Record<string, unknown>[] = [];
  for (const step of scenario.steps) {
    if ('session' in step) {
      const body = { ...step.session, organisation: org.id };
      if (sourceIdentifier !== undefined && body.source_identifier !== undefined)
        body.source_identifier = sourceIdentifier;
      applied.push({ session: applySessionOutcome(mock, body) });
    } else if ('task' in step) {
      applied.push({ task: applyTaskFailure(mock, { ...step.task, organisation: org.id }) });
    } else if ('fault' in step) {
      applied.push({ fault: state.faults.add({ ...step.fault, organisation: org.id }) });
    } else if ('rate_limit' in step) {
      applied.push({ rate_limit: state.rateLimiter.configure(step.rate_limit) });
    } else if ('relay_code' in step) {
      applied.push(relayCodeWith(mock, step.relay_code.devices, step.relay_code.prefix ?? `${name}-`));
    }
  }
  return { name, organisation: org.id, applied };
}

/**
 * Re-applies the start-up tenants and named scenarios after the preset (the control state's own reset, faults,
 * rate limit and journal, is registered by createControlState and runs before).
 */
function applyStartup(mock: ControlHost): void {
  const options = mock.control.options;
  for (const t of options.tenants ?? []) createTenant(mock.ctx, t);
  rememberAllCreations(mock.ctx);
  for (const name of options.scenarios ?? []) loadScenario(mock, name);
}

/** An organisation id as a control body or query gives it: a JSON integer or the API's string form ("2"). */
function organisationId(value: number | string): number {
  const id = typeof value === 'number' ? value : /^[1-9][0-9]*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(id))
    throw Errors.invalidParameters({ organisation: 'must be an organisation id' });
  return id;
}

/** A clock and its queue as GET /_mock/clock shows them. */
function clockInfo(scheduler: Scheduler, jobs: readonly Job[]) {
  const next = jobs[0]?.due;
  return {
    now: toIso(scheduler.clock.now()),
    mode: scheduler.clock.mode,
    scale: scheduler.clock.scale,
    pending_jobs: jobs.length,
    next_due: next === undefined ? null : toIso(next),
    awaiting: scheduler.awaiting,
  };
}

/**
 * The control plane's handlers, keyed by openapi/control.yaml's operationIds: the plane's own here, the inspection
 * and webhook ones from their modules. Exported for test/control/route-table.test.ts.
 */
export function controlHandlerModules(mock: ControlHost, feed: ChangeFeed): ControlHandlers[] {
  return [planeHandlers(mock), inspectionHandlers(mock, feed), webhookHandlers(mock)];
}

function planeHandlers(mock: ControlHost) {
  const state = mock.control;
  return {
    // Readiness, mounted before the guard: probes from a CI service network or a kubelet are not loopback peers and
    // carry no control token; the answer reveals nothing (openapi/control.yaml getHealth).
    getHealth: (c) => {
      // It takes no parameter: like every operation, an unknown one is a 400 (the spec never lies), checked without
      // the validation pipeline so that the probe stays cheap.
      const search = c.req.url.indexOf('?');
      if (search >= 0 && search < c.req.url.length - 1) {
        const names = [...new URLSearchParams(c.req.url.slice(search + 1)).keys()];
        throw Errors.invalidParameters(
          Object.fromEntries(names.map((name) => [name, 'is not a known field'])),
        );
      }
      c.header('Cache-Control', 'no-store');
      return c.json({ status: 'ok' });
    },

    getClock: (c) => {
      const { query } = input(c);
      const ctx = mock.ctx;
      if (query.organisation !== undefined) {
        const org = requireTenant(ctx, organisationId(query.organisation)).id;
        const scheduler = ctx.scheduler.of(org);
        const jobs = scheduler.pending().filter((j) => j.org === org);
        return c.json({
          organisation: org,
          own_clock: ctx.scheduler.hasOwn(org),
          ...clockInfo(scheduler, jobs),
          jobs: jobs
            .slice(0, 100)
            .map((j) => ({ id: j.id, kind: j.kind, due: toIso(j.due), organisation: j.org })),
        });
      }
      return c.json({
        organisation: null,
        ...clockInfo(ctx.scheduler.main, ctx.scheduler.main.pending()),
        tenants: [...ctx.world.orgs.keys()].map((org) => {
          const scheduler = ctx.scheduler.of(org);
          return {
            organisation: org,
            own_clock: ctx.scheduler.hasOwn(org),
            mode: scheduler.clock.mode,
            now: toIso(scheduler.clock.now()),
            pending: scheduler.pending().filter((j) => j.org === org).length,
            awaiting: ctx.scheduler.hasOwn(org) ? scheduler.awaiting : 0,
          };
        }),
      });
    },

    advanceClock: async (c) => {
      const { body } = input(c);
      const organisation =
        body.organisation === undefined
          ? undefined
          : requireTenant(mock.ctx, organisationId(body.organisation)).id;
      // The spec's oneOf (no additional properties on either branch) has already refused both, neither, and
      // max_seconds without until_idle.
      const report =
        'seconds' in body
          ? await mock.ctx.scheduler.advance(organisation, body.seconds * 1000)
          : await mock.ctx.scheduler.advanceUntilIdle(
              organisation,
              (body.max_seconds ?? UNTIL_IDLE_DEFAULT_MS / 1000) * 1000,
            );
      return c.json({
        now: toIso(report.to),
        from: toIso(report.from),
        ran: report.ran.map((j) => ({ id: j.id, kind: j.kind, due: toIso(j.due), organisation: j.org })),
        organisation: organisation ?? null,
        idle: report.idle,
      });
    },

    resetMock: (c) => {
      mock.reset();
      return c.json({
        now: toIso(mock.ctx.clock.now()),
        organisations: mock.ctx.world.orgs.size,
        token: mock.token,
      });
    },

    listOrganisations: (c) =>
      c.json({ data: [...mock.ctx.world.orgs.values()].map((o) => presentTenant(mock.ctx, o)) }),
    createOrganisation: (c) => {
      const { org } = createTenant(mock.ctx, input(c).body);
      return c.json(presentTenant(mock.ctx, org), 201);
    },
    getOrganisationTenant: (c) =>
      c.json(presentTenant(mock.ctx, requireTenant(mock.ctx, Number(input(c).params.id)))),
    deleteOrganisation: (c) => {
      const org = deleteTenant(mock.ctx, Number(input(c).params.id));
      return c.json(presentTenant(mock.ctx, org));
    },
    resetOrganisation: (c) =>
      c.json(presentTenant(mock.ctx, resetTenant(mock.ctx, Number(input(c).params.id)))),

    listScenarios: (c) =>
      c.json({
        data: [...namedScenarios().values()].map((s) => ({ name: s.name, description: s.description })),
      }),
    forceSessionOutcome: (c) => c.json(applySessionOutcome(mock, input(c).body), 201),
    forceTaskFailure: (c) => c.json(applyTaskFailure(mock, input(c).body), 201),
    loadScenario: (c) => {
      const { body } = input(c);
      return c.json(loadScenario(mock, body.name, body.organisation));
    },
    expireSession: (c) => {
      const { body, params } = input(c);
      const trigger = body.trigger ?? 'admin';
      const { org, session } = findSessionAnywhere(mock, params.id);
      if (!expireSession(mock.ctx, org, session, trigger)) {
        throw Errors.invalidState(
          'session',
          session.id,
          session.state,
          `The session ${session.id} is ${session.state}: only pending or active sessions expire.`,
        );
      }
      return c.json(presentSession(mock.ctx, org, session));
    },

    listFaults: (c) => c.json({ data: state.faults.list() }),
    addFault: (c) => c.json(state.faults.add(faultInputOf(input(c).body)), 201),
    clearFaults: (c) => {
      const removed = state.faults.list().length;
      state.faults.clear();
      return c.json({ removed });
    },
    deleteFault: (c) => {
      const { id } = input(c).params;
      if (!state.faults.remove(id)) throw Errors.notFound('fault', id);
      return c.json({ removed: 1 });
    },

    getRateLimit: (c) => c.json(state.rateLimiter.config),
    setRateLimit: (c) => c.json(state.rateLimiter.configure(input(c).body)),

    listRequests: (c) => {
      const q = input(c).query;
      let since: number | undefined;
      if (q.since !== undefined) {
        since = parseDateInput(String(q.since), 'date-or-date-time');
        if (since === undefined)
          throw Errors.invalidParameters({ since: 'must match format "date-or-date-time"' });
      }
      const path = q.path === undefined ? undefined : globToRegex(String(q.path));
      const data = state.journal.query({
        path,
        status: q.status,
        since,
        method: q.method,
        organisation: q.organisation,
        limit: q.limit,
      });
      return c.json({
        data: data.map(({ at: _at, ...e }) => e),
        total_count: state.journal.length,
        capacity: state.journal.size,
      });
    },
    clearRequests: (c) => {
      const removed = state.journal.length;
      state.journal.clear();
      return c.json({ removed });
    },

    exportState: (c) => c.json(exportState(mock.ctx)),
    importState: (c) => {
      importState(mock.ctx, mockStateOf(input(c).body));
      return c.json({ organisations: mock.ctx.world.orgs.size, now: toIso(mock.ctx.clock.now()) });
    },
  } satisfies ControlHandlers;
}

/** The control API's routes, mounted at /_mock, each at its openapi/control.yaml path and method. */
export function controlRoutes(mock: ControlHost): Hono<MockEnv> {
  const control = new Hono<MockEnv>({ strict: false });
  const options = mock.control.options;
  applyStartup(mock);
  // A full reset also restores the control plane's start-up tenants and scenarios.
  mock.onReset(() => applyStartup(mock));

  const feed = new ChangeFeed(mock.ctx);
  watchChanges(mock, feed);
  // A route table that does not match the spec is a start-up error (server/spec/operations.ts).
  const routes = operationRoutes<MockEnv>(compileSpec(CONTROL_SPEC_PATH), controlHandlerModules(mock, feed), {
    plane: 'control',
    basePath: '/_mock',
  });
  // getHealth before the guard and outside validation; every other operation after both.
  mountOperations(
    control,
    routes.filter((r) => r.id === 'getHealth'),
  );
  control.use('*', controlGuard(options.token));
  control.use('*', validateControl(options.bodyLimit ?? DEFAULT_CONTROL_BODY_LIMIT));
  control.use('*', controlChanges(feed));
  mountOperations(
    control,
    routes.filter((r) => r.id !== 'getHealth'),
  );
  return control;
}
