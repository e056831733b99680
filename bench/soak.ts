/**
 * Soak (manual, long): SOAK_REQUESTS (1,000,000) requests in process on a mixed workload, printing RSS every
 * 100k so a leak shows as a rising line. Run: node --expose-gc --import tsx bench/soak.ts
 */
import { createMock } from '../server/app.ts';

const TOTAL = Number(process.env.SOAK_REQUESTS ?? 1_000_000);
const mock = createMock({ seed: 'soak' });
const headers = { Authorization: `Token ${mock.token}`, 'Content-Type': 'application/json' };
const req = async (method: string, path: string, body?: unknown) => {
  const res = await mock.app.request(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
};
const user = await req('POST', '/users', { identifier: 'soak@example.com' });
let errors = 0;
const started = performance.now();
for (let i = 1; i <= TOTAL; i++) {
  let r: { status: number };
  switch (i % 8) {
    case 0:
      r = await req('POST', '/sessions', {
        source: { user: user.json.id, type: 'icloud.account', identifier: `s${i % 500}+no2fa@example.com` },
        payload: {},
      });
      break;
    case 1:
      r = await req('GET', '/sessions?limit=5');
      break;
    case 2:
      r = await req('POST', '/users', { identifier: `soak-${i % 1000}@example.com` });
      break;
    case 3:
      r = await req('POST', '/users', { nope: true });
      break;
    default:
      r = await req('GET', '/organisation');
  }
  if (r.status >= 500) errors++;
  if (i % 1000 === 0) await mock.advance(60);
  if (i % 100_000 === 0) {
    (globalThis as { gc?: () => void }).gc?.();
    console.log(
      JSON.stringify({
        requests: i,
        seconds: Math.round((performance.now() - started) / 1000),
        rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
        errors,
      }),
    );
  }
}
mock.close();
process.exit(errors === 0 ? 0 : 1);
