// The provider states shipped with the mock: a catalogue of named worlds that a consumer's pact can ask for.
import type { Mock } from '../server/app.ts';
import { addValidWebhookConfig, createOrganisation, PERMISSIVE_SCOPES } from '../server/domain/presets.ts';
import type { OrgState } from '../server/domain/store.ts';
import { signWebhook } from './client/signature.ts';

type Json = Record<string, unknown>;

/** One verification interaction's organisation: its own tenant, token and the values its states produced. */
export interface Tenant {
  org: OrgState;
  token: string;
  /** Every value the states returned so far (merged); injected into `fromProviderState` expressions. */
  values: Json;
}

/** What a state handler works with: the in-process mock, the interaction's tenant and a request helper. */
export interface StateContext {
  mock: Mock;
  tenant: Tenant;
  /** Calls the mock in-process as the tenant; throws a readable error for any non-2xx answer. */
  api(method: string, path: string, body?: unknown): Promise<Json>;
  /** Moves the mock's clock until `done` holds (at most `maxSeconds`), then returns its last value. */
  settle<T>(load: () => Promise<T>, done: (v: T) => boolean, maxSeconds?: number): Promise<T>;
}

export interface ProviderStateParam {
  name: string;
  /** `input`: the consumer chooses it; `output`: the provider creates it and returns it for injection. */
  role: 'input' | 'output';
  description: string;
  default?: string;
}

/** One entry of the catalogue. */
export interface ProviderStateDefinition {
  /** The state's name as consumers write it in `given(...)`; `{param}` placeholders may be filled in. */
  name: string;
  /** What world it sets up. */
  description: string;
  params: ProviderStateParam[];
  /** The values it returns for `fromProviderState` (`${name}` expressions). */
  returns: string[];
  setup(s: StateContext, params: Json): Promise<Json>;
}

/** The test account that opens without 2FA (README: test accounts). */
const NO_2FA_ACCOUNT = 'jane+no2fa@example.com';
const TWO_FA_ACCOUNT = 'jane@example.com';

async function ensureUser(s: StateContext, identifier: string): Promise<string> {
  const user = await s.api('POST', '/users', { identifier });
  return String(user.id);
}

async function openSession(
  s: StateContext,
  identifier: string,
  password: string,
  code?: string,
): Promise<Json> {
  const userId = await ensureUser(s, identifier);
  const created = await s.api('POST', '/sessions', {
    source: { user: userId, type: 'icloud.account', identifier },
    payload: code === undefined ? { password } : { password, code },
  });
  const session = await s.settle(
    () => s.api('GET', `/sessions/${created.id}`),
    (v) => v.state !== 'pending',
  );
  return { ...session, userId };
}

function stringParam(params: Json, name: string, fallback: string): string {
  const v = params[name];
  return typeof v === 'string' && v.length > 0 ? v : fallback;
}

function listParam(params: Json, name: string, fallback: string[]): string[] {
  const v = params[name];
  if (Array.isArray(v) && v.length > 0) return v.map(String);
  if (typeof v === 'string' && v.trim())
    return v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  return fallback;
}

async function activeSession(s: StateContext, params: Json): Promise<Json> {
  const identifier = stringParam(params, 'identifier', NO_2FA_ACCOUNT);
  const session = await openSession(s, identifier, 'any-password');
  if (session.state !== 'active') {
    throw new Error(`the session for ${identifier} ended ${session.state} (${session.error}), not active`);
  }
  const source = session.source as Json;
  return {
    sessionId: session.id,
    userId: session.userId,
    sourceId: String(source.id),
    identifier,
  };
}

/**
 * The catalogue. Names are matched exactly, or with their `{param}` placeholders filled in
 * (`a user with identifier jane@example.com exists`); params given with the state override filled-in ones.
 */
export const PROVIDER_STATES: ProviderStateDefinition[] = [
  {
    name: 'an organisation exists',
    description:
      'A fresh organisation with permissive scopes and a valid default storage config (state active), ' +
      'or with `configured: false` none (state unconfigured). Every interaction starts in a fresh one anyway.',
    params: [
      { name: 'name', role: 'input', description: 'organisation name', default: 'Pact Organisation' },
      {
        name: 'configured',
        role: 'input',
        description: 'false: no storage config (unconfigured)',
        default: 'true',
      },
    ],
    returns: ['organisationId'],
    async setup(s) {
      return { organisationId: s.tenant.org.organisation.id };
    },
  },
  {
    name: 'a user with identifier {identifier} exists',
    description: 'POST /users with that identifier.',
    params: [
      { name: 'identifier', role: 'input', description: "the user's identifier", default: TWO_FA_ACCOUNT },
    ],
    returns: ['userId', 'identifier'],
    async setup(s, params) {
      const identifier = stringParam(params, 'identifier', TWO_FA_ACCOUNT);
      return { userId: await ensureUser(s, identifier), identifier };
    },
  },
  {
    name: 'an iCloud session requiring a 2FA code',
    description:
      'A user and an icloud.account session opened without a code, settled to failed / code-required; ' +
      'a new session for the same source with code 123456 becomes active.',
    params: [
      { name: 'identifier', role: 'input', description: 'Apple ID (not +no2fa)', default: TWO_FA_ACCOUNT },
    ],
    returns: ['sessionId', 'userId', 'sourceId', 'identifier', 'code'],
    async setup(s, params) {
      const identifier = stringParam(params, 'identifier', TWO_FA_ACCOUNT);
      const session = await openSession(s, identifier, 'any-password');
      if (session.state !== 'failed' || session.error !== 'code-required') {
        throw new Error(`expected a failed/code-required session, got ${session.state}/${session.error}`);
      }
      return {
        sessionId: session.id,
        userId: session.userId,
        sourceId: String((session.source as Json).id),
        identifier,
        code: '123456',
      };
    },
  },
  {
    name: 'an active session {sessionId}',
    description: `A user and an active icloud.account session for the test account ${NO_2FA_ACCOUNT}.`,
    params: [
      { name: 'sessionId', role: 'output', description: 'the session created' },
      { name: 'identifier', role: 'input', description: 'Apple ID (a +no2fa one)', default: NO_2FA_ACCOUNT },
    ],
    returns: ['sessionId', 'userId', 'sourceId', 'identifier'],
    setup: activeSession,
  },
  {
    name: 'a completed poll {pollId} with results for {dataTypes}',
    description:
      'An active session and a poll for those data types (comma-separated or a list), run until completed ' +
      'with its results published and available.',
    params: [
      { name: 'pollId', role: 'output', description: 'the poll created' },
      { name: 'dataTypes', role: 'input', description: 'data types to poll', default: 'callkit.calls' },
    ],
    returns: ['pollId', 'sessionId', 'userId', 'sourceId', 'resultId', 'resultIds', 'taskId'],
    async setup(s, params) {
      const session = await activeSession(s, params);
      const dataTypes = listParam(params, 'dataTypes', ['callkit.calls']);
      const created = await s.api('POST', '/polls', {
        session: session.sessionId,
        payload: { data_types: dataTypes },
      });
      const poll = await s.settle(
        () => s.api('GET', `/polls/${created.id}`),
        (p) => p.state === 'completed',
        120,
      );
      const results = ((poll.results as Json).data as Json[]).map((r) => String(r.id));
      const tasks = poll.tasks_succeeded as string[];
      return {
        ...session,
        pollId: poll.id,
        resultId: results[0] ?? null,
        resultIds: results,
        taskId: tasks[0] ?? null,
      };
    },
  },
  {
    name: 'a valid storage config',
    description: 'A second storage config (s3://pact-bucket/results, signed urls on) tested until valid.',
    params: [],
    returns: ['storageConfigId'],
    async setup(s) {
      const created = await s.api('POST', '/configs/storage', {
        url: 's3://pact-bucket/results',
        credentials: { access_key_id: 'AKIAPACT', secret_access_key: 'pact-secret' },
        signed_urls_enabled: true,
      });
      const config = await s.settle(
        () => s.api('GET', `/configs/storage/${created.id}`),
        (c) => c.state !== 'new',
      );
      if (config.state !== 'valid') throw new Error(`the storage config ended ${config.state}, not valid`);
      return { storageConfigId: String(config.id) };
    },
  },
  {
    name: 'a webhook config {webhookConfigId}',
    description:
      'A webhook config pointing at a loopback url nobody listens on (so its test leaves it invalid); ' +
      'its secret signs the message pacts of this interaction.',
    params: [
      { name: 'webhookConfigId', role: 'output', description: 'the config created' },
      { name: 'url', role: 'input', description: 'receiver url', default: 'http://127.0.0.1:9/webhooks' },
    ],
    returns: ['webhookConfigId', 'secret'],
    async setup(s, params) {
      const created = await s.api('POST', '/configs/webhook', {
        url: stringParam(params, 'url', 'http://127.0.0.1:9/webhooks'),
      });
      return { webhookConfigId: String(created.id), secret: created.secret };
    },
  },
  {
    name: 'an expired session',
    description: 'An active session expired by DELETE /sessions/{id} (error organisation).',
    params: [],
    returns: ['sessionId', 'userId', 'sourceId'],
    async setup(s, params) {
      const session = await activeSession(s, params);
      await s.api('DELETE', `/sessions/${session.sessionId}`);
      return session;
    },
  },
  {
    name: 'a relay subscription awaiting approval',
    description:
      'A user, an active rirelay.instance session (pairing code 123456), a valid webhook config (subscriptions ' +
      'need one; it points at a loopback url nobody listens on) and a subscription on the session, still ' +
      'pending because the app user has not allowed it yet.',
    params: [],
    returns: ['subscriptionId', 'sessionId', 'userId', 'sourceId'],
    async setup(s) {
      const userId = await ensureUser(s, 'relay-user@example.com');
      const created = await s.api('POST', '/sessions', {
        source: { user: userId, type: 'rirelay.instance' },
        payload: { code: '123456' },
      });
      const session = await s.settle(
        () => s.api('GET', `/sessions/${created.id}`),
        (v) => v.state !== 'pending',
      );
      if (session.state !== 'active') throw new Error(`the relay session ended ${session.state}, not active`);
      addValidWebhookConfig(s.mock.ctx, s.tenant.org, 'http://127.0.0.1:9/webhooks');
      const subscription = await s.api('POST', '/subscriptions', {
        session: session.id,
        poll_payload: { data_types: ['ios_messages.messages'] },
      });
      if (subscription.state !== 'pending')
        throw new Error(`the subscription is ${subscription.state}, not pending`);
      return {
        subscriptionId: subscription.id,
        sessionId: session.id,
        userId,
        sourceId: String((session.source as Json).id),
      };
    },
  },
];

/** Edit distance between two strings (Levenshtein), for "did you mean". */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/** The catalogue state closest to a name that is not in it, when one is close enough to be a likely typo. */
export function suggestProviderState(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const d of PROVIDER_STATES) {
    const distance = editDistance(name.toLowerCase(), d.name.toLowerCase());
    if (!best || distance < best.distance) best = { name: d.name, distance };
  }
  return best && best.distance <= Math.max(name.length, best.name.length) / 2 ? best.name : undefined;
}

/** Thrown for a state name that is not in the catalogue: one line, with the likely state meant. */
export class UnknownProviderStateError extends Error {
  /** The catalogue state the name most likely meant, if any is close. */
  readonly suggestion: string | undefined;
  constructor(readonly state: string) {
    const suggestion = suggestProviderState(state);
    super(
      `unknown provider state "${state}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; ` +
        `\`ricloud-mock verify --list-states\` lists the ${PROVIDER_STATES.length} states ricloud-mock ships`,
    );
    this.name = 'UnknownProviderStateError';
    this.suggestion = suggestion;
  }
}

function templateRegex(name: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = name
    .split(/(\{\w+\})/)
    .map((part) => {
      const m = /^\{(\w+)\}$/.exec(part);
      if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1] as string);
      return '(.+?)';
    })
    .join('');
  return { regex: new RegExp(`^${source}$`), names };
}

/**
 * Finds a state by name: exact, or with placeholders filled in (their values become params).
 * @throws UnknownProviderStateError naming the catalogue
 */
export function resolveProviderState(name: string): { definition: ProviderStateDefinition; params: Json } {
  const exact = PROVIDER_STATES.find((d) => d.name === name);
  if (exact) return { definition: exact, params: {} };
  for (const definition of PROVIDER_STATES) {
    const { regex, names } = templateRegex(definition.name);
    const m = regex.exec(name);
    if (!m) continue;
    const params: Json = {};
    names.forEach((n, i) => {
      params[n] = m[i + 1];
    });
    return { definition, params };
  }
  throw new UnknownProviderStateError(name);
}

export interface ProviderWorldOptions {
  /** Scale of one settle step in mock seconds (default 1). */
  stepSeconds?: number;
}

/**
 * Runs provider states against one in-process mock: each verification interaction gets a fresh tenant
 * (organisation + key), its states are set up in it through the mock's own HTTP API and clock, and the
 * interaction's request then runs with that tenant's token.
 */
export class ProviderWorld {
  private current: Tenant | null = null;
  private count = 0;
  /** Problems met while setting states up, for the report (capped). */
  readonly problems: string[] = [];

  constructor(
    readonly mock: Mock,
    private readonly options: ProviderWorldOptions = {},
  ) {}

  /** The tenant of the interaction in progress (created on first use). */
  tenant(configured = true, name?: string): Tenant {
    if (this.current) return this.current;
    this.count += 1;
    const { org, key } = createOrganisation(this.mock.ctx, {
      name: name ?? `Pact verification ${this.count}`,
      scopes: PERMISSIVE_SCOPES,
      storageUrl: configured ? this.mock.ctx.options.storageUrl : undefined,
    });
    this.current = { org, token: key.token, values: {} };
    return this.current;
  }

  /** Ends the interaction: the next state or request starts in a fresh tenant. */
  finishInteraction(): void {
    this.current = null;
  }

  /** Sets one state up; returns the values for injection. Throws (loudly) on unknown names and failures. */
  async setup(state: string, rawParams: Json | undefined): Promise<Json> {
    let resolved: ReturnType<typeof resolveProviderState>;
    try {
      resolved = resolveProviderState(state);
    } catch (err) {
      this.note((err as Error).message);
      throw err;
    }
    const params = { ...resolved.params, ...(rawParams ?? {}) };
    const isOrgState = resolved.definition.name === 'an organisation exists';
    const tenant = isOrgState
      ? this.tenant(
          params.configured !== false && params.configured !== 'false',
          params.name as string | undefined,
        )
      : this.tenant();
    try {
      const values = await resolved.definition.setup(this.stateContext(tenant), params);
      Object.assign(tenant.values, values);
      return { ...tenant.values };
    } catch (err) {
      const message = `provider state "${state}" could not be set up: ${(err as Error).message}`;
      this.note(message);
      throw new Error(message);
    }
  }

  /**
   * The body and `Ricloud-Signature` of a webhook delivery for the newest event of `type.action` in the
   * current tenant, signed with its webhook config's secret (or `secret` from the states).
   */
  async webhookMessage(description: string): Promise<{ body: Json; metadata: Record<string, string> }> {
    const m = /\b([a-z_]+)\.([a-z_]+)\b/.exec(description);
    if (!m) {
      throw new Error(
        `message "${description}" names no event type; write it as e.g. "a poll.completed webhook" ` +
          '(session.expired, poll.created, poll.completed, task.created, task.succeeded, task.failed, webhook_config.test)',
      );
    }
    const tenant = this.tenant();
    const s = this.stateContext(tenant);
    const list = await s.api('GET', `/events?type=${m[1]}&action=${m[2]}&limit=1`);
    const event = (list.data as Json[])[0];
    if (!event)
      throw new Error(`no ${m[1]}.${m[2]} event in this interaction's organisation; check its states`);
    const secret = typeof tenant.values.secret === 'string' ? tenant.values.secret : 'pact-webhook-secret';
    const raw = JSON.stringify(event);
    // Wall time, as the mock signs its deliveries in every clock mode (server/domain/delivery.ts sendSigned).
    const t = Math.floor(this.mock.ctx.wallNow() / 1000);
    return {
      body: event,
      metadata: { 'Ricloud-Signature': signWebhook(secret, raw, t), contentType: 'application/json' },
    };
  }

  private note(message: string): void {
    if (this.problems.length < 100 && !this.problems.includes(message)) this.problems.push(message);
  }

  private stateContext(tenant: Tenant): StateContext {
    const mock = this.mock;
    const step = this.options.stepSeconds ?? 1;
    const api = async (method: string, path: string, body?: unknown): Promise<Json> => {
      const headers: Record<string, string> = { Authorization: `Token ${tenant.token}` };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const res = await mock.app.request(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status >= 300)
        throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
      return JSON.parse(text) as Json;
    };
    return {
      mock,
      tenant,
      api,
      async settle(load, done, maxSeconds = 60) {
        let value = await load();
        for (let waited = 0; !done(value) && waited < maxSeconds; waited += step) {
          await mock.advance(step);
          value = await load();
        }
        if (!done(value)) throw new Error(`still not settled after ${maxSeconds} mock seconds`);
        return value;
      },
    };
  }
}
