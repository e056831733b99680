// The conformance driver of the reference client (contracts/client): one task per run, chosen by RICLOUD_TASK,
// answered by the exit code and one JSON line on stdout (contracts/CONFORMANCE.md, "Writing a driver").
// Run: ricloud-mock conformance client --client "node --import tsx contracts/conformance/drivers/reference.ts"
import type { InfoTypeRequest } from '../../../openapi/types.ts';
import { createClient, RicloudError } from '../../client/index.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const ricloud = createClient({
  baseUrl: env('RICLOUD_URL'),
  token: env('RICLOUD_TOKEN'),
  // The API holds session creation until it settles (up to 10 s): no polling loop at all.
  awaitSeconds: 10,
});
const wait = { intervalMs: 1000, maxChecks: 60 };

/** Opens a session for the test account, answering code-required with RICLOUD_CODE. */
function openSession() {
  return ricloud.sessions.createWithTwoFactor(
    { user: env('RICLOUD_USER_ID'), type: 'icloud.account', identifier: env('RICLOUD_SOURCE_IDENTIFIER') },
    { password: env('RICLOUD_PASSWORD'), askCode: async () => env('RICLOUD_CODE'), maxCodeAttempts: 1, wait },
  );
}

async function pollOnce(session: string) {
  const created = await ricloud.polls.create({
    session,
    // The kit passes catalogue names; a typo would be the server's 400 naming the valid types.
    payload: { info_types: env('RICLOUD_INFO_TYPES').split(',') as InfoTypeRequest[] },
  });
  return ricloud.polls.waitForCompletion(created.id, wait);
}

const tasks: Record<string, () => Promise<Record<string, unknown>>> = {
  organisation: async () => ({ organisation: (await ricloud.organisation.retrieve()).id }),
  'missing-session': async () => ({
    session: (await ricloud.sessions.retrieve(env('RICLOUD_SESSION_ID'))).id,
  }),
  users: async () => {
    const limit = Number(env('RICLOUD_PAGE_SIZE'));
    const ids: string[] = [];
    let page = await ricloud.users.list({ limit });
    ids.push(...page.data.map((u) => u.id));
    while (page.has_more) {
      page = await ricloud.users.list({ limit, after_id: ids[ids.length - 1] });
      ids.push(...page.data.map((u) => u.id));
    }
    return { users: ids };
  },
  'first-page': async () => {
    await ricloud.organisation.retrieve();
    const page = await ricloud.users.list({ limit: Number(env('RICLOUD_PAGE_SIZE')) });
    return { users: page.data.map((u) => u.id) };
  },
  user: async () => {
    await ricloud.organisation.retrieve();
    const created = await ricloud.users.create({ identifier: env('RICLOUD_USER_IDENTIFIER') });
    return { user: (await ricloud.users.retrieve(created.id)).id };
  },
  session: async () => {
    const session = await openSession();
    if (session.state !== 'active')
      throw new Error(`session ${session.id} is ${session.state} (${session.error})`);
    return { session: session.id };
  },
  poll: async () => {
    let poll = await pollOnce(env('RICLOUD_SESSION_ID'));
    if (poll.errors.data.some((e) => e.error === 'session-expired')) {
      const session = await openSession();
      if (session.state !== 'active') throw new Error(`new session ${session.id} is ${session.state}`);
      poll = await pollOnce(session.id);
    }
    const results = (await ricloud.results.list({ poll: poll.id, limit: 1000 })).data;
    for (const result of results) await ricloud.results.download(result);
    if (results.length) await ricloud.results.ackMany(results.map((r) => r.id));
    return { poll: poll.id, results: results.map((r) => r.id) };
  },
};

try {
  const task = tasks[env('RICLOUD_TASK')];
  if (!task) throw new Error(`no such task ${process.env.RICLOUD_TASK}`);
  process.stdout.write(`${JSON.stringify(await task())}\n`);
} catch (err) {
  const error = err instanceof RicloudError ? err.code : 'driver-error';
  process.stdout.write(`${JSON.stringify({ error, message: (err as Error).message })}\n`);
  process.exitCode = 1;
}
