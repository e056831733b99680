// The catalogue of client checks (contracts/CONFORMANCE.md): what each prepares, what its driver must do, and the
// rule it judges from the mock's journal and world once the driver has exited.

import type { ControlClient, Timings } from '../../server/index.ts';
import type { DriverRun } from './driver.ts';
import { describe, type Line, responseOf, timeMs } from './journal.ts';

/** The driver's job for a check: several checks share one task (contracts/CONFORMANCE.md, "Tasks"). */
export type TaskName =
  | 'organisation'
  | 'missing-session'
  | 'users'
  | 'first-page'
  | 'user'
  | 'session'
  | 'poll';

/** The tenant a check runs in, and a way to use the ricloud API as it (set-up and judging). */
export interface CheckWorld {
  url: string;
  token: string;
  organisation: number;
  control: ControlClient;
  /** A ricloud request as the tenant (never journaled against the driver: set-up is before the watermark). */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
}

export interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: ricloud JSON read by the judges
  body: any;
}

export interface Verdict {
  ok: boolean;
  /** One sentence: what the client did, or what it did wrong. */
  summary: string;
  /** The journal lines (or driver output) that show it. */
  evidence: string[];
}

export interface ClientCheck {
  name: string;
  /** What the check is for, in one line. */
  purpose: string;
  /** The rule it enforces, as the report and the catalogue state it. */
  rule: string;
  /** Where the rule comes from: the ricloud docs or the official client. */
  source: string;
  task: TaskName;
  /** The mock's clock for this check: scaled ×100 unless the rule is about real waiting. */
  clock: { mode: 'scaled'; scale: number } | { mode: 'real' };
  timings?: Partial<Timings>;
  /** Prepares the tenant; returns the check's inputs (environment variables of the driver). */
  setup(world: CheckWorld): Promise<Record<string, string>>;
  /** Adds faults or scenarios after the set-up, right before the driver starts. */
  arm?(world: CheckWorld, inputs: Record<string, string>): Promise<void>;
  judge(world: CheckWorld, run: DriverRun, lines: Line[], inputs: Record<string, string>): Promise<Verdict>;
}

const SCALED = { mode: 'scaled', scale: 100 } as const;
const REAL = { mode: 'real' } as const;
const PY_RETRY =
  'ricloud-py 3.2.0 ricloud/requests.py (RequestHandler._send retries any 5xx, max_retries = 3)';

export const PASSWORD = 'conformance-password';
export const TWO_FACTOR_CODE = '123456';
/** A session id that exists nowhere (honours-4xx). */
export const MISSING_SESSION = '00000000-0000-4000-8000-000000000404';

const pass = (summary: string, evidence: string[] = []): Verdict => ({ ok: true, summary, evidence });
const fail = (summary: string, evidence: string[] = []): Verdict => ({ ok: false, summary, evidence });

function lines$(lines: Line[], origin?: number): string[] {
  const o = origin ?? (lines[0] ? timeMs(lines[0]) : undefined);
  return lines.map((l) => describe(l, o));
}

/** The driver's own account of a failed task, for the evidence. */
function driverSaid(run: DriverRun): string[] {
  const out = [`driver exit code: ${run.timedOut ? 'killed at the timeout' : String(run.exitCode)}`];
  if (run.answer) out.push(`driver answer: ${JSON.stringify(run.answer)}`);
  const err = run.stderrTail.trim().split('\n').slice(-5).join('\n').trim();
  if (err) out.push(`driver stderr (last lines): ${err}`);
  return out;
}

/** The task must have succeeded (exit 0 and an answer) before its rule is judged. */
function taskFailed(run: DriverRun, lines: Line[], field: string): Verdict | undefined {
  if (run.exitCode === 0 && run.answer && run.answer[field] !== undefined) return undefined;
  const why =
    run.exitCode === 0
      ? `the driver exited 0 but printed no JSON answer with "${field}"`
      : run.timedOut
        ? 'the driver did not finish before the timeout'
        : `the driver failed the task (exit ${run.exitCode})`;
  return fail(`${why}: the client did not complete the work`, [
    ...driverSaid(run),
    ...lines$(lines.slice(-12)),
  ]);
}

async function createUser(world: CheckWorld, identifier: string): Promise<string> {
  const res = await world.api('POST', '/users', { identifier });
  if (res.status >= 300) throw new Error(`set-up: POST /users answered ${res.status}`);
  return String(res.body.id);
}

/** An active session for a no-2FA test account (the clock is moved on so that it settles at once). */
async function activeSession(world: CheckWorld, user: string, identifier: string): Promise<string> {
  const res = await world.api('POST', '/sessions', {
    source: { user, type: 'icloud.account', identifier },
    payload: { password: PASSWORD },
  });
  if (res.status >= 300) throw new Error(`set-up: POST /sessions answered ${res.status}`);
  const id = String(res.body.id);
  await world.control.advance(5);
  const got = await world.api('GET', `/sessions/${id}`);
  if (got.body.state !== 'active') throw new Error(`set-up: the session is ${got.body.state}, not active`);
  return id;
}

const onPath = (lines: Line[], method: string, path: string | RegExp) =>
  lines.filter(
    (l) => l.method === method && (typeof path === 'string' ? l.path === path : path.test(l.path)),
  );

async function organisationAnswer(
  world: CheckWorld,
  run: DriverRun,
  lines: Line[],
): Promise<Verdict | undefined> {
  const failed = taskFailed(run, lines, 'organisation');
  if (failed) return failed;
  if (String(run.answer?.organisation) !== String(world.organisation))
    return fail(
      `the driver answered organisation ${JSON.stringify(run.answer?.organisation)}, not ${world.organisation}`,
      driverSaid(run),
    );
  return undefined;
}

export const CLIENT_CHECKS: ClientCheck[] = [
  {
    name: 'retries-5xx',
    purpose: 'A transient server error is retried, and the request then succeeds.',
    rule: 'After two 503 answers to GET /organisation the client sends it again and succeeds on the third attempt: exactly 3 requests, the task completes.',
    source: `${PY_RETRY}; ricloud-py 3.2.0 ricloud/ricloud.ini (max_retries = 3)`,
    task: 'organisation',
    clock: SCALED,
    setup: async () => ({}),
    arm: async (world) => {
      await world.control.addFault({
        kind: 'error',
        status: 503,
        count: 2,
        method: 'GET',
        path: '/organisation',
        organisation: world.organisation,
      });
    },
    judge: async (world, run, lines) => {
      const calls = onPath(lines, 'GET', '/organisation');
      const statuses = calls.map((l) => l.status).join(', ');
      if (calls.length < 3 || calls[calls.length - 1]?.status !== 200)
        return fail(
          `GET /organisation was sent ${calls.length} time(s) (${statuses || 'none'}): the client did not retry the 503s until success`,
          [...lines$(calls), ...driverSaid(run)],
        );
      if (calls.length > 3)
        return fail(
          `GET /organisation was sent ${calls.length} times (${statuses}): more than the 3 needed`,
          lines$(calls),
        );
      return (
        (await organisationAnswer(world, run, lines)) ??
        pass('503, 503, then 200: retried twice and succeeded', lines$(calls))
      );
    },
  },
  {
    name: 'retries-stop',
    purpose: 'Retries of a failing request are bounded: the client gives up and says so.',
    rule: 'When GET /organisation always answers 503, the client sends it at least twice and at most 6 times (1 + at most 5 retries), then the driver exits non-zero.',
    source: `${PY_RETRY}: after max_retries it raises ServerError`,
    task: 'organisation',
    clock: SCALED,
    setup: async () => ({}),
    arm: async (world) => {
      await world.control.addFault({
        kind: 'error',
        status: 503,
        method: 'GET',
        path: '/organisation',
        organisation: world.organisation,
      });
    },
    judge: async (_world, run, lines) => {
      const calls = onPath(lines, 'GET', '/organisation');
      if (run.timedOut)
        return fail(
          `the driver was still running at the timeout after ${calls.length} requests: the client never gives up`,
          lines$(calls.slice(-10)),
        );
      if (calls.length > 6)
        return fail(
          `GET /organisation was sent ${calls.length} times against a permanent 503: more than 6 attempts`,
          lines$(calls),
        );
      if (calls.length < 2)
        return fail(
          `GET /organisation was sent ${calls.length} time(s): the client did not retry a 503 at all`,
          [...lines$(calls), ...driverSaid(run)],
        );
      if (run.exitCode === 0)
        return fail(`the driver exited 0 although every attempt failed: the client hid the error`, [
          ...lines$(calls),
          ...driverSaid(run),
        ]);
      return pass(
        `${calls.length} attempts, then the client gave up (driver exit ${run.exitCode})`,
        lines$(calls),
      );
    },
  },
  {
    name: 'retry-after',
    purpose: 'A 429 is waited out for as long as its Retry-After says, then retried.',
    rule: 'After a 429 with Retry-After: 1 the client sends no request for 1 s of mock time (real clock), then retries and completes the task.',
    source:
      'https://reincubate.com/support/ricloud/protocols/ "Rate limiting" ("Requests to the API may be throttled by standard rate limiting"); RFC 9110 §10.2.3 (Retry-After)',
    task: 'organisation',
    clock: REAL,
    setup: async () => ({}),
    arm: async (world) => {
      await world.control.addFault({
        kind: 'error',
        status: 429,
        retry_after: 1,
        count: 1,
        method: 'GET',
        path: '/organisation',
        organisation: world.organisation,
      });
    },
    judge: async (world, run, lines) => {
      const limited = lines.find((l) => l.status === 429);
      if (!limited)
        return fail('the client never reached the rate-limited request', [
          ...driverSaid(run),
          ...lines$(lines),
        ]);
      const t0 = timeMs(limited);
      const early = lines.filter((l) => l.seq > limited.seq && timeMs(l) < t0 + 1000);
      if (early.length)
        return fail(
          `${early.length} request(s) within 1 s of the 429 (Retry-After: 1)`,
          lines$([limited, ...early], t0),
        );
      const later = lines.filter((l) => l.seq > limited.seq);
      if (!later.length)
        return fail('the client gave up on the 429 instead of retrying after Retry-After', [
          describe(limited, t0),
          ...driverSaid(run),
        ]);
      return (
        (await organisationAnswer(world, run, lines)) ??
        pass(
          `waited ${((timeMs(later[0] as Line) - t0) / 1000).toFixed(3)} s after the 429, then retried`,
          lines$([limited, ...later], t0),
        )
      );
    },
  },
  {
    name: 'honours-4xx',
    purpose: 'A client error is reported to the caller, not retried.',
    rule: 'GET /sessions/{id} for an id that does not exist answers 404: the client sends it exactly once and the driver exits non-zero.',
    source: `${PY_RETRY}: only a 5xx or a connection error is retried; a 4xx raises RequestError at once`,
    task: 'missing-session',
    clock: SCALED,
    setup: async () => ({ RICLOUD_SESSION_ID: MISSING_SESSION }),
    judge: async (_world, run, lines) => {
      const calls = onPath(lines, 'GET', `/sessions/${MISSING_SESSION}`);
      if (calls.length === 0)
        return fail('the client never asked for the session', [...driverSaid(run), ...lines$(lines)]);
      if (calls.length > 1)
        return fail(`the 404 was requested ${calls.length} times: a 4xx must not be retried`, lines$(calls));
      if (run.exitCode === 0)
        return fail('the driver exited 0 after a 404: the client hid the error', [
          ...lines$(calls),
          ...driverSaid(run),
        ]);
      return pass(`one request, 404, reported (driver exit ${run.exitCode})`, lines$(calls));
    },
  },
  {
    name: 'pagination',
    purpose: 'A list is followed page by page to its end.',
    rule: 'Listing 23 users with limit=RICLOUD_PAGE_SIZE (10) takes exactly 3 GET /users, each with that limit, the 2nd and 3rd with after_id; the answer holds all 23 ids.',
    source:
      'https://reincubate.com/support/ricloud/protocols/ "Pagination" (limit, after_id; "has_more which signals if more resources can be listed")',
    task: 'users',
    clock: SCALED,
    setup: async (world) => {
      for (let i = 1; i <= 23; i++) await createUser(world, `page-user-${String(i).padStart(2, '0')}`);
      return { RICLOUD_PAGE_SIZE: '10' };
    },
    judge: async (world, run, lines) => {
      const calls = onPath(lines, 'GET', '/users');
      const refused = calls.filter((l) => l.status >= 400);
      if (refused.length)
        return fail(
          `${refused.length} page request(s) refused: the client never got past them`,
          lines$(calls),
        );
      const bad = calls.filter((l, i) => l.query.limit !== '10' || i > 0 !== 'after_id' in l.query);
      if (bad.length)
        return fail('a page request without limit=10, or without after_id after the first page', lines$(bad));
      if (calls.length !== 3)
        return fail(
          `${calls.length} page request(s) for 23 users at 10 a page (3 expected: has_more was true twice, then false)`,
          lines$(calls),
        );
      const failed = taskFailed(run, lines, 'users');
      if (failed) return failed;
      const all = (await world.api('GET', '/users?limit=1000')).body.data.map((u: { id: string }) =>
        String(u.id),
      );
      const answered = new Set(((run.answer?.users as unknown[]) ?? []).map(String));
      const missing = all.filter((id: string) => !answered.has(id));
      if (missing.length || answered.size !== all.length)
        return fail(
          `the answer has ${answered.size} distinct ids of 23; missing: ${missing.join(', ') || 'none'}`,
          driverSaid(run),
        );
      return pass('3 pages, all 23 users', lines$(calls));
    },
  },
  {
    name: 'two-factor',
    purpose: 'The 2FA exchange: a session that fails with code-required is retried with the code.',
    rule: 'The first POST /sessions (password only) fails with code-required; only after the client has seen that does it create exactly one more session with the code, which becomes active and is the answer.',
    source:
      'https://reincubate.com/support/ricloud/sessions/ (init errors include "the need for 2FA authentication"); ricloud-py 3.2.0 ricloud/samples/icloud.py (on error code-required it asks for the code and creates a new session)',
    task: 'session',
    clock: SCALED,
    setup: async (world) => {
      const user = await createUser(world, 'two-factor-user');
      return {
        RICLOUD_USER_ID: user,
        RICLOUD_SOURCE_IDENTIFIER: 'conformance-2fa@example.com',
        RICLOUD_PASSWORD: PASSWORD,
        RICLOUD_CODE: TWO_FACTOR_CODE,
      };
    },
    judge: async (world, run, lines) => {
      const creates = onPath(lines, 'POST', '/sessions');
      if (creates.length !== 2)
        return fail(
          `${creates.length} POST /sessions (2 expected: the password, then the password and the code)`,
          [...lines$(creates), ...driverSaid(run)],
        );
      const [first, second] = creates as [Line, Line];
      const firstId = responseOf(first)?.id;
      const seen = lines.find((l) => {
        const body = responseOf(l);
        return (
          l.seq < second.seq &&
          body?.id === firstId &&
          body?.state === 'failed' &&
          body?.error === 'code-required'
        );
      });
      if (!seen)
        return fail(
          'the second session was created before any response showed the first one failed with code-required',
          lines$(lines.filter((l) => l.seq <= second.seq)),
        );
      const failed = taskFailed(run, lines, 'session');
      if (failed) return failed;
      const answered = await world.api('GET', `/sessions/${encodeURIComponent(String(run.answer?.session))}`);
      if (answered.body?.state !== 'active' || answered.body?.id !== responseOf(second)?.id)
        return fail(
          `the answer ${JSON.stringify(run.answer?.session)} is not the active second session (it is ${answered.body?.state ?? answered.status})`,
          lines$(creates),
        );
      return pass(
        'code-required seen, then one new session with the code: active',
        lines$([first, seen, second]),
      );
    },
  },
  {
    name: 'session-expiry',
    purpose: 'A session that expires in the middle of a poll is replaced by a new session.',
    rule: "The poll's task fails with session-expired and its session expires: the client then creates a new session for the same source and a new poll on it, which completes without errors and is the answer.",
    source:
      'https://reincubate.com/support/ricloud/sessions/ ("Once a session expires, a new session must be created in order to maintain access.")',
    task: 'poll',
    clock: SCALED,
    setup: async (world) => {
      const user = await createUser(world, 'expiry-user');
      const identifier = 'conformance-expiry+no2fa@example.com';
      const session = await activeSession(world, user, identifier);
      return {
        RICLOUD_USER_ID: user,
        RICLOUD_SOURCE_IDENTIFIER: identifier,
        RICLOUD_PASSWORD: PASSWORD,
        RICLOUD_CODE: TWO_FACTOR_CODE,
        RICLOUD_SESSION_ID: session,
        RICLOUD_INFO_TYPES: 'account.info',
      };
    },
    arm: async (world) => {
      await world.control.forceTaskFailure({
        organisation: world.organisation,
        type: 'account.info',
        error: 'session-expired',
        expire_session: 'service',
        count: 1,
      });
    },
    judge: async (world, run, lines, inputs) => {
      const polls = onPath(lines, 'POST', '/polls');
      const firstPoll = polls[0];
      if (!firstPoll) return fail('the client created no poll', [...driverSaid(run), ...lines$(lines)]);
      const newSession = onPath(lines, 'POST', '/sessions').find(
        (l) => l.seq > firstPoll.seq && l.status < 300,
      );
      if (!newSession)
        return fail('after the poll failed with session-expired the client created no new session', [
          ...lines$(lines.slice(-15)),
          ...driverSaid(run),
        ]);
      const newId = responseOf(newSession)?.id;
      const nextPoll = polls.find((l) => l.seq > newSession.seq && l.status < 300);
      if (!nextPoll)
        return fail(
          'the client opened a new session but created no new poll on it',
          lines$(lines.filter((l) => l.seq >= firstPoll.seq)),
        );
      const failed = taskFailed(run, lines, 'poll');
      if (failed) return failed;
      const poll = (await world.api('GET', `/polls/${encodeURIComponent(String(run.answer?.poll))}`)).body;
      if (
        poll?.state !== 'completed' ||
        poll?.errors?.data?.length ||
        poll?.session !== newId ||
        poll?.session === inputs.RICLOUD_SESSION_ID
      )
        return fail(
          `the answered poll is ${poll?.state ?? 'unknown'} with ${poll?.errors?.data?.length ?? '?'} error(s) on session ${poll?.session}; expected a completed poll on the new session ${newId}`,
          lines$([firstPoll, newSession, nextPoll]),
        );
      return pass(
        'session-expired seen; new session, new poll, completed',
        lines$([firstPoll, newSession, nextPoll]),
      );
    },
  },
  {
    name: 'acknowledges-results',
    purpose: 'What was downloaded is acknowledged, so that the service can clean it up.',
    rule: 'After its poll completes, every result of every poll the client created is acknowledged (state consumed): none is left available.',
    source:
      'https://reincubate.com/support/ricloud/results/ ("Acknowledge the result as having been consumed"); https://reincubate.com/support/ricloud/changelog/ (batch POST /results/ack); ricloud-py Result.acknowledge',
    task: 'poll',
    clock: SCALED,
    setup: async (world) => {
      const user = await createUser(world, 'ack-user');
      const identifier = 'conformance-ack+no2fa@example.com';
      const session = await activeSession(world, user, identifier);
      return {
        RICLOUD_USER_ID: user,
        RICLOUD_SOURCE_IDENTIFIER: identifier,
        RICLOUD_PASSWORD: PASSWORD,
        RICLOUD_CODE: TWO_FACTOR_CODE,
        RICLOUD_SESSION_ID: session,
        RICLOUD_INFO_TYPES: 'account.info,account.devices',
      };
    },
    judge: async (world, run, lines) => {
      const failed = taskFailed(run, lines, 'poll');
      if (failed) return failed;
      const polls = (await world.api('GET', '/polls?limit=1000')).body.data as { id: string }[];
      const left: string[] = [];
      let consumed = 0;
      for (const p of polls) {
        left.push(
          ...((await world.api('GET', `/results?poll=${p.id}&limit=1000`)).body.data as { id: string }[]).map(
            (r) => `result ${r.id} of poll ${p.id} is still available`,
          ),
        );
        consumed += (await world.api('GET', `/results?poll=${p.id}&state=consumed&limit=1000`)).body
          .total_count as number;
      }
      const acks = lines.filter((l) => /^\/results(\/[^/]+)?\/ack$/.test(l.path));
      if (left.length) return fail(`${left.length} result(s) never acknowledged`, [...left, ...lines$(acks)]);
      if (consumed === 0) return fail('the polls published no result that was acknowledged', driverSaid(run));
      return pass(`${consumed} result(s) acknowledged`, lines$(acks));
    },
  },
  {
    name: 'polite-polling',
    purpose:
      'Waiting for a pending resource does not hammer the API (Ricloud-Await, or a pause between reads).',
    rule: 'While the session is pending (3 s, real clock) the client sends at most 2 requests per second of pending time (7 in all); Ricloud-Await: N on POST /sessions needs one.',
    source:
      'https://reincubate.com/support/ricloud/protocols/ "Await response" ("minimise the need for polling"); ricloud-py samples/utils.py await_response (time.sleep(1) between refreshes)',
    task: 'session',
    clock: REAL,
    timings: { sessionInitMs: 3_000 },
    setup: async (world) => {
      const user = await createUser(world, 'polling-user');
      return {
        RICLOUD_USER_ID: user,
        RICLOUD_SOURCE_IDENTIFIER: 'conformance-polling+no2fa@example.com',
        RICLOUD_PASSWORD: PASSWORD,
        RICLOUD_CODE: TWO_FACTOR_CODE,
      };
    },
    judge: async (world, run, lines) => {
      const create = onPath(lines, 'POST', '/sessions')[0];
      if (!create) return fail('the client created no session', [...driverSaid(run), ...lines$(lines)]);
      const t0 = timeMs(create);
      const pendingUntil = t0 + 3_000;
      const during = lines.filter((l) => l.seq > create.seq && timeMs(l) < pendingUntil);
      if (during.length > 6)
        return fail(
          `${during.length + 1} requests in the 3 s the session was pending (at most 7)`,
          lines$([create, ...during.slice(0, 20)], t0),
        );
      const failed = taskFailed(run, lines, 'session');
      if (failed) return failed;
      const session = (await world.api('GET', `/sessions/${encodeURIComponent(String(run.answer?.session))}`))
        .body;
      if (session?.state !== 'active')
        return fail(`the answered session is ${session?.state ?? 'unknown'}, not active`, driverSaid(run));
      return pass(`${during.length + 1} request(s) while pending`, lines$([create, ...during], t0));
    },
  },
  {
    name: 'auth-header',
    purpose: 'Every request is authenticated with the key.',
    rule: 'Every request of the task (read the organisation, create a user, read it back) carries Authorization: Token <key>: none answers 401 and every one is attributed to the tenant.',
    source:
      'https://reincubate.com/support/ricloud/authentication/ ("Authorization: Token <key token>"); ricloud-py requests.py set_headers (on every request)',
    task: 'user',
    clock: SCALED,
    setup: async () => ({ RICLOUD_USER_IDENTIFIER: 'auth-user@example.com' }),
    judge: async (world, run, lines) => {
      const bad = lines.filter((l) => l.status === 401 || l.organisation !== world.organisation);
      if (bad.length) return fail(`${bad.length} request(s) without the key's token`, lines$(bad));
      if (lines.length < 3)
        return fail(`only ${lines.length} request(s): the task takes 3`, [
          ...driverSaid(run),
          ...lines$(lines),
        ]);
      const failed = taskFailed(run, lines, 'user');
      if (failed) return failed;
      const user = (await world.api('GET', `/users/${encodeURIComponent(String(run.answer?.user))}`)).body;
      if (user?.identifier !== 'auth-user@example.com')
        return fail(
          `the answered user ${JSON.stringify(run.answer?.user)} is not auth-user@example.com`,
          driverSaid(run),
        );
      return pass(`${lines.length} requests, all authenticated`, lines$(lines));
    },
  },
  {
    name: 'no-query-credentials',
    purpose: 'Credentials never travel in a URL (URLs end up in logs and proxies).',
    rule: 'No request has a query parameter named like a credential (token, key, secret, password, authorization…) or a query value containing the key token.',
    source:
      'https://reincubate.com/support/ricloud/authentication/ (the token goes in the Authorization header); RFC 6750 §5.3 ("Don\'t pass bearer tokens in page URLs")',
    task: 'first-page',
    clock: SCALED,
    setup: async (world) => {
      for (let i = 1; i <= 3; i++) await createUser(world, `query-user-${i}`);
      return { RICLOUD_PAGE_SIZE: '10' };
    },
    judge: async (world, run, lines) => {
      const credential = /pass(word)?|token|secret|credential|authori[sz]ation|key|cookie|^code$/i;
      const bad = lines.filter((l) =>
        Object.entries(l.query).some(
          ([k, v]) => credential.test(k) || v === '[REDACTED]' || v.includes(world.token),
        ),
      );
      if (bad.length)
        return fail(`${bad.length} request(s) with a credential in the query string`, lines$(bad));
      const failed = taskFailed(run, lines, 'users');
      if (failed) return failed;
      return pass(`${lines.length} requests, no credential in any query`, lines$(lines));
    },
  },
];

export const CLIENT_CHECK_NAMES = CLIENT_CHECKS.map((c) => c.name);
