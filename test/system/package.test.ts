// The package as a user gets it: packed and installed with the README's own install commands into a fresh ESM
// TypeScript project (strict, with exactOptionalPropertyTypes and skipLibCheck false), type-checked, a consumer
// vitest suite run, and the bin started.
// ESM only: the package does not claim CommonJS support (no `require` condition), so there is no CommonJS consumer.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, devVersion, ROOT } from '../../scripts/pack-install.ts';
import { exitOf } from '../helpers/spawn-mock.ts';

const SLOW = 60_000;

/** What the tarball may hold: anything else (tests, sources, configs, the build stamp) fails the test. */
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^bin\/ricloud-mock\.js$/,
  /^dist\/[\w-]+\.js(\.map)?$/,
  /^dist\/types\/(server|fixtures|openapi|contracts\/(client|conformance))\/[\w/.-]+\.d\.ts$/,
  /^openapi\/(ricloud-v3|control)\.(yaml|json)$/,
  /^fixtures\/scenarios\/[\w-]+\.json$/,
  // The guides the README links, so that its links resolve in the installed package (test/docs-links.test.ts).
  /^docs\/[\w-]+\.(md|png)$/,
  /^docs\/recipes\/[\w.-]+\.(yml|ts)$/,
  /^contracts\/(README|CONFORMANCE)\.md$/,
  /^contracts\/conformance\/reports\/[\w-]+\.md$/,
  /^fidelity\/SUMMARY\.md$/,
  /^fidelity\/ledger\/[\w-]+\.yaml$/,
  /^bench\/RESULTS\.md$/,
];

/**
 * The README's install-from-tarball commands, comments dropped: `npm pack` in the clone, `npm install --save-dev
 * ./<tarball>` in the user's project, then `npx ricloud-mock ...`.
 */
function readmeInstallCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block =
    /<!-- install-from-tarball[^>]*-->\n```bash\n([\s\S]*?)```\n<!-- \/install-from-tarball -->/.exec(readme);
  if (!block) throw new Error('README.md has lost its <!-- install-from-tarball --> block');
  return (block[1] as string)
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023'],
    types: ['node'],
    strict: true,
    exactOptionalPropertyTypes: true,
    noPropertyAccessFromIndexSignature: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    noEmit: true,
  },
  include: ['*.ts'],
};

/** A consumer's test: every subpath export, typed, in-process and on a socket. */
const CONSUMER_TEST = `
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createMock, startMockServer, type MockOptions, type MockServer } from 'ricloud-mock';
import { ControlError, createControlClient } from 'ricloud-mock/control-client';
import { createClient, RicloudError } from 'ricloud-mock/client';
import type { RequestBody, User } from 'ricloud-mock/wire';
import { afterAll, beforeAll, expect, it } from 'vitest';

let server: MockServer;
beforeAll(async () => {
  server = await startMockServer({ seed: 'consumer', port: 0, host: undefined });
});
afterAll(() => server.close());

it('createMock answers in-process; options accept undefined under exactOptionalPropertyTypes', async () => {
  const options: MockOptions = { seed: 'consumer', token: undefined };
  const mock = createMock(options);
  const res = await mock.app.request('/organisation', { headers: { Authorization: 'Token ' + mock.token } });
  expect(res.status).toBe(200);
  mock.close();
});

it('the reference client and the control client talk to startMockServer', async () => {
  const client = createClient({ baseUrl: server.url, token: server.token, fetch: undefined });
  const body: RequestBody<'createUser'> = { identifier: 'consumer@example.com' };
  const user: User = await client.users.create(body);
  expect(user.identifier).toBe('consumer@example.com');
  const control = createControlClient(server.url, { token: undefined });
  const journal = await control.requests({ path: '/users' });
  expect(journal.data.map((e) => e.method)).toContain('POST');
  await expect(control.organisation(999999)).rejects.toBeInstanceOf(ControlError);
  await expect(client.users.retrieve('no-such-user')).rejects.toBeInstanceOf(RicloudError);
});

it('ships the specs as subpath exports', () => {
  const require = createRequire(import.meta.url);
  const spec = JSON.parse(readFileSync(require.resolve('ricloud-mock/openapi/ricloud-v3.json'), 'utf8'));
  expect(spec.openapi).toMatch(/^3\\./);
  expect(readFileSync(require.resolve('ricloud-mock/openapi/control.yaml'), 'utf8')).toContain('openapi:');
});

it('an S3 endpoint without the optional AWS SDK is refused with what to install', () => {
  expect(() => createMock({ s3Endpoint: 'http://127.0.0.1:9' })).toThrow(
    'S3 storage (--s3-endpoint) needs @aws-sdk/client-s3, an optional peer dependency: npm install --save-dev @aws-sdk/client-s3',
  );
});
`;

let work: string;
let consumer: string;
let packed: string[];
const procs: ChildProcess[] = [];
const [PACK, INSTALL, NPX] = readmeInstallCommands();

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ricloud-mock-package-'));
  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(
    join(consumer, 'package.json'),
    `${JSON.stringify({ name: 'ricloud-mock-consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  // The README's commands as written; `--pack-destination` stands for copying the tarball into the project. Their
  // dependencies come from the npm cache when they are there.
  const env = {
    ...childEnv(),
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  const sh = (command: string, cwd: string) =>
    execFileSync('bash', ['-e', '-c', command], {
      cwd,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  sh(`${PACK} --pack-destination "${consumer}"`, ROOT);
  sh(INSTALL as string, consumer);
  const tarball = join(consumer, (INSTALL as string).split(' ').pop() as string);
  packed = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((p) => p.replace(/^package\//, ''));
  // The consumer's own test tools.
  sh(`npm install --no-save ${devVersion('vitest')} ${devVersion('@types/node')}`, consumer);
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  writeFileSync(join(consumer, 'consumer.test.ts'), CONSUMER_TEST);
}, 3 * SLOW);

// Removing the consumer's node_modules (vitest, vite and the package: thousands of files) is slow on a busy machine.
afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  if (work) await rm(work, { recursive: true, force: true });
}, SLOW);

/** Runs a command to its end without blocking the event loop: its exit code and everything it printed. */
function runAsync(
  command: string,
  args: string[],
  cwd = consumer,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(child);
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

function run(command: string, args: string[], cwd = consumer) {
  return spawnSync(command, args, { cwd, env: childEnv(), encoding: 'utf8', timeout: 60_000 });
}

describe('the packed tarball', () => {
  it("is made and installed by the README's commands, as written", () => {
    expect(PACK).toBe('npm pack');
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
      .version;
    expect(INSTALL).toBe(`npm install --save-dev ./ricloud-mock-${version}.tgz`);
    expect(NPX).toMatch(/^npx ricloud-mock serve( |$)/);
    const saved = JSON.parse(readFileSync(join(consumer, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(saved.devDependencies['ricloud-mock']).toBe(`file:ricloud-mock-${version}.tgz`);
  });

  it('holds only what it needs: the allow-list, every export target, the LICENSE, the guides', () => {
    const paths = packed;
    expect(paths.filter((p) => !ALLOWED.some((re) => re.test(p)))).toEqual([]);
    for (const needed of [
      'LICENSE',
      'README.md',
      'docs/ci.md',
      'contracts/CONFORMANCE.md',
      'bin/ricloud-mock.js',
      'dist/main.js',
      'dist/index.js',
      'dist/types/server/index.d.ts',
      'dist/types/server/control/client.d.ts',
      'dist/types/contracts/conformance/index.d.ts',
      'dist/conformance.js',
      'dist/types/contracts/client/index.d.ts',
      'dist/types/openapi/types.d.ts',
      'dist/types/openapi/ricloud-v3.d.ts',
      'openapi/ricloud-v3.yaml',
      'openapi/ricloud-v3.json',
      'fixtures/scenarios/2fa-then-active.json',
    ])
      expect(paths).toContain(needed);
    // TypeScript sources never ship; the recipes are files for the user to copy.
    expect(
      paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts') && !p.startsWith('docs/recipes/')),
    ).toEqual([]);
  });

  it('is the build of the current sources (prepack rebuilt a stale dist/)', () => {
    const script = "import { buildIsFresh } from './scripts/build-stamp.mjs'; console.log(buildIsFresh());";
    const res = run(process.execPath, ['--input-type=module', '-e', script], ROOT);
    expect(res.stdout.trim()).toBe('true');
  });

  it('installs without tsx and without the optional peers (AWS SDK, Pact)', () => {
    const modules = join(consumer, 'node_modules');
    expect(existsSync(join(modules, 'ricloud-mock/dist/main.js'))).toBe(true);
    for (const absent of ['tsx', '@aws-sdk/client-s3', '@pact-foundation/pact'])
      expect(existsSync(join(modules, absent)), absent).toBe(false);
  });
});

describe('a strict TypeScript consumer', () => {
  it(
    'type-checks with moduleResolution nodenext and bundler (skipLibCheck false)',
    async () => {
      // Both at once (each is one tsc process over the same files): half the wall time on two cores.
      const [nodenext, bundler] = await Promise.all([
        runAsync(process.execPath, [TSC, '-p', '.']),
        runAsync(process.execPath, [TSC, '-p', '.', '--module', 'preserve', '--moduleResolution', 'bundler']),
      ]);
      expect(nodenext.output).toBe('');
      expect(nodenext.code).toBe(0);
      expect(bundler.output).toBe('');
      expect(bundler.code).toBe(0);
    },
    SLOW,
  );

  it(
    "runs a vitest suite against the installed package's JavaScript",
    () => {
      const res = run(process.execPath, [
        join(consumer, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--reporter=dot',
      ]);
      expect(res.status, res.stdout + res.stderr).toBe(0);
      expect(res.stdout).toMatch(/Tests\s+4 passed/);
    },
    SLOW,
  );
});

describe('the installed command', () => {
  it('npx ricloud-mock --help', { timeout: SLOW }, () => {
    const res = run('npx', ['--no-install', 'ricloud-mock', '--help']);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain('Usage: ricloud-mock');
  });

  it('npx ricloud-mock --version prints the installed package version', { timeout: SLOW }, () => {
    const res = run('npx', ['--no-install', 'ricloud-mock', '--version']);
    expect(res.status, res.stderr).toBe(0);
    const installed = JSON.parse(
      readFileSync(join(consumer, 'node_modules/ricloud-mock/package.json'), 'utf8'),
    ) as { version: string };
    expect(res.stdout.trim()).toBe(installed.version);
  });

  it('serve answers 200 from the compiled build', { timeout: SLOW }, async () => {
    const bin = join(consumer, 'node_modules/.bin/ricloud-mock');
    const proc = spawn(process.execPath, [bin, 'serve', '--port', '0', '--host', '127.0.0.1'], {
      cwd: consumer,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    procs.push(proc);
    let out = '';
    const banner = await new Promise<{ url: string; token: string }>((resolve, reject) => {
      proc.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
        const token = /^\s*token:[ \t]+(\S+)$/m.exec(out)?.[1];
        if (url && token) resolve({ url, token });
      });
      proc.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
    });
    const res = await fetch(`${banner.url}/organisation`, {
      headers: { Authorization: `Token ${banner.token}` },
    });
    expect(res.status).toBe(200);
    proc.kill('SIGTERM');
    await exitOf(proc);
  });

  it('verify without Pact installed says what to install', { timeout: SLOW }, () => {
    const pactFile = join(work, 'some.pact.json');
    writeFileSync(pactFile, '{}');
    const res = run(process.execPath, [
      join(consumer, 'node_modules/.bin/ricloud-mock'),
      'verify',
      '--pact',
      pactFile,
    ]);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain(
      'ricloud-mock verify needs @pact-foundation/pact, an optional peer dependency: npm install --save-dev @pact-foundation/pact',
    );
  });
});
