// Runs the client checks: for each one a fresh mock on a loopback socket (its clock mode and timings), a fresh
// tenant made through the control API, the check's set-up and faults, then the user's driver, then the verdict.
import { startMockServer } from '../../server/start.ts';
import { type CheckWorld, CLIENT_CHECK_NAMES, CLIENT_CHECKS, type ClientCheck } from './client-checks.ts';
import { runDriver } from './driver.ts';
import type { Line } from './journal.ts';
import { buildReport, type CheckResult, type ConformanceReport } from './report.ts';

export interface ClientConformanceOptions {
  /** The driver command, run through the shell once per check (`python3 drive.py`). */
  client: string;
  /** Checks to run (default all), by name. */
  checks?: string[];
  /** Wall-clock limit of one driver run, ms (default 30,000). */
  timeoutMs?: number;
  /** Checks run at the same time (default 4); each has its own mock, so they never share state. */
  concurrency?: number;
  /** The driver's working directory (default the current one). */
  cwd?: string;
  /** Extra environment for every driver run. */
  env?: Record<string, string>;
  /** Called as each check finishes (the CLI prints progress). */
  onResult?: (result: CheckResult) => void;
}

/** A bad option: the CLI turns it into exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

function selectChecks(names: string[] | undefined): ClientCheck[] {
  if (!names?.length) return CLIENT_CHECKS;
  const unknown = names.filter((n) => !CLIENT_CHECK_NAMES.includes(n));
  if (unknown.length)
    throw new UsageError(`unknown check ${unknown.join(', ')} (checks: ${CLIENT_CHECK_NAMES.join(', ')})`);
  return CLIENT_CHECKS.filter((c) => names.includes(c.name));
}

async function runOne(check: ClientCheck, options: ClientConformanceOptions): Promise<CheckResult> {
  const started = performance.now();
  const base = { name: check.name, purpose: check.purpose, rule: check.rule, source: check.source };
  const server = await startMockServer({
    seed: `conformance-${check.name}`,
    clock: check.clock,
    timings: check.timings,
    control: { journal: { size: 20_000, bodies: true } },
  });
  try {
    const tenant = await server.control.createOrganisation({
      name: `conformance ${check.name}`,
      storage: true,
    });
    const token = String(tenant.token ?? tenant.keys[0]?.token);
    const organisation = Number(tenant.organisation.id);
    const world: CheckWorld = {
      url: server.url,
      token,
      organisation,
      control: server.control,
      async api(method, path, body, headers = {}) {
        const res = await fetch(`${server.url}${path}`, {
          method,
          headers: {
            Authorization: `Token ${token}`,
            ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
            ...headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : undefined };
      },
    };
    const inputs = await check.setup(world);
    await check.arm?.(world, inputs);
    // Everything journaled so far is the kit's own set-up: the verdict reads only what came after.
    const watermark = (await server.control.requests({ limit: 1 })).data[0]?.seq ?? 0;
    const run = await runDriver(
      options.client,
      {
        ...options.env,
        ...inputs,
        RICLOUD_CHECK: check.name,
        RICLOUD_TASK: check.task,
        RICLOUD_URL: server.url,
        RICLOUD_TOKEN: token,
      },
      { timeoutMs: options.timeoutMs ?? 30_000, cwd: options.cwd },
    );
    const journal = await server.control.requests({ limit: 100_000 });
    const lines = (journal.data as Line[]).filter((l) => l.seq > watermark).sort((a, b) => a.seq - b.seq);
    const verdict = await check.judge(world, run, lines, inputs);
    return { ...base, ...verdict, duration_ms: Math.round(performance.now() - started) };
  } catch (err) {
    return {
      ...base,
      ok: false,
      summary: `the kit could not run the check: ${(err as Error).message}`,
      evidence: [],
      duration_ms: Math.round(performance.now() - started),
    };
  } finally {
    await server.close();
  }
}

/**
 * Runs the client checks against a driver command and returns the report (it never exits the process).
 * @example
 * const report = await runClientConformance({ client: 'python3 drive.py' });
 * if (!report.ok) console.log(renderTable(report));
 */
export async function runClientConformance(options: ClientConformanceOptions): Promise<ConformanceReport> {
  if (!options.client?.trim()) throw new UsageError('--client needs a command');
  const checks = selectChecks(options.checks);
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const started = performance.now();
  const results: CheckResult[] = new Array(checks.length);
  // Checks on the real clock wait for real: they start first, so that the others run while they wait.
  const order = checks
    .map((_, i) => i)
    .sort((a, b) => Number(checks[a]?.clock.mode !== 'real') - Number(checks[b]?.clock.mode !== 'real'));
  let next = 0;
  const worker = async () => {
    while (next < order.length) {
      const i = order[next++] as number;
      const result = await runOne(checks[i] as ClientCheck, options);
      results[i] = result;
      options.onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, checks.length) }, worker));
  return buildReport('client', options.client, results, performance.now() - started);
}
