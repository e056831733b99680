/**
 * The proxy's cost: p50 latency of GET /organisation through `ricloud-mock proxy` to the mock, against a direct call
 * to the same mock in the same run (the target: at most 2 ms added at p50). Both servers are the compiled
 * build (dist/main.js) in their own processes; the client alternates direct and proxied requests over keep-alive
 * connections, so that machine noise hits both alike. Part of `npm run bench`; `node --import tsx bench/proxy.ts`
 * builds dist/ and runs it alone, printing its row.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, spawnServer, stopServer } from './servers.ts';

const TOKEN = 'bench-proxy-token';

export interface ProxyRow {
  metric: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  pass: boolean;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

const start = (args: string[]) => spawnServer(['dist/main.js', ...args]);
const stop = (child: ChildProcess) => stopServer(child);

/** One GET over a keep-alive agent; its latency in ms (the whole body read). */
function timedGet(agent: Agent, url: URL): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const req = request(
      {
        agent,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: { Authorization: `Token ${TOKEN}` },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - t)
            : reject(new Error(`status ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export async function proxyBench(
  requests = Number(process.env.BENCH_PROXY_REQUESTS ?? 3000),
): Promise<{ rows: ProxyRow[]; results: Record<string, unknown> }> {
  const dir = mkdtempSync(join(tmpdir(), 'ricloud-mock-bench-proxy-'));
  const mock = await start([
    '--port',
    '0',
    '--token',
    TOKEN,
    '--log-level',
    'silent',
    '--data-dir',
    join(dir, 'data'),
  ]);
  let proxy: { child: ChildProcess; url: string } | undefined;
  try {
    proxy = await start(['proxy', '--upstream', mock.url, '--port', '0']);
    const direct = new URL('/organisation', mock.url);
    const proxied = new URL('/organisation', proxy.url);
    const agentDirect = new Agent({ keepAlive: true, maxSockets: 1 });
    const agentProxy = new Agent({ keepAlive: true, maxSockets: 1 });
    // Warm-up: connections, validators, JIT.
    for (let i = 0; i < 300; i++) {
      await timedGet(agentDirect, direct);
      await timedGet(agentProxy, proxied);
    }
    const d: number[] = [];
    const p: number[] = [];
    for (let i = 0; i < requests; i++) {
      d.push(await timedGet(agentDirect, direct));
      p.push(await timedGet(agentProxy, proxied));
    }
    agentDirect.destroy();
    agentProxy.destroy();
    const added = quantile(p, 0.5) - quantile(d, 0.5);
    const results = {
      requests,
      directP50Ms: quantile(d, 0.5),
      proxiedP50Ms: quantile(p, 0.5),
      directP99Ms: quantile(d, 0.99),
      proxiedP99Ms: quantile(p, 0.99),
      addedP50Ms: added,
    };
    const rows: ProxyRow[] = [
      {
        metric: `proxy: GET /organisation through \`ricloud-mock proxy\` (validation on), p50 of ${requests}`,
        value: `${round(quantile(p, 0.5), 3)} ms (+${round(added, 3)} ms), p99 ${round(quantile(p, 0.99), 2)} ms`,
        baseline: `${round(quantile(d, 0.5), 3)} ms direct, p99 ${round(quantile(d, 0.99), 2)} ms`,
        ratio: `${round(quantile(p, 0.5) / quantile(d, 0.5))}×`,
        target: '≤ +2 ms at p50',
        pass: added <= 2,
      },
    ];
    return { rows, results };
  } finally {
    if (proxy) await stop(proxy.child);
    await stop(mock.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  execFileSync(process.execPath, ['scripts/build.mjs', '--js-only', '--quiet'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const { rows, results } = await proxyBench();
  console.log(JSON.stringify(results));
  for (const r of rows)
    console.log(
      `| ${r.metric} | ${r.value} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.pass ? 'yes' : '**no**'} |`,
    );
}
