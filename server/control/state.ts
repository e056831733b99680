// The control plane's state (faults, journal, rate limit), built once per mock, and its request hook.
import type { Context, HonoRequest, MiddlewareHandler } from 'hono';
import { type MockContext, type MockEnv, nowOf } from '../domain/context.ts';
import { ApiError, Errors } from '../domain/errors.ts';
import type { TenantInput } from '../domain/tenants.ts';
import type { AdvanceReport } from '../runtime/scheduler.ts';
import { readBodyLimited, requestTarget } from '../spec/validate-request.ts';
import { type FaultInput, FaultRegistry, type FaultSnapshot, waitWall } from './faults.ts';
import { Journal, type JournalOptions } from './journal.ts';
import {
  DEFAULT_RATE_LIMIT,
  type RateLimitConfig,
  RateLimiter,
  type RateLimitSnapshot,
} from './rate-limit.ts';

export type { TenantInput };

/** Options of the control plane (MockOptions.control). */
export interface ControlOptions {
  /** When set, every control request must send it (Authorization: Bearer, or X-Mock-Control-Token). */
  token?: string | undefined;
  journal?: JournalOptions | undefined;
  /** Fault rules present from the start (and after every reset). */
  faults?: FaultInput[] | undefined;
  rateLimit?: Partial<RateLimitConfig> | undefined;
  /** Tenants created after the preset (and again after every reset). */
  tenants?: TenantInput[] | undefined;
  /** Named scenarios loaded at start (and after every reset). */
  scenarios?: string[] | undefined;
  /** Largest /_mock request body in bytes (default 32 MiB: a whole state import), enforced while it streams in. */
  bodyLimit?: number | undefined;
}

/** The default largest /_mock request body: room for a large state import, never an unbounded read. */
export const DEFAULT_CONTROL_BODY_LIMIT = 32 * 1024 * 1024;

/**
 * What the control plane drives: the mock's state and time, its full reset, and a hook to re-apply the control
 * plane's start-up configuration after every reset (createMock owns reset; nothing replaces it from outside).
 */
export interface ControlHost {
  ctx: MockContext;
  /** The control plane's state, built once by createMock from MockOptions.control. */
  control: ControlState;
  /** The preset key's token. */
  readonly token: string;
  advance(seconds: number): Promise<AdvanceReport>;
  reset(): void;
  /** Runs `hook` after every full reset, once the preset is back. */
  onReset(hook: () => void): void;
}

/** The control plane's own state (kept on the Mock that createMock builds; options given once, there). */
export interface ControlState {
  readonly options: ControlOptions;
  readonly faults: FaultRegistry;
  readonly journal: Journal;
  readonly rateLimiter: RateLimiter;
}

/**
 * Builds the control plane's state from its options and registers its part of the mock's lifecycle: a full reset
 * restores the start-up faults and rate limit and empties the journal; a removed or reset tenant loses its rate
 * limit window; snapshots carry the faults and the rate limit (the journal is an observation log, not state).
 */
export function createControlState(ctx: MockContext, options: ControlOptions = {}): ControlState {
  const state: ControlState = {
    options,
    faults: new FaultRegistry(ctx.options.seed),
    journal: new Journal(options.journal),
    rateLimiter: new RateLimiter(options.rateLimit),
  };
  for (const f of options.faults ?? []) state.faults.add(f);
  ctx.lifecycle.onReset(() => {
    state.faults.clear();
    for (const f of options.faults ?? []) state.faults.add(f);
    state.rateLimiter.configure({ ...DEFAULT_RATE_LIMIT, ...options.rateLimit });
    state.journal.clear();
  });
  ctx.lifecycle.onForget((organisation) => state.rateLimiter.forget(organisation));
  ctx.lifecycle.snapshotPart('faults', {
    export: () => state.faults.snapshot(),
    prepare: (value) =>
      value === undefined ? () => {} : state.faults.prepareRestore(value as FaultSnapshot),
  });
  ctx.lifecycle.snapshotPart('rate_limit', {
    export: () => state.rateLimiter.snapshot(),
    prepare: (value) => state.rateLimiter.prepareRestore(value as RateLimitSnapshot | undefined),
  });
  return state;
}

/** The organisation a request's token belongs to, without side effects (the pipeline authenticates later). */
function tenantOf(ctx: MockContext, header: string | undefined): number | undefined {
  const m = /^\s*Token\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1] ? ctx.world.findByToken(m[1])?.org.id : undefined;
}

function errorResponse(err: ApiError, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(err.toBody()), {
    status: err.status,
    headers: { 'content-type': 'application/json', ...err.headers, ...extra },
  });
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The request body as JSON for the journal, read through the limited reader that the pipeline reads again from
 * (one read per request): a body past the limit is never held, and the pipeline answers it 413.
 */
async function requestJson(req: HonoRequest, limit: number): Promise<unknown> {
  try {
    const body = await readBodyLimited(req.raw, limit);
    return body === 'too-large' ? undefined : parseJson(new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
}

/**
 * The response body as JSON; the response is read and put back unchanged (same status, headers and bytes).
 * Not `Response.clone()`: Node 20's bundled undici never frees a cloned body (~4.7 KB a request; a regression
 * from nodejs/undici#3458; `Request.clone()` ~1 KB), which grew the heap by 138 MB over 30k unknown-route 404s.
 */
async function responseJson(c: Context): Promise<unknown> {
  const res = c.res;
  const text = await res.text();
  c.res = new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
  return parseJson(text);
}

/** Wall milliseconds, only to measure how long the mock took (journal, logs): never part of a response. */
function wallMs(): number {
  return performance.now();
}

/**
 * The hook around every ricloud request (mounted before the pipeline): injected faults, the rate limit, the
 * journal and the per-request log line (method, path, status, ms, tenant; never credentials).
 */
export function requestHooks(ctx: MockContext, state: ControlState): MiddlewareHandler<MockEnv> {
  return async (c, next) => {
    const { pathname, search } = requestTarget(c.req.url);
    if (pathname.startsWith('/_mock')) return next();
    const started = wallMs();
    const method = c.req.method;
    const tenant = tenantOf(ctx, c.req.header('authorization'));
    // On the tenant's own clock (its rate-limit window, its journal time).
    const at = nowOf(ctx, tenant ?? null);
    const requestBody =
      state.journal.bodies && method !== 'GET' ? await requestJson(c.req, ctx.options.bodyLimit) : undefined;

    const decision = state.faults.decide(method, pathname, tenant);
    const extra: Record<string, string> = {};
    if (decision.fired.length) extra['X-Mock-Fault'] = decision.fired.join(', ');
    if (decision.latencyMs > 0) {
      extra['X-Mock-Latency'] = String(decision.latencyMs);
      await waitWall(decision.latencyMs);
    }
    let response: Response | undefined;
    if (decision.reset) {
      const socket = c.env?.incoming?.socket;
      if (socket) {
        socket.destroy();
        response = new Response(null, { status: 499 });
      } else {
        // DIVERGENCE(control.reset-in-process): in-process (app.request, no socket) a reset cannot cut a connection: 502 server-error instead.
        response = errorResponse(
          Errors.serverError(502, 'Injected fault: connection reset (no socket in-process).'),
          extra,
        );
      }
    } else if (decision.error) {
      response = errorResponse(decision.error, extra);
    } else {
      const limited = tenant === undefined ? undefined : state.rateLimiter.check(tenant, at);
      if (limited) response = errorResponse(limited, extra);
    }
    if (response) c.res = response;
    else {
      await next();
      for (const [k, v] of Object.entries(extra)) c.res.headers.set(k, v);
    }

    const status = c.res.status;
    // The headers are read only when the body is wanted (an error's code, or journal bodies): materialising them
    // on every 2xx cost the served hot path a Headers object per request.
    // A thrown ApiError answered by onError names its code itself: no need to read the body back (the 4xx path).
    const apiError = c.error instanceof ApiError && c.error.status === status ? c.error : undefined;
    const wantBody = state.journal.bodies || (status >= 400 && !apiError);
    const isJson = wantBody && (c.res.headers.get('content-type') ?? '').includes('json');
    const responseBody = isJson ? await responseJson(c) : undefined;
    // Unset when the pipeline refused the request before authenticating it.
    const orgVar: { id: number } | undefined = c.get('org');
    const organisation = orgVar?.id ?? tenant ?? null;
    const durationMs = Math.round((wallMs() - started) * 1000) / 1000;
    const errorCode =
      status < 400
        ? null
        : apiError
          ? apiError.code
          : responseBody && typeof responseBody === 'object'
            ? String((responseBody as { error?: unknown }).error ?? '') || null
            : null;
    const query: Record<string, string> = {};
    if (search) for (const [k, v] of new URLSearchParams(search)) if (!(k in query)) query[k] = v;
    state.journal.record({
      at,
      method,
      path: pathname,
      query,
      status: decision.reset && !response?.body ? 0 : status,
      organisation,
      duration_ms: durationMs,
      error: decision.reset ? 'connection-reset' : errorCode,
      faults: decision.fired,
      request_body: requestBody,
      response_body: responseBody,
    });
    // The line is built only when it will be written (`--log-level silent`/`warn` skip the formatting).
    if (ctx.logger.isLevelEnabled('info'))
      ctx.logger.info(
        { method, path: pathname, status, ms: Math.round(durationMs), tenant: organisation },
        `${method} ${pathname} ${status} ${Math.round(durationMs)}ms`,
      );
  };
}
