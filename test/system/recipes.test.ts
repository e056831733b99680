// The CI recipes (docs/recipes/, explained in docs/ci.md), each run with the same commands in a project that depends
// on the mock.
import { execFileSync, spawn } from 'node:child_process';
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
import { createMock } from '../../server/app.ts';
import { isAlive, killPids, portIsFree, processesMentioning, waitFor } from '../helpers/processes.ts';
import { cleanEnv, ROOT } from '../helpers/spawn-mock.ts';

const RECIPES = join(ROOT, 'docs', 'recipes');
const GUIDE = readFileSync(join(ROOT, 'docs', 'ci.md'), 'utf8');
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

/** Trimmed, non-blank lines. */
const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/**
 * docs/ci.md links the recipe file, and each excerpt it quotes from it (a code block under
 * `<!-- excerpt: recipes/<file> -->`) is in the committed file, line after line (indentation aside).
 */
function expectExplainedInGuide(file: string) {
  expect(GUIDE, `docs/ci.md links recipes/${file}`).toContain(`](recipes/${file})`);
  const committed = lines(readFileSync(join(RECIPES, file), 'utf8'));
  const marker = `<!-- excerpt: recipes/${file} -->`;
  const excerpts = GUIDE.split(marker)
    .slice(1)
    .map((rest) => /^\s*```\w*\n([\s\S]*?)```/.exec(rest)?.[1] ?? '');
  for (const excerpt of excerpts) {
    const want = lines(excerpt);
    expect(want.length, `an excerpt of ${file} in docs/ci.md`).toBeGreaterThan(0);
    const at = committed.indexOf(want[0] as string);
    expect(committed.slice(at, at + want.length), `docs/ci.md quotes ${file} as committed`).toEqual(want);
  }
}

/** Asserts that nothing started from the project is still running, and the port is free. */
async function expectNothingLeft(project: string, port?: number) {
  await waitFor(`no process of ${project} left`, () => processesMentioning(project).length === 0);
  if (port !== undefined) expect(await portIsFree(port)).toBe(true);
}

describe('CI recipes', { timeout: 90_000 }, () => {
  it('GitHub Actions: the run steps start the mock in the background, wait on health, and the stop step kills it', async () => {
    expectExplainedInGuide('github-actions.yml');
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
    expectExplainedInGuide('gitlab-ci.yml');
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

  it('pytest: the plugin finds the npm bin, starts the mock, gives each test a tenant, and stops it after', async () => {
    // The Python guide shows the plugin-based recipe files as committed.
    const guide = readFileSync(join(ROOT, 'docs', 'python.md'), 'utf8');
    for (const file of ['conftest.py', 'test_ricloud_mock_example.py']) {
      const text = readFileSync(join(RECIPES, file), 'utf8');
      expect(guide.includes(text.trimEnd()), `docs/python.md shows docs/recipes/${file} as committed`).toBe(
        true,
      );
    }
    const project = consumerProject('pytest');
    copyFileSync(join(RECIPES, 'conftest.py'), join(project, 'conftest.py'));
    copyFileSync(
      join(RECIPES, 'test_ricloud_mock_example.py'),
      join(project, 'test_ricloud_mock_example.py'),
    );
    // The package from this checkout, loaded as its pytest11 entry point loads it once installed.
    const res = await run(
      'python3',
      ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-p', 'ricloud_mock.plugin'],
      project,
      { PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: join(ROOT, 'python', 'src') },
    );
    expect(res.out).toMatch(/2 passed/);
    expect(res.code).toBe(0);
    await expectNothingLeft(project);
  });

  it('vitest: the globalSetup starts the mock once, tests inject its url and token, teardown stops it', async () => {
    expectExplainedInGuide('vitest.global-setup.ts');
    expectExplainedInGuide('ricloud-mock.example.test.ts');
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

// The image recipes need a container engine to run: test/container/image.container.ts (npm run test:container) starts
// the image with each recipe's own env block. Here: what can be checked without one.
describe('container image recipes', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const guide = readFileSync(join(ROOT, 'docs', 'container.md'), 'utf8');

  let envNames: string[] | undefined;
  /** The env var of every `serve` option, as `ricloud-mock serve --help` prints them (commander's `.env()`). */
  function serveEnvNames(): string[] {
    envNames ??= [
      ...execFileSync(process.execPath, [join(ROOT, 'dist', 'main.js'), 'serve', '--help'], {
        encoding: 'utf8',
      }).matchAll(/env:\s+([A-Z][A-Z0-9_]*)/g),
    ].map((m) => m[1] as string);
    return envNames;
  }

  /** A Dockerfile instruction with its `\` continuations joined. */
  function instruction(name: string): string {
    const text = dockerfile.replace(/\\\n/g, ' ');
    const line = new RegExp(`^${name}\\s+(.*)$`, 'm').exec(text)?.[1];
    expect(line, `the Dockerfile has ${name}`).toBeDefined();
    return (line as string).trim();
  }

  /** The names the Dockerfile's ENV sets (`ENV A=1 B=2`). */
  function dockerfileEnvNames(): string[] {
    return [...instruction('ENV').matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1] as string);
  }

  it('the Dockerfile: node dist/main.js serve with no arguments, its ENV and the port are serve options, its health path answers', async () => {
    const names = serveEnvNames();
    expect(names).toContain('RICLOUD_MOCK_CONTROL_TOKEN');
    expect(names).toContain('RICLOUD_MOCK_ALLOWED_HOSTS');
    // Exec form: node is PID 1 (no shell, no npm), and the command takes no argument beyond `serve`.
    expect(JSON.parse(instruction('CMD'))).toEqual(['node', 'dist/main.js', 'serve']);
    expect(dockerfileEnvNames().filter((n) => !names.includes(n))).toEqual([]);
    expect(instruction('ENV')).toContain('HOST=0.0.0.0');
    const port = /PORT=(\d+)/.exec(instruction('ENV'))?.[1];
    expect(instruction('EXPOSE')).toBe(port);
    const health = /\/_mock\/[a-z]+/.exec(instruction('HEALTHCHECK'))?.[0] as string;
    expect(health).toBe('/_mock/health');
    const mock = createMock({ seed: 'image-recipes' });
    try {
      const res = await mock.app.request(health);
      expect(res.status).toBe(200);
    } finally {
      mock.close();
    }
  });

  it('GitHub Actions: a service configured by env vars that are serve options, on the exposed port, with the job using its tokens', () => {
    const text = readFileSync(join(RECIPES, 'github-actions-image.yml'), 'utf8');
    expect(guide.includes(text.trimEnd()), 'docs/container.md shows the recipe as committed').toBe(true);
    const job = parse(text).jobs.test;
    const service = job.services['ricloud-mock'];
    // A service cannot take a command: nothing but its image, credentials, ports and env configure it.
    expect(Object.keys(service).sort()).toEqual(['credentials', 'env', 'image', 'ports']);
    const names = serveEnvNames();
    expect(Object.keys(service.env).filter((n) => !names.includes(n))).toEqual([]);
    expect(service.env.RICLOUD_MOCK_CONTROL_TOKEN).toBeTruthy();
    const [hostPort, containerPort] = String(service.ports[0]).split(':');
    expect(containerPort).toBe(instruction('EXPOSE'));
    expect(new URL(job.env.RICLOUD_MOCK_URL).port).toBe(hostPort);
    expect(job.env.RICLOUD_MOCK_TOKEN).toBe(service.env.RICLOUD_MOCK_TOKEN);
    expect(job.env.RICLOUD_MOCK_CONTROL_TOKEN).toBe(service.env.RICLOUD_MOCK_CONTROL_TOKEN);
    // The image is not on a registry: the recipe says how the name it uses is built and pushed.
    expect(text).toContain(`docker build -t ${service.image} .`);
    expect(text).toContain(`docker push ${service.image}`);
  });

  it('GitLab CI: a service with an alias the mock answers, configured by env vars that are serve options', () => {
    const text = readFileSync(join(RECIPES, 'gitlab-ci-image.yml'), 'utf8');
    expect(guide.includes(text.trimEnd()), 'docs/container.md shows the recipe as committed').toBe(true);
    const job = parse(text).test;
    expect(job.services).toHaveLength(1);
    const service = job.services[0];
    expect(Object.keys(service).sort()).toEqual(['alias', 'name', 'variables']);
    const names = serveEnvNames();
    expect(Object.keys(service.variables).filter((n) => !names.includes(n))).toEqual([]);
    // GitLab passes the job's variables to the service: those the mock reads must be serve options too.
    const read = Object.keys(job.variables).filter((n) => n === 'PORT' || n.startsWith('RICLOUD_MOCK_'));
    expect(read.filter((n) => !names.includes(n))).toEqual(['RICLOUD_MOCK_URL']);
    // The job reaches the alias on the exposed port; the public url (a Host the mock answers) names the alias too.
    const url = new URL(job.variables.RICLOUD_MOCK_URL);
    expect(url.hostname).toBe(service.alias);
    expect(url.port).toBe(instruction('EXPOSE'));
    expect(new URL(service.variables.RICLOUD_MOCK_PUBLIC_URL).host).toBe(url.host);
    expect(text).toContain(`docker build -t ${service.name} .`);
    expect(text).toContain(`docker push ${service.name}`);
  });

  it('docs/container.md lists every env var the image honours', () => {
    const missing = [...serveEnvNames(), 'RICLOUD_MOCK_DEBUG'].filter((n) => !guide.includes(`| \`${n}\``));
    expect(missing).toEqual([]);
  });
});
