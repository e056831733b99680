// The README's CI recipes (docs/recipes/), each run with the same commands in a project that depends on the mock.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isAlive, killPids, portIsFree, processesMentioning, waitFor } from '../helpers/processes.ts';
import { cleanEnv, ROOT } from '../helpers/spawn-mock.ts';

const RECIPES = join(ROOT, 'docs', 'recipes');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'ricloud-mock-recipes-'));

afterEach(() => {
  // Whatever a failed recipe left running in its project is killed (the tests assert there is none).
  killPids(processesMentioning(work));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A project that depends on ricloud-mock (linked to this checkout, as `npm install` would place it). */
function consumerProject(name: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), `{"name":"${name}","private":true,"type":"module"}\n`);
  symlinkSync(ROOT, join(dir, 'node_modules', 'ricloud-mock'));
  symlinkSync('../ricloud-mock/bin/ricloud-mock.js', join(dir, 'node_modules', '.bin', 'ricloud-mock'));
  return dir;
}

/** A loopback port nothing listens on right now (the recipes use a fixed port from the job's env). */
async function freePort(): Promise<number> {
  for (let port = 20000 + (process.pid % 20000); ; port++) if (await portIsFree(port)) return port;
}

interface Ran {
  code: number | null;
  out: string;
}

/** Runs a command to its end (at most 60 s) with the environment given on top of a clean one. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const base = cleanEnv();
  for (const k of Object.keys(base)) if (k.startsWith('VITEST') || k === 'NODE_ENV') delete base[k];
  const proc = spawn(command, args, { cwd, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => {
    out += d;
  });
  proc.stderr.on('data', (d) => {
    out += d;
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    }),
  );
}

/** The README shows each recipe file as it is committed. */
function expectInReadme(file: string) {
  const text = readFileSync(join(RECIPES, file), 'utf8');
  expect(README.includes(text.trimEnd()), `README shows docs/recipes/${file} as committed`).toBe(true);
}

/** Asserts that nothing started from the project is still running, and the port is free. */
async function expectNothingLeft(project: string, port?: number) {
  await waitFor(`no process of ${project} left`, () => processesMentioning(project).length === 0);
  if (port !== undefined) expect(await portIsFree(port)).toBe(true);
}

describe('CI recipes', { timeout: 90_000 }, () => {
  it('GitHub Actions: the run steps start the mock in the background, wait on health, and the stop step kills it', async () => {
    expectInReadme('github-actions.yml');
    const project = consumerProject('github');
    const workflow = parse(readFileSync(join(RECIPES, 'github-actions.yml'), 'utf8'));
    const job = workflow.jobs.test;
    const steps = job.steps.filter((s: { run?: string }) => s.run !== undefined) as { run: string }[];
    // The project's own install and tests are not ours to run; every other step is.
    expect(steps.map((s) => s.run.trim()).filter((r) => r === 'npm ci' || r === 'npm test')).toEqual([
      'npm ci',
      'npm test',
    ]);
    const mine = steps.filter((s) => s.run.trim() !== 'npm ci' && s.run.trim() !== 'npm test');
    expect(mine).toHaveLength(2);
    const port = await freePort();
    const runnerTemp = join(project, 'runner-temp');
    mkdirSync(runnerTemp);
    const githubEnv = join(runnerTemp, 'github-env');
    writeFileSync(githubEnv, '');
    const env: NodeJS.ProcessEnv = {
      ...job.env,
      RICLOUD_MOCK_PORT: String(port),
      RICLOUD_MOCK_URL: `http://127.0.0.1:${port}`,
      RUNNER_TEMP: runnerTemp,
      GITHUB_ENV: githubEnv,
    };
    // Actions runs each step with `bash -e {0}` and adds what a step wrote to $GITHUB_ENV to the next ones.
    const started = await run('bash', ['-e', '-c', (mine[0] as { run: string }).run], project, env);
    expect(started.out).toContain('{"status":"ok"}');
    expect(started.code).toBe(0);
    for (const line of readFileSync(githubEnv, 'utf8').split('\n').filter(Boolean)) {
      const [k, ...v] = line.split('=');
      env[k as string] = v.join('=');
    }
    const pid = Number(env.RICLOUD_MOCK_PID);
    expect(isAlive(pid)).toBe(true);
    // What the project's tests do: the job's url and token.
    const org = await fetch(`${env.RICLOUD_MOCK_URL}/organisation`, {
      headers: { Authorization: `Token ${job.env.RICLOUD_MOCK_TOKEN}` },
    });
    expect(org.status).toBe(200);
    const stopped = await run('bash', ['-e', '-c', (mine[1] as { run: string }).run], project, env);
    expect(stopped.code).toBe(0);
    expect(stopped.out).toContain('{"event":"listening"');
    await expectNothingLeft(project, port);
  });

  it('GitLab CI: before_script starts and waits on health, after_script kills it', async () => {
    expectInReadme('gitlab-ci.yml');
    const project = consumerProject('gitlab');
    const job = parse(readFileSync(join(RECIPES, 'gitlab-ci.yml'), 'utf8')).test;
    expect(job.before_script[0]).toBe('npm ci');
    expect(job.script).toEqual(['npm test']);
    const port = await freePort();
    const env = {
      ...job.variables,
      RICLOUD_MOCK_PORT: String(port),
      RICLOUD_MOCK_URL: `http://127.0.0.1:${port}`,
    };
    // The runner joins before_script and script into one shell; here the project's `npm test` is our request.
    const probe = `curl -fsS -H "Authorization: Token $RICLOUD_MOCK_TOKEN" "$RICLOUD_MOCK_URL/organisation"`;
    const main = await run(
      'bash',
      ['-e', '-c', [...job.before_script.slice(1), probe].join('\n')],
      project,
      env,
    );
    expect(main.out).toContain('"resource":"organisation"');
    expect(main.code).toBe(0);
    // after_script runs in a shell of its own.
    const after = await run('bash', ['-c', job.after_script.join('\n')], project, env);
    expect(after.code).toBe(0);
    await expectNothingLeft(project, port);
  });

  it('pytest: the conftest.py fixture starts the mock on a free port and stops it after the session', async () => {
    expectInReadme('conftest.py');
    const project = consumerProject('pytest');
    copyFileSync(join(RECIPES, 'conftest.py'), join(project, 'conftest.py'));
    copyFileSync(
      join(RECIPES, 'test_ricloud_mock_example.py'),
      join(project, 'test_ricloud_mock_example.py'),
    );
    const res = await run('python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], project, {
      PYTHONDONTWRITEBYTECODE: '1',
    });
    expect(res.out).toMatch(/1 passed/);
    expect(res.code).toBe(0);
    await expectNothingLeft(project);
  });

  it('vitest: the globalSetup starts the mock once, tests inject its url and token, teardown stops it', async () => {
    expectInReadme('vitest.global-setup.ts');
    const project = consumerProject('vitest');
    for (const f of ['vitest.global-setup.ts', 'vitest.config.ts', 'ricloud-mock.example.test.ts']) {
      copyFileSync(join(RECIPES, f), join(project, f));
    }
    symlinkSync(join(ROOT, 'node_modules', 'vitest'), join(project, 'node_modules', 'vitest'));
    const vitest = join(project, 'node_modules', 'vitest', 'vitest.mjs');
    const res = await run(process.execPath, [vitest, 'run'], project);
    expect(res.out).toMatch(/1 passed/);
    expect(res.code).toBe(0);
    await expectNothingLeft(project);
  });
});
