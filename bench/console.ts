/**
 * The web console's page loads with 10,000 sessions in one organisation, in Debian's Chromium (playwright-core):
 * navigation start → the page's data rendered, median of `runs` fresh loads per page. Part of `npm run bench`;
 * `node --import tsx bench/console.ts` runs it alone and prints its rows.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createMock } from '../server/app.ts';

const CHROMIUM = '/usr/bin/chromium';
const SESSIONS = 10_000;

export interface ConsoleRow {
  metric: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  pass: boolean;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

/** Measures the overview, the sessions list and one session's page; no rows when Chromium is absent. */
export async function consoleBench(
  runs: number,
): Promise<{ rows: ConsoleRow[]; results: Record<string, unknown> }> {
  if (!existsSync(CHROMIUM)) return { rows: [], results: { skipped: `${CHROMIUM} not installed` } };
  const { chromium } = await import('playwright-core');
  const mock = createMock({ seed: 'bench-console' });
  const headers = { Authorization: `Token ${mock.token}`, 'Content-Type': 'application/json' };
  const user = (await (
    await mock.app.request('/users', {
      method: 'POST',
      headers,
      body: JSON.stringify({ identifier: 'bench' }),
    })
  ).json()) as { id: string };
  let last = '';
  for (let i = 0; i < SESSIONS; i++) {
    const res = await mock.app.request('/sessions', {
      method: 'POST',
      headers,
      body: JSON.stringify({
        source: { user: user.id, type: 'icloud.account', identifier: `s${i}+no2fa@example.com` },
        payload: { password: 'pw' },
      }),
    });
    last = ((await res.json()) as { id: string }).id;
  }
  await mock.advance(2);
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: mock.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_mock/ui`;
  const profile = mkdtempSync(join(tmpdir(), 'ricloud-mock-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pages: [string, string, string][] = [
    ['overview', '', '[data-testid="counts-1"] li'],
    ['sessions list', '#/org/1/sessions', `[data-testid="range"]:has-text("of ${SESSIONS}")`],
    ['session page', `#/org/1/sessions/${last}`, 'svg[data-machine="session"] [data-current="true"]'],
  ];
  const rows: ConsoleRow[] = [];
  const results: Record<string, unknown> = { sessions: SESSIONS };
  try {
    for (const [name, hash, ready] of pages) {
      const times: number[] = [];
      for (let i = 0; i <= runs; i++) {
        await page.goto('about:blank');
        const started = performance.now();
        await page.goto(`${url}${hash}`);
        await page.locator(ready).first().waitFor();
        if (i > 0) times.push(performance.now() - started); // the first load warms the browser's cache
      }
      results[name] = { ms: times, medianMs: median(times) };
      rows.push({
        metric: `console ${name} load in Chromium, ${SESSIONS.toLocaleString('en')} sessions in one organisation (median of ${runs})`,
        value: `${Math.round(median(times))} ms`,
        baseline: '–',
        ratio: '–',
        target: '≤ 300 ms',
        pass: median(times) <= 300,
      });
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    (server as Server).closeAllConnections();
    server.close();
    mock.close();
  }
  return { rows, results };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { rows } = await consoleBench(Number(process.env.BENCH_RUNS ?? 7));
  for (const r of rows)
    console.log(`| ${r.metric} | ${r.value} | ${r.target} | ${r.pass ? 'yes' : '**no**'} |`);
}
