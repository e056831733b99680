/**
 * Load test (by hand, loopback only): LOAD_CONNECTIONS (50) concurrent clients for LOAD_SECONDS (60) on a mixed
 * workload against a mock started in this process on 127.0.0.1:0. Passes with 0 errors (5xx or socket errors).
 * Run: node --import tsx bench/load.ts
 */

import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createMock } from '../server/app.ts';

const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const mock = createMock({ seed: 'load', clock: { mode: 'scaled', scale: 100 } });
const server = serve({ fetch: mock.app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const headers = { Authorization: `Token ${mock.token}`, 'Content-Type': 'application/json' };
const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, any>;
  return { status: res.status, json };
};

let requests = 0;
let errors = 0;
const statuses = new Map<number, number>();
const deadline = performance.now() + SECONDS * 1000;
async function client(n: number): Promise<void> {
  const user = await call('POST', '/users', { identifier: `load-${n}@example.com` });
  let session: string | undefined;
  for (let i = 0; performance.now() < deadline; i++) {
    const step = i % 10;
    try {
      let r: { status: number; json: Record<string, any> };
      if (step === 0)
        r = await call('POST', '/sessions', {
          source: { user: user.json.id, type: 'icloud.account', identifier: `l${n}+no2fa@example.com` },
          payload: {},
        });
      else if (step === 1 && session)
        r = await call('POST', '/polls', { session, payload: { data_types: ['callkit.calls'] } });
      else if (step === 2) r = await call('GET', '/users?limit=5');
      else if (step === 3) r = await call('GET', '/events?limit=5');
      else if (step === 4) r = await call('POST', '/users', { identifier: `load-${n}-${i}@example.com` });
      else if (step === 5) r = await call('GET', '/results?limit=5');
      else if (step === 6) r = await call('POST', '/users', { identifier: 42 });
      else if (session) r = await call('GET', `/sessions/${session}`);
      else r = await call('GET', '/organisation');
      if (step === 0 && r.status === 201) session = r.json.id;
      requests++;
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status >= 500) errors++;
    } catch {
      errors++;
    }
  }
}
const started = performance.now();
await Promise.all(Array.from({ length: CONNECTIONS }, (_, n) => client(n)));
const seconds = (performance.now() - started) / 1000;
const rss = process.memoryUsage().rss / 2 ** 20;
console.log(
  JSON.stringify({
    connections: CONNECTIONS,
    seconds: Math.round(seconds),
    requests,
    rps: Math.round(requests / seconds),
    errors,
    statuses: Object.fromEntries(statuses),
    rssMb: Math.round(rss),
  }),
);
mock.close();
server.close();
process.exit(errors === 0 ? 0 : 1);
