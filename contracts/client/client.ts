// A small typed ricloud v3 client over fetch: the consumer of the project's own pacts and an example for users.
import type {
  Event,
  EventList,
  Organisation,
  Poll,
  PollList,
  Query,
  RequestBody,
  Result,
  ResultList,
  Session,
  SessionList,
  StorageConfig,
  StorageConfigList,
  Subscription,
  User,
  UserList,
  WebhookConfig,
  WebhookConfigList,
} from '../../openapi/types.ts';

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** e.g. https://ricloud-api.reincubate.com, or the mock's http://127.0.0.1:8787 */
  baseUrl: string;
  /** A key's token, sent as `Authorization: Token <token>`. */
  token: string;
  /** Injected fetch (openapi-fetch style): tests pass their own instead of patching globals. */
  fetch?: FetchLike | undefined;
  /** How waiting helpers and retries pause (default: a real timer). */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /**
   * Retries of a request that failed with a 5xx or a network error (default 3, as ricloud-py), after 100 ms,
   * 200 ms, 400 ms... A 429 waits out its `Retry-After` (seconds) and counts as a retry too. Other 4xx: never.
   */
  maxRetries?: number | undefined;
  /** Sends `Ricloud-Await: <seconds>` on every request (the API holds the answer until the work is done). */
  awaitSeconds?: number | undefined;
}

/** A ricloud error response (`{error, message, params}`), thrown for every non-2xx answer. */
export class RicloudError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly params: Record<string, unknown> = {},
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = 'RicloudError';
  }
}

export interface WaitOptions {
  /** Pause between checks in ms (default 1000). */
  intervalMs?: number | undefined;
  /** Give up after this many checks (default 120). */
  maxChecks?: number | undefined;
}

/** The 2FA exchange: the password, and a way to ask the end user for the code the service sent. */
export interface TwoFactorOptions {
  password: string;
  askCode: (attempt: number) => Promise<string>;
  /** Codes to try before giving up (default 3). */
  maxCodeAttempts?: number | undefined;
  wait?: WaitOptions | undefined;
}

/**
 * A storage config's create/update body. The spec leaves `credentials` an open object (its generated type is
 * `Record<string, never>`), so the client spells out what it sends: gs service-account JSON or s3 keys.
 */
export type StorageConfigInput = Omit<RequestBody<'createStorageConfig'>, 'credentials'> & {
  credentials?: Record<string, unknown> | undefined;
};

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Builds a client. Every method is one request, except the `waitFor…` and 2FA helpers.
 * @example
 * const ricloud = createClient({ baseUrl: 'http://127.0.0.1:8787', token });
 * const user = await ricloud.users.create({ identifier: 'end-user@example.com' });
 */
export function createClient(options: ClientOptions) {
  const fetchFn: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const sleep = options.sleep ?? realSleep;
  const base = options.baseUrl.replace(/\/$/, '');

  async function call<T>(method: string, path: string, body?: unknown, query?: object): Promise<T> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) qs.set(k, String(v));
    const url = `${base}${path}${qs.size ? `?${qs}` : ''}`;
    const headers: Record<string, string> = {
      Authorization: `Token ${options.token}`,
      Accept: 'application/json',
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.awaitSeconds) headers['Ricloud-Await'] = String(options.awaitSeconds);
    const maxRetries = options.maxRetries ?? 3;
    let res: Response | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        res = await fetchFn(url, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        if (attempt >= maxRetries) throw err;
        await sleep(100 * 2 ** attempt);
        continue;
      }
      if (attempt >= maxRetries || !(res.status >= 500 || res.status === 429)) break;
      // Retry-After in seconds (RFC 9110 also allows an HTTP date: then the date minus now).
      const after = res.headers.get('retry-after');
      const seconds =
        after === null
          ? Number.NaN
          : /^\d+$/.test(after.trim())
            ? Number(after)
            : (Date.parse(after) - Date.now()) / 1000;
      await res.body?.cancel().catch(() => {});
      await sleep(Number.isFinite(seconds) ? Math.max(0, seconds) * 1000 : 100 * 2 ** attempt);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const err = (parsed ?? {}) as { error?: string; message?: string; params?: Record<string, unknown> };
      throw new RicloudError(res.status, err.error ?? 'unknown', err.message ?? text, err.params);
    }
    return parsed as T;
  }

  async function waitFor<T>(
    load: () => Promise<T>,
    done: (v: T) => boolean,
    w: WaitOptions = {},
  ): Promise<T> {
    const max = w.maxChecks ?? 120;
    let value = await load();
    for (let i = 1; i < max && !done(value); i++) {
      await sleep(w.intervalMs ?? 1000);
      value = await load();
    }
    return value;
  }

  const sessions = {
    create: (body: RequestBody<'createSession'>) => call<Session>('POST', '/sessions', body),
    retrieve: (id: string) => call<Session>('GET', `/sessions/${encodeURIComponent(id)}`),
    list: (query?: Query<'listSessions'>) => call<SessionList>('GET', '/sessions', undefined, query),
    /** Expires the session (`error: organisation`) and returns it. */
    delete: (id: string) => call<Session>('DELETE', `/sessions/${encodeURIComponent(id)}`),
    /** Re-reads a session until it leaves `pending`. */
    waitUntilSettled: (id: string, w?: WaitOptions) =>
      waitFor(
        () => sessions.retrieve(id),
        (s) => s.state !== 'pending',
        w,
      ),
    /**
     * Opens a session, answering 2FA: a first attempt that fails with `code-required` is retried as a new
     * session carrying the code, as often as `maxCodeAttempts` (a wrong code fails with `code-required` again).
     * @see https://reincubate.com/support/ricloud/sessions/
     */
    async createWithTwoFactor(
      source: RequestBody<'createSession'>['source'],
      tf: TwoFactorOptions,
    ): Promise<Session> {
      const open = async (payload: { password: string; code?: string }) =>
        sessions.waitUntilSettled((await sessions.create({ source, payload })).id, tf.wait);
      let session = await open({ password: tf.password });
      for (let attempt = 1; attempt <= (tf.maxCodeAttempts ?? 3); attempt++) {
        if (session.state !== 'failed' || session.error !== 'code-required') break;
        session = await open({ password: tf.password, code: await tf.askCode(attempt) });
      }
      return session;
    },
  };

  const polls = {
    create: (body: RequestBody<'createPoll'>) => call<Poll>('POST', '/polls', body),
    retrieve: (id: string) => call<Poll>('GET', `/polls/${encodeURIComponent(id)}`),
    list: (query?: Query<'listPolls'>) => call<PollList>('GET', '/polls', undefined, query),
    /** Re-reads a poll until it is `completed` (a poll never fails: look at its `errors`). */
    waitForCompletion: (id: string, w?: WaitOptions) =>
      waitFor(
        () => polls.retrieve(id),
        (p) => p.state === 'completed',
        w,
      ),
  };

  const results = {
    list: (query?: Query<'listResults'>) => call<ResultList>('GET', '/results', undefined, query),
    retrieve: (id: string) => call<Result>('GET', `/results/${encodeURIComponent(id)}`),
    /** Marks a result consumed (acking twice is not an error). */
    ack: (id: string) => call<Result>('POST', `/results/${encodeURIComponent(id)}/ack`),
    ackMany: (ids: string[]) => call<ResultList>('POST', '/results/ack', { ids }),
    /** Downloads a result's published bytes through its signed url (null when it has none). */
    async download(result: Result): Promise<Uint8Array | null> {
      if (!result.signed_url) return null;
      const res = await fetchFn(result.signed_url.url);
      if (!res.ok) throw new RicloudError(res.status, 'download-failed', `GET ${result.signed_url.url}`);
      return new Uint8Array(await res.arrayBuffer());
    },
  };

  return {
    organisation: {
      retrieve: () => call<Organisation>('GET', '/organisation'),
      update: (body: RequestBody<'updateOrganisation'>) => call<Organisation>('POST', '/organisation', body),
    },
    users: {
      /** Get-or-create: an existing identifier returns the existing user. */
      create: (body: RequestBody<'createUser'>) => call<User>('POST', '/users', body),
      retrieve: (id: string) => call<User>('GET', `/users/${encodeURIComponent(id)}`),
      list: (query?: Query<'listUsers'>) => call<UserList>('GET', '/users', undefined, query),
    },
    sessions,
    polls,
    results,
    subscriptions: {
      create: (body: RequestBody<'createSubscription'>) => call<Subscription>('POST', '/subscriptions', body),
      retrieve: (id: string) => call<Subscription>('GET', `/subscriptions/${encodeURIComponent(id)}`),
      delete: (id: string) => call<Subscription>('DELETE', `/subscriptions/${encodeURIComponent(id)}`),
    },
    configs: {
      storage: {
        create: (body: StorageConfigInput) => call<StorageConfig>('POST', '/configs/storage', body),
        retrieve: (id: string) => call<StorageConfig>('GET', `/configs/storage/${encodeURIComponent(id)}`),
        list: (query?: Query<'listStorageConfigs'>) =>
          call<StorageConfigList>('GET', '/configs/storage', undefined, query),
        test: (id: string) => call<StorageConfig>('POST', `/configs/storage/${encodeURIComponent(id)}/test`),
      },
      webhook: {
        create: (body: RequestBody<'createWebhookConfig'>) =>
          call<WebhookConfig>('POST', '/configs/webhook', body),
        retrieve: (id: string) => call<WebhookConfig>('GET', `/configs/webhook/${encodeURIComponent(id)}`),
        list: (query?: Query<'listWebhookConfigs'>) =>
          call<WebhookConfigList>('GET', '/configs/webhook', undefined, query),
        test: (id: string) => call<WebhookConfig>('POST', `/configs/webhook/${encodeURIComponent(id)}/test`),
      },
    },
    events: {
      list: (query?: Query<'listEvents'>) => call<EventList>('GET', '/events', undefined, query),
      retrieve: (id: string) => call<Event>('GET', `/events/${encodeURIComponent(id)}`),
    },
  };
}

export type RicloudClient = ReturnType<typeof createClient>;
