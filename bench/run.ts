/**
 * `npm run bench`: measures the mock against baselines taken in the same run on the same machine, and writes
 * bench/results.json and bench/RESULTS.md (a markdown table with the machine noted). Loopback only.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileReferencesIn } from '../fixtures/index.ts';
import { installInto, pack } from '../scripts/pack-install.ts';
import { createMock } from '../server/app.ts';
import { consoleBench } from './console.ts';
import { proxyBench } from './proxy.ts';
import { ROOT, spawnServer, stopServer } from './servers.ts';

const TOKEN = 'bench-token';
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const WRK_SECONDS = Number(process.env.BENCH_WRK_SECONDS ?? 10);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function firstOk(url: string, headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    try {
      const res = await fetch(url, { headers });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`no 200 from ${url}`);
}

const stop = (child: ChildProcess) => stopServer(child, 'SIGKILL');

// The compiled build (`npm run build`, done at the start of main()), spawned directly: what `npm start` runs and
// what the bin runs when dist/ is fresh. Spawning the bin instead could fall back to tsx while sources change.
const MOCK_ARGS = [
  'dist/main.js',
  '--port',
  '0',
  '--token',
  TOKEN,
  '--log-level',
  'silent',
  '--data-dir',
  '/tmp/ricloud-mock-bench',
];
const BARE_ARGS = [
  '-e',
  "require('node:http').createServer((q,s)=>{s.setHeader('content-type','application/json');s.end('{}')}).listen(0,'127.0.0.1',function(){console.log('listening on http://127.0.0.1:'+this.address().port)})",
];
const HONO_ARGS = ['--import', 'tsx', 'bench/hono-hello.ts'];

/** Spawn → first 200, RUNS times; also the RSS right after `listening` (before any request), in MB. */
async function coldStart(
  args: string[],
  path: string,
  headers: Record<string, string>,
  runs = RUNS,
  cwd = ROOT,
): Promise<{ times: number[]; rss: number[] }> {
  const times: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { child, url, started } = await spawnServer(args, cwd);
    rss.push(rssOf(child.pid));
    await firstOk(`${url}${path}`, headers);
    times.push(performance.now() - started);
    await stop(child);
  }
  return { times, rss };
}

function rssOf(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as { status?: number }).status === 1; // wrk --version exits 1 after printing
  }
}

/** Runs wrk (2 threads, 50 connections) and returns requests/s, p99 ms and the non-2xx count. */
function wrk(
  url: string,
  headers: Record<string, string>,
  script?: string,
): { rps: number; p99: number; errors: number } {
  const args = ['-t2', '-c50', `-d${WRK_SECONDS}s`, '--latency'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  if (script) args.push('-s', script);
  args.push(url);
  const out = execFileSync('wrk', args, { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p99m = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99 = p99m ? Number(p99m[1]) * (p99m[2] === 'us' ? 0.001 : p99m[2] === 's' ? 1000 : 1) : Number.NaN;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { rps, p99, errors };
}

/** The documented flow in-process on the manual clock, wall time: 2FA → poll of 5 data types → files → webhook. */
async function fullFlow(receiverUrl: string, delivered: () => number): Promise<number> {
  const started = performance.now();
  const mock = createMock({ seed: 'bench-flow', timings: { webhookTimeoutMs: 2000 } });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await mock.app.request(path, {
      method,
      headers: { Authorization: `Token ${mock.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, any>;
    if (res.status >= 400) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const before = delivered();
  await call('POST', '/configs/webhook', { url: receiverUrl });
  const user = await call('POST', '/users', { identifier: 'flow@example.com' });
  const source = { user: user.id, type: 'icloud.account', identifier: 'flow@example.com' };
  await call('POST', '/sessions', { source, payload: { password: 'p' } });
  await mock.advance(5);
  const session = await call('POST', '/sessions', { source, payload: { password: 'p', code: '123456' } });
  await mock.advance(5);
  const types = [
    'ios_messages.messages',
    'ios_photos.photos',
    'callkit.calls',
    'ios_contacts.contacts',
    'ios_notes.notes',
  ];
  const poll = await call('POST', '/polls', { session: session.id, payload: { data_types: types } });
  await mock.advance(30);
  const done = await call('GET', `/polls/${poll.id}`);
  if (done.state !== 'completed') throw new Error(`poll ${done.state}`);
  const org = mock.ctx.world.orgs.get(1);
  const files: string[] = [];
  for (const r of done.results.data as { url: string }[]) {
    const blob = org?.blobs.get(r.url);
    if (blob)
      for (const ref of fileReferencesIn(JSON.parse(Buffer.from(blob.base64, 'base64').toString('utf8'))))
        files.push(ref.file_id);
  }
  const filePoll = await call('POST', '/polls', {
    session: session.id,
    payload: { files: files.slice(0, 5) },
  });
  await mock.advance(30);
  const filesDone = await call('GET', `/polls/${filePoll.id}`);
  if (filesDone.state !== 'completed' || files.length === 0)
    throw new Error(`file poll ${filesDone.state}, ${files.length} files`);
  await mock.advance(1);
  if (delivered() <= before) throw new Error('no webhook delivered');
  mock.close();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const auth = { Authorization: `Token ${TOKEN}` };
  const rows: {
    metric: string;
    value: string;
    baseline: string;
    ratio: string;
    target: string;
    pass: boolean;
  }[] = [];
  const results: Record<string, unknown> = {};

  // 0. The compiled build (a no-op when dist/ is already a build of the current sources).
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });

  // 0b. The package as a user installs it: `npm pack` (prepack builds), installed into a fresh project.
  const installDir = mkdtempSync(join(tmpdir(), 'ricloud-mock-bench-install-'));
  const packed = pack(installDir);
  const consumer = join(installDir, 'consumer');
  installInto(consumer, packed.tarball);
  // node_modules/.bin/ricloud-mock is a link to this file: what `npx ricloud-mock` runs, without npx's own start.
  const installedArgs = [
    join(consumer, 'node_modules/ricloud-mock/bin/ricloud-mock.js'),
    ...MOCK_ARGS.slice(1),
  ];

  // 1. Cold start, alternating mock (clone and installed) and bare runs so that machine noise hits all alike.
  const mockCold: number[] = [];
  const mockStartRss: number[] = [];
  const installedCold: number[] = [];
  const bareCold: number[] = [];
  const bareStartRss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const m = await coldStart(MOCK_ARGS, '/organisation', auth, 1);
    const inst = await coldStart(installedArgs, '/organisation', auth, 1, consumer);
    const b = await coldStart(BARE_ARGS, '/', {}, 1);
    mockCold.push(...m.times);
    mockStartRss.push(...m.rss);
    installedCold.push(...inst.times);
    bareCold.push(...b.times);
    bareStartRss.push(...b.rss);
  }
  rmSync(installDir, { recursive: true, force: true });
  const coldRatio = median(mockCold) / median(bareCold);
  const installedRatio = median(installedCold) / median(bareCold);
  results.coldStart = {
    mockMs: mockCold,
    bareMs: bareCold,
    installedMs: installedCold,
    medianInstalledMs: median(installedCold),
    installedRatio,
    tarballBytes: packed.size,
    unpackedBytes: packed.unpackedSize,
    tarballFiles: packed.files.length,
    medianMockMs: median(mockCold),
    medianBareMs: median(bareCold),
    ratio: coldRatio,
    mockStartRssMb: mockStartRss,
    bareStartRssMb: bareStartRss,
  };
  rows.push({
    metric: `cold start (compiled dist/main.js) → first 200 (median of ${RUNS})`,
    value: `${round(median(mockCold), 0)} ms`,
    baseline: `${round(median(bareCold), 0)} ms (bare node:http)`,
    ratio: `${round(coldRatio)}×`,
    target: '≤ 1.5×',
    pass: coldRatio <= 1.5,
  });
  rows.push({
    metric: `cold start (installed from the packed tarball, its bin) → first 200 (median of ${RUNS})`,
    value: `${round(median(installedCold), 0)} ms (${round(median(installedCold) / median(mockCold))}× the clone's)`,
    baseline: `${round(median(bareCold), 0)} ms (bare node:http)`,
    ratio: `${round(installedRatio)}×`,
    target: '≤ 1.5×',
    pass: installedRatio <= 1.5,
  });
  rows.push({
    metric: 'mock server RSS at start (after listen, before any request), median',
    value: `${round(median(mockStartRss), 0)} MB`,
    baseline: `${round(median(bareStartRss), 0)} MB (bare node:http)`,
    ratio: `${round(median(mockStartRss) / median(bareStartRss))}×`,
    target: '≤ 150 MB',
    pass: median(mockStartRss) <= 150,
  });

  // 2. createMock in-process, the first one (validators compiled on first use) and warm ones.
  const t0 = performance.now();
  const first = createMock({ seed: 'bench' });
  const createFirst = performance.now() - t0;
  const t1 = performance.now();
  await first.app.request('/users', {
    method: 'POST',
    headers: { Authorization: `Token ${first.token}`, 'Content-Type': 'application/json' },
    body: '{"identifier":"x"}',
  });
  const firstRequest = performance.now() - t1;
  first.close();
  const warm: number[] = [];
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    createMock({ seed: `bench-${i}` }).close();
    warm.push(performance.now() - s);
  }
  results.createMock = {
    firstMs: createFirst,
    firstRequestWithValidatorsMs: firstRequest,
    warmMedianMs: median(warm),
  };
  rows.push({
    metric: 'createMock() first in process (+ first validated request)',
    value: `${round(createFirst, 1)} ms (+ ${round(firstRequest, 1)} ms)`,
    baseline: `warm median ${round(median(warm), 2)} ms`,
    ratio: '–',
    target: '≤ 50 ms',
    pass: createFirst + firstRequest <= 50,
  });

  // 3. Throughput and p99 vs a raw Hono hello (separate processes, wrk on loopback).
  if (hasWrk()) {
    const hono = await spawnServer(HONO_ARGS);
    await firstOk(`${hono.url}/`);
    const base = wrk(`${hono.url}/`, {});
    await stop(hono.child);
    const server = await spawnServer(MOCK_ARGS);
    await firstOk(`${server.url}/organisation`, auth);
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<Record<string, any>>);
    const user = await post('/users', { identifier: 'bench@example.com' });
    const session = await post('/sessions', {
      source: { user: user.id, type: 'icloud.account', identifier: 'b+no2fa@example.com' },
      payload: { password: 'p' },
    });
    const get = wrk(`${server.url}/sessions/${session.id}`, auth);
    const postUsers = wrk(`${server.url}/users`, auth, `${ROOT}bench/post-users.lua`);
    const rss = rssOf(server.child.pid);
    await stop(server.child);
    results.throughput = {
      honoHello: base,
      getSession: get,
      postUsers,
      serverRssMb: rss,
      seconds: WRK_SECONDS,
    };
    for (const [name, r] of [
      ['GET /sessions/{id}', get],
      ['POST /users', postUsers],
    ] as const) {
      const ratio = r.rps / base.rps;
      rows.push({
        metric: `${name} req/s, p99 (auth, validation, journal; 50 conns)`,
        value: `${round(r.rps, 0)} req/s, p99 ${round(r.p99, 2)} ms, ${r.errors} errors`,
        baseline: `${round(base.rps, 0)} req/s, p99 ${round(base.p99, 2)} ms (raw Hono hello)`,
        ratio: `${round(ratio)}×`,
        target: '≥ 0.6×',
        pass: ratio >= 0.6 && r.errors === 0,
      });
    }
    rows.push({
      metric: 'mock server RSS after the wrk runs',
      value: `${round(rss, 0)} MB`,
      baseline: '–',
      ratio: '–',
      target: '≤ 150 MB',
      pass: rss <= 150,
    });
  } else {
    rows.push({
      metric: 'throughput',
      value: 'skipped: wrk not installed (apt-get install wrk)',
      baseline: '–',
      ratio: '–',
      target: '≥ 0.6×',
      pass: false,
    });
  }

  // 4. The full flow in-process on the manual clock, with a real webhook receiver on loopback.
  let delivered = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      delivered++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  await fullFlow(receiverUrl, () => delivered); // warm-up
  const flows: number[] = [];
  for (let i = 0; i < RUNS; i++) flows.push(await fullFlow(receiverUrl, () => delivered));
  receiver.close();
  results.fullFlow = { ms: flows, medianMs: median(flows) };
  rows.push({
    metric: `full flow in-process (2FA → poll 5 data types → files → webhook), median of ${RUNS}`,
    value: `${round(median(flows), 1)} ms`,
    baseline: '–',
    ratio: '–',
    target: '≤ 50 ms',
    pass: median(flows) <= 50,
  });

  // 5. Per-tenant reset of a tenant with users, sessions and a completed poll.
  const mock = createMock({ seed: 'bench-reset' });
  const resets: number[] = [];
  const ctl = async (path: string, body?: unknown) => {
    const res = await mock.app.request(`/_mock${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Record<string, any>;
  };
  const tenant = await ctl('/organisations', { name: 'Reset bench' });
  const tk = { Authorization: `Token ${tenant.token}`, 'Content-Type': 'application/json' };
  for (let i = 0; i < RUNS * 3; i++) {
    for (let u = 0; u < 20; u++) {
      const user = (await (
        await mock.app.request('/users', {
          method: 'POST',
          headers: tk,
          body: JSON.stringify({ identifier: `u${u}@example.com` }),
        })
      ).json()) as { id: string };
      await mock.app.request('/sessions', {
        method: 'POST',
        headers: tk,
        body: JSON.stringify({
          source: { user: user.id, type: 'icloud.account', identifier: `u${u}+no2fa@example.com` },
          payload: {},
        }),
      });
    }
    await mock.advance(10);
    const s = performance.now();
    await ctl(`/organisations/${tenant.organisation.id}/reset`);
    resets.push(performance.now() - s);
  }
  mock.close();
  results.tenantReset = { ms: resets, medianMs: median(resets) };
  rows.push({
    metric: 'per-tenant reset (20 users + 20 sessions), median',
    value: `${round(median(resets), 2)} ms`,
    baseline: '–',
    ratio: '–',
    target: '≤ 5 ms',
    pass: median(resets) <= 5,
  });

  // 5b. The conformance kit: the reference client's full client catalogue (each check its own mock and driver).
  const { runClientConformance } = await import('../contracts/conformance/client.ts');
  const conformance: number[] = [];
  for (let i = 0; i < Number(process.env.BENCH_CONFORMANCE_RUNS ?? 3); i++) {
    const report = await runClientConformance({
      client: 'node --import tsx contracts/conformance/drivers/reference.ts',
      cwd: ROOT,
    });
    if (!report.ok) throw new Error('the reference client failed a conformance check');
    conformance.push(report.duration_ms);
  }
  results.conformance = { ms: conformance, medianMs: median(conformance) };
  rows.push({
    metric: `conformance client run of the reference client (11 checks, scaled/real clock), median of ${conformance.length}`,
    value: `${round(median(conformance) / 1000, 1)} s`,
    baseline: '–',
    ratio: '–',
    target: '≤ 10 s',
    pass: median(conformance) <= 10_000,
  });

  // 5c. The proxy's added latency against a direct call to the same mock (bench/proxy.ts).
  const proxied = await proxyBench();
  results.proxy = proxied.results;
  rows.push(...proxied.rows);

  // 6. The web console's pages with 10,000 sessions in one organisation (bench/console.ts; needs Chromium).
  const web = await consoleBench(RUNS);
  results.console = web.results;
  rows.push(...web.rows);

  // 7. RSS of this process after everything above.
  const selfRss = process.memoryUsage().rss / 1024 / 1024;
  results.benchProcessRssMb = selfRss;

  const machine = {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memTotalGb: round(totalmem() / 2 ** 30, 1),
    memFreeGb: round(freemem() / 2 ** 30, 1),
    node: process.version,
    date: new Date().toISOString(),
  };
  results.machine = machine;
  writeFileSync(`${ROOT}bench/results.json`, `${JSON.stringify(results, null, 2)}\n`);
  const table = [
    '| metric | mock | baseline (same run) | ratio | target | met |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.metric} | ${r.value} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.pass ? 'yes' : '**no**'} |`,
    ),
  ].join('\n');
  const md = `# Benchmark results\n\nOne run of \`npm run bench\` (${machine.date}). Machine: ${machine.nproc} × ${machine.cpu}, ${machine.memTotalGb} GB RAM (${machine.memFreeGb} GB free), Node ${machine.node}. wrk: 2 threads, 50 connections, ${WRK_SECONDS} s per target, loopback.\n\n${table}\n`;
  console.log(md);
  if (process.env.BENCH_WRITE_MD !== '0') writeFileSync(`${ROOT}bench/RESULTS.latest.md`, md);
}

await main();
