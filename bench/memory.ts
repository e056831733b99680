/**
 * Memory check (by hand): RSS after 100k requests and after 10k sessions, in process (no sockets), each under
 * 150 MB. Run: node --expose-gc --import tsx bench/memory.ts
 */
import { createMock } from '../server/app.ts';

const LIMIT_MB = 150;
const REQUESTS = Number(process.env.MEMORY_REQUESTS ?? 100_000);
const SESSIONS = Number(process.env.MEMORY_SESSIONS ?? 10_000);
const rss = () => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: Math.round(m.rss / 2 ** 20), heap: Math.round(m.heapUsed / 2 ** 20) };
};
const mock = createMock({ seed: 'memory' });
const headers = { Authorization: `Token ${mock.token}`, 'Content-Type': 'application/json' };
const req = async (method: string, path: string, body?: unknown) => {
  const res = await mock.app.request(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as Record<string, any>;
};
const start = rss();
const user = await req('POST', '/users', { identifier: 'memory@example.com' });
for (let i = 0; i < REQUESTS; i++) {
  if (i % 4 === 0) await req('GET', '/organisation');
  else if (i % 4 === 1) await req('GET', '/users?limit=10');
  else if (i % 4 === 2) await req('POST', '/users', { identifier: 'memory@example.com' });
  else await req('GET', '/nope');
}
const afterRequests = rss();
for (let i = 0; i < SESSIONS; i++) {
  await req('POST', '/sessions', {
    source: { user: user.id, type: 'icloud.account', identifier: `m${i}+no2fa@example.com` },
    payload: {},
  });
  if (i % 1000 === 999) await mock.advance(10);
}
await mock.advance(10);
const afterSessions = rss();
const org = mock.ctx.world.orgs.get(1);
console.log(
  JSON.stringify({
    startMb: start,
    afterRequestsMb: afterRequests,
    afterSessionsMb: afterSessions,
    requests: REQUESTS,
    sessions: SESSIONS,
    tables: {
      sessions: org?.sessions.size,
      sources: org?.sources.size,
      events: org?.events.size,
      tasks: org?.tasks.size,
    },
    limitMb: LIMIT_MB,
  }),
);
mock.close();
process.exit(afterRequests.rss <= LIMIT_MB && afterSessions.rss <= LIMIT_MB ? 0 : 1);
