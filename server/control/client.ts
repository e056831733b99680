// A small typed client of the /_mock control API (openapi/control.yaml) over fetch, for test suites.
import type { components, operations } from '../../openapi/control.d.ts';

type Schemas = components['schemas'];
type JsonOf<Op extends keyof operations, Status extends number = 200> =
  operations[Op]['responses'] extends Record<Status, { content: { 'application/json': infer T } }>
    ? T
    : never;

/** A control API call that did not succeed: carries the `{error, message, params}` body. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: string; message?: string; params?: Record<string, unknown> } | undefined,
  ) {
    super(`control API ${status}: ${body?.error ?? ''} ${body?.message ?? ''}`.trim());
    this.name = 'ControlError';
  }
}

export interface ControlClientOptions {
  /** The control token, when the mock was started with one. */
  token?: string | undefined;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch | undefined;
}

/** Fields with a default in the spec are optional on input. */
type WithDefaults<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;
export type TenantInput = WithDefaults<Schemas['TenantInput'], 'preset'>;
export type TaskFailureInput = WithDefaults<Schemas['TaskFailureInput'], 'error'>;
/** @deprecated The earlier name of TaskFailureInput ("scenario" now names only the files of fixtures/scenarios). */
export type TaskScenarioInput = TaskFailureInput;

export type RequestQuery = NonNullable<operations['listRequests']['parameters']['query']>;

/**
 * Builds a client of a running mock's control API.
 * @example
 * const control = createControlClient('http://127.0.0.1:8787');
 * await control.addFault({ kind: 'error', status: 503, count: 3 });
 */
export function createControlClient(baseUrl: string, options: ControlClientOptions = {}) {
  const doFetch = options.fetch ?? fetch;
  const base = baseUrl.replace(/\/$/, '');
  async function call<T>(
    method: string,
    path: string,
    body?: unknown,
    query?: Record<string, unknown>,
  ): Promise<T> {
    const headers: Record<string, string> = {};
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const res = await doFetch(`${base}/_mock${path}${qs.size ? `?${qs}` : ''}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) throw new ControlError(res.status, parsed as ControlError['body']);
    return parsed as T;
  }
  return {
    /** GET /_mock/health: resolves once the mock answers (readiness). */
    health: () => call<Schemas['Health']>('GET', '/health'),
    /** The main clock and every tenant's, or one organisation's clock and queue. */
    clock: (organisation?: number) =>
      call<Schemas['ClockInfo']>('GET', '/clock', undefined, { organisation }),
    /** Moves every clock by `seconds`, or only `organisation`'s (a tenant's own clock). */
    advance: (seconds: number, organisation?: number) =>
      call<Schemas['AdvanceReport']>(
        'POST',
        '/clock/advance',
        organisation === undefined ? { seconds } : { seconds, organisation },
      ),
    /** Runs one organisation's queue (or every queue) to idle, at most `max_seconds` of mock time (30 days). */
    advanceUntilIdle: (options: { organisation?: number; max_seconds?: number } = {}) =>
      call<Schemas['AdvanceReport']>('POST', '/clock/advance', { until_idle: true, ...options }),
    reset: () => call<Schemas['ResetReport']>('POST', '/reset'),
    organisations: () => call<JsonOf<'listOrganisations'>>('GET', '/organisations'),
    createOrganisation: (input: TenantInput) => call<Schemas['Tenant']>('POST', '/organisations', input),
    organisation: (id: number) => call<Schemas['Tenant']>('GET', `/organisations/${id}`),
    deleteOrganisation: (id: number) => call<Schemas['Tenant']>('DELETE', `/organisations/${id}`),
    resetOrganisation: (id: number) => call<Schemas['Tenant']>('POST', `/organisations/${id}/reset`),
    scenarios: () => call<JsonOf<'listScenarios'>>('GET', '/scenarios'),
    forceSession: (input: Schemas['SessionOutcomeInput']) =>
      call<Record<string, unknown>>('POST', '/scenarios/sessions', input),
    expireSession: (id: string, trigger: 'service' | 'admin' | 'api' | 'organisation' = 'admin') =>
      call<Record<string, unknown>>('POST', `/sessions/${encodeURIComponent(id)}/expire`, { trigger }),
    forceTaskFailure: (input: TaskFailureInput) =>
      call<Schemas['TaskFailure']>('POST', '/scenarios/tasks', input),
    loadScenario: (name: string, organisation?: number) =>
      call<JsonOf<'loadScenario'>>(
        'POST',
        '/scenarios/load',
        organisation === undefined ? { name } : { name, organisation },
      ),
    faults: () => call<JsonOf<'listFaults'>>('GET', '/faults'),
    addFault: (input: Schemas['FaultInput']) => call<Schemas['FaultRule']>('POST', '/faults', input),
    clearFaults: () => call<{ removed: number }>('DELETE', '/faults'),
    deleteFault: (id: string) => call<{ removed: number }>('DELETE', `/faults/${encodeURIComponent(id)}`),
    rateLimit: () => call<Schemas['RateLimit']>('GET', '/rate-limit'),
    setRateLimit: (input: Partial<Schemas['RateLimit']>) =>
      call<Schemas['RateLimit']>('PUT', '/rate-limit', input),
    requests: (query: RequestQuery = {}) =>
      call<JsonOf<'listRequests'>>('GET', '/requests', undefined, query),
    clearRequests: () => call<{ removed: number }>('DELETE', '/requests'),
    state: () => call<Schemas['MockState']>('GET', '/state'),
    putState: (state: Schemas['MockState']) =>
      call<{ organisations: number; now: string }>('PUT', '/state', state),
    deliveries: (query: NonNullable<operations['listDeliveries']['parameters']['query']> = {}) =>
      call<JsonOf<'listDeliveries'>>('GET', '/deliveries', undefined, query),
    redeliver: (eventId: string) =>
      call<Schemas['DeliveryAttempt']>('POST', `/events/${encodeURIComponent(eventId)}/redeliver`),
    allowSubscription: (id: string) =>
      call<Record<string, unknown>>('POST', `/subscriptions/${encodeURIComponent(id)}/allow`),
    verifyWebhookSignature: (input: {
      header: string;
      body: string;
      secret: string;
      tolerance_seconds?: number | undefined;
    }) => call<JsonOf<'verifyWebhookSignature'>>('POST', '/webhooks/verify', input),
  };
}

/** The control client's type. */
export type ControlClient = ReturnType<typeof createControlClient>;
