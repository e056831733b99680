// Composition root: createMock(options) wires state, clock, scheduler and routes; no I/O, no globals.
import { resolve } from 'node:path';
import { Hono, type MiddlewareHandler } from 'hono';
import { type Logger, pino } from 'pino';
import { CONSOLE_PATH, consoleRoutes } from './control/console/index.ts';
import { controlRoutes } from './control/routes.ts';
import { type ControlHost, type ControlOptions, createControlState, requestHooks } from './control/state.ts';
import {
  DEFAULT_TIMINGS,
  type MockContext,
  type MockEnv,
  type ResolvedOptions,
  type Timings,
} from './domain/context.ts';
import { DeliveryLog } from './domain/delivery-log.ts';
import { Errors } from './domain/errors.ts';
import { registerJobs } from './domain/jobs.ts';
import { Lifecycle } from './domain/lifecycle.ts';
import { applyPreset } from './domain/presets.ts';
import { World } from './domain/store.ts';
import { errorHandler, notFoundHandler } from './http/errors.ts';
import { ricloudPipeline } from './http/pipeline.ts';
import { registerResources } from './http/routes/index.ts';
import { signedUrlRoutes } from './http/routes/results.ts';
import { type Clock, type ClockOptions, createClock, realTimer, type Timer } from './runtime/clock.ts';
import { type AllowedHosts, hostChecker, hostName } from './runtime/host-check.ts';
import { IdSource } from './runtime/ids.ts';
import { assertInstalled, S3_FEATURE, S3_SDK } from './runtime/optional-deps.ts';
import type { AdvanceReport } from './runtime/scheduler.ts';
import { systemWallNow } from './runtime/signature.ts';
import { Timelines } from './runtime/timelines.ts';
import { compileSpec } from './spec/compile.ts';
import { requestTarget } from './spec/validate-request.ts';

/** Options of `createMock` / `createApp`; every field has a default. */
export interface MockOptions {
  /** Drives ids, tokens, secrets and fake data (default `ricloud-mock`). */
  seed?: string | undefined;
  /** A clock, or options to build one (default: manual, so that in-process tests are deterministic). */
  clock?: Clock | ClockOptions | undefined;
  /** Wakes the scheduler in real/scaled mode (default: setTimeout). */
  timer?: Timer | undefined;
  /**
   * Wall time, ms since the epoch (default `Date.now`): the `t` of every Ricloud-Signature and the time
   * `POST /_mock/webhooks/verify` checks it against, in every clock mode, as a receiver compares it with its own clock.
   */
  wallNow?: (() => number) | undefined;
  /** `default` or `getting-started`. */
  preset?: string | undefined;
  /** Fixed token for the preset's key. */
  token?: string | undefined;
  /** The preset's storage config url (default: the mock's own blob store, `s3://ricloud-mock/results`). */
  storageUrl?: string | undefined;
  /** S3-compatible endpoint for s3:// storage configs. */
  s3Endpoint?: string | undefined;
  /** Public base url (signed urls); default http://127.0.0.1:8787. */
  publicUrl?: string | undefined;
  /** Largest request body in bytes (default 1 MiB). */
  bodyLimit?: number | undefined;
  /**
   * Host names the mock answers besides loopback names, IP literals and the public url's host (DNS rebinding
   * guard); `true` answers any. An entry starting with `.` allows a domain and its subdomains.
   */
  allowedHosts?: AllowedHosts | undefined;
  timings?: Partial<Timings> | undefined;
  /** Entries kept in the webhook delivery log (default 1000). */
  deliveryLogSize?: number | undefined;
  /**
   * An allow-list of folders for local:// storage configs (default: any absolute path a key holder names). The
   * preset's own storage url is not checked against it.
   */
  storageRoots?: string[] | undefined;
  /** An allow-list of url prefixes for webhook configs (default: any http or https url). */
  webhookTargets?: string[] | undefined;
  /** The /_mock control plane: control token, journal, start-up faults, rate limit, tenants and scenarios. */
  control?: ControlOptions | undefined;
  logger?: Logger | undefined;
}

/** A built mock: the Hono app plus handles on its state and time. */
export interface Mock extends ControlHost {
  app: Hono;
  clock: Clock;
  /**
   * Moves mock time forward, running everything due on the way: every clock (the main one and each tenant's) by
   * `seconds`, or only `organisation`'s clock when given.
   */
  advance(seconds: number, organisation?: number): Promise<AdvanceReport>;
  /** Back to the preset and seed: an empty world, the same ids again, then every hook given to `onReset`. */
  reset(): void;
  /** Stops timers. */
  close(): void;
}

function isClock(value: unknown): value is Clock {
  return typeof value === 'object' && value !== null && typeof (value as Clock).now === 'function';
}

/** Applies defaults to the options. */
export function resolveOptions(options: MockOptions): ResolvedOptions {
  return {
    seed: options.seed ?? 'ricloud-mock',
    preset: options.preset ?? 'default',
    token: options.token,
    storageUrl: options.storageUrl ?? 's3://ricloud-mock/results',
    s3Endpoint: options.s3Endpoint,
    publicUrl: (options.publicUrl ?? 'http://127.0.0.1:8787').replace(/\/$/, ''),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    timings: { ...DEFAULT_TIMINGS, ...options.timings },
    deliveryLogSize: Math.max(1, Math.floor(options.deliveryLogSize ?? 1000)),
    storageRoots: options.storageRoots?.map((root) => resolve(root)),
    webhookTargets: options.webhookTargets,
  };
}

/**
 * Builds a mock. Tests call `mock.app.request()` with no socket and move time with `mock.advance()`.
 * @example
 * const mock = createMock({ seed: 'test' });
 * const res = await mock.app.request('/organisation', { headers: { Authorization: `Token ${mock.token}` } });
 */
export function createMock(options: MockOptions = {}): Mock {
  const resolved = resolveOptions(options);
  // The AWS SDK is an optional peer, loaded on the first S3 call: asking for an endpoint without it fails here.
  if (resolved.s3Endpoint) assertInstalled(S3_SDK, S3_FEATURE);
  const clockOptions: ClockOptions = isClock(options.clock)
    ? { mode: options.clock.mode, scale: options.clock.scale }
    : { mode: 'manual', ...options.clock };
  const clock = isClock(options.clock) ? options.clock : createClock(clockOptions);
  const logger = options.logger ?? pino({ level: 'silent' });
  // The main clock (global jobs, the preset's organisations) and, as tenants are created, one clock per tenant.
  const scheduler = new Timelines(clock, clockOptions, options.timer ?? realTimer, (err, job) =>
    logger.error({ err, job: { id: job.id, kind: job.kind } }, 'job failed'),
  );
  const ctx: MockContext = {
    world: new World(),
    creation: new Map(),
    deliveries: new DeliveryLog(resolved.deliveryLogSize),
    lifecycle: new Lifecycle(),
    clock,
    wallNow: options.wallNow ?? systemWallNow,
    scheduler,
    ids: new IdSource(resolved.seed),
    spec: compileSpec(),
    options: resolved,
    logger,
  };
  registerJobs(ctx);
  let token = applyPreset(ctx, resolved.preset).key.token;
  // The one reset path: the world's own reset first, then every part's hook in registration order (the control
  // plane's state, then its start-up tenants and named scenarios).
  ctx.lifecycle.onReset(() => {
    // Job ids restart too, so that a reset state is byte-identical to a fresh one.
    scheduler.resetAll();
    ctx.world = new World();
    ctx.ids = new IdSource(resolved.seed);
    ctx.deliveries = new DeliveryLog(resolved.deliveryLogSize);
    token = applyPreset(ctx, resolved.preset).key.token;
  });
  const control = createControlState(ctx, options.control);

  const app = new Hono({ strict: false });
  app.onError(errorHandler(logger));
  app.notFound(notFoundHandler);

  const mock: Mock = {
    app,
    ctx,
    get token() {
      return token;
    },
    control,
    clock,
    advance: (seconds, organisation) => scheduler.advance(organisation, seconds * 1000),
    reset: () => ctx.lifecycle.reset(),
    onReset: (hook) => ctx.lifecycle.onReset(hook),
    close: () => scheduler.stop(),
  };

  app.use('*', hostGuard(options.allowedHosts, resolved.publicUrl));
  app.route(CONSOLE_PATH, consoleRoutes({ token: options.control?.token }));
  app.route('/_mock', controlRoutes(mock));
  // Signed result urls carry their own credential (the token in the path), so they bypass the ricloud pipeline.
  app.route('/_signed', signedUrlRoutes(ctx));
  const ricloud = new Hono<MockEnv>({ strict: false });
  // Faults, rate limit and journal wrap every ricloud request, before the pipeline can reject it.
  ricloud.use('*', requestHooks(ctx, control));
  ricloud.use('*', ricloudPipeline(ctx));
  registerResources(ricloud, ctx.spec);
  app.route('/', ricloud);
  return mock;
}

/**
 * The DNS-rebinding guard, on both planes: a request whose Host is not an allowed name is refused before anything
 * is read. Both planes, because a rebound page could otherwise drive the ricloud API with the preset key's token
 * (the same on every install with the default seed) and point a storage config at any directory. The readiness
 * probe is exempt: it reveals nothing, and CI service networks probe it by their own host names.
 * DIVERGENCE(mock-security.host-allow-list): the real API has no Host check; the mock, next to a browser, needs one.
 */
function hostGuard(allowed: AllowedHosts | undefined, publicUrl: string): MiddlewareHandler {
  const publicHost = hostName(new URL(publicUrl).host);
  const check = hostChecker(
    allowed === true ? true : [...(allowed ?? []), ...(publicHost ? [publicHost] : [])],
  );
  return async (c, next) => {
    const host = c.req.header('host');
    if (!check(host) && requestTarget(c.req.url).pathname !== '/_mock/health') {
      throw Errors.hostNotAllowed(host ?? '');
    }
    return next();
  };
}

/**
 * Builds the Hono app alone (for `app.request()`); see `createMock` for handles on time and state.
 * @example const app = createApp({ seed: 'x', token: 'test-token' });
 */
export function createApp(options: MockOptions = {}): Hono {
  return createMock(options).app;
}
