// The mock as a CI service: a ready line and file, /_mock/health, and a PID that stops everything it started.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
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
import { descendantsOf, isAlive, killPids, portIsFree, waitFor } from '../helpers/processes.ts';
import { cleanEnv, exitOf, killAll, ROOT } from '../helpers/spawn-mock.ts';

const children: ChildProcess[] = [];
const leftovers: number[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ricloud-mock-service-'));

afterEach(() => {
  killAll(children);
  killPids(leftovers.splice(0));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Started {
  proc: ChildProcess;
  ready: { event: string; url: string; token: string; control: string; health: string };
  stdout: () => string;
}

/** Starts `command args` and resolves at its JSON ready line (the first stdout line whose event is listening). */
function start(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const proc = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...cleanEnv(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let out = '';
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise<Started>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line; stdout: ${out} stderr: ${err}`)), 30_000);
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of out.split('\n')) {
        if (!line.startsWith('{"event":"listening"')) continue;
        clearTimeout(timer);
        resolve({ proc, ready: JSON.parse(line), stdout: () => out });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before the ready line; stdout: ${out} stderr: ${err}`));
    });
  });
}

const portOf = (url: string) => Number(new URL(url).port);

/** Kills `proc` with `signal`, then waits (bounded) until it and every process below it are gone and the port is free. */
async function killAndCheck(started: Started, signal: NodeJS.Signals = 'SIGTERM') {
  const pid = started.proc.pid as number;
  const below = descendantsOf(pid);
  // Whatever happens next, afterEach kills what is still running of these.
  leftovers.push(...below);
  const exited = exitOf(started.proc);
  process.kill(pid, signal);
  const how = await exited;
  await waitFor(`no process left below ${pid} (${below.join(', ')})`, () => below.every((p) => !isAlive(p)));
  await waitFor(`port ${portOf(started.ready.url)} free`, () => portIsFree(portOf(started.ready.url)));
  return { how, below };
}

describe('ready line, ready file and health', () => {
  it('--log-format json prints one listening line; --ready-file holds the url; health answers without auth', async () => {
    const readyFile = join(dir, 'nested', 'ready.url');
    const s = await start(process.execPath, [
      'dist/main.js',
      'serve',
      '--port',
      '0',
      '--log-format',
      'json',
      '--log-level',
      'silent',
      '--ready-file',
      readyFile,
    ]);
    expect(s.ready).toEqual({
      event: 'listening',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      token: expect.stringMatching(/^[0-9a-f]{40}$/),
      control: `${s.ready.url}/_mock`,
      health: `${s.ready.url}/_mock/health`,
      data: expect.stringMatching(/\.ricloud-mock(\/instances\/\d+)?$/), // the data dir it took (test/system/instances.test.ts)
    });
    expect(s.stdout()).not.toContain('ricloud-mock listening on');
    expect(readFileSync(readyFile, 'utf8')).toBe(`${s.ready.url}\n`);
    const health = await fetch(s.ready.health);
    expect(health.status).toBe(200);
    expect(health.headers.get('cache-control')).toBe('no-store');
    expect(await health.json()).toEqual({ status: 'ok' });
    const org = await fetch(`${s.ready.url}/organisation`, {
      headers: { Authorization: `Token ${s.ready.token}` },
    });
    expect(org.status).toBe(200);
    const { how, below } = await killAndCheck(s);
    expect(how).toEqual({ code: 0, signal: null });
    expect(below).toEqual([]);
    // The ready file goes with the server: a stale one never announces a dead url.
    expect(existsSync(readyFile)).toBe(false);
  }, 40_000);

  it('health needs no control token even when the rest of /_mock does', async () => {
    const s = await start(process.execPath, [
      'dist/main.js',
      '--port',
      '0',
      '--log-format',
      'json',
      '--control-token',
      'secret-control',
    ]);
    expect((await fetch(s.ready.health)).status).toBe(200);
    expect((await fetch(`${s.ready.control}/clock`)).status).toBe(401);
    await killAndCheck(s);
  }, 40_000);
});

describe('signals stop the server and flush the state file', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s saves --state-file, and the next start loads it',
    async (signal) => {
      const stateFile = join(dir, `state-${signal}.json`);
      const args = ['dist/main.js', '--port', '0', '--log-format', 'json', '--state-file', stateFile];
      const first = await start(process.execPath, args);
      const created = await fetch(`${first.ready.url}/users`, {
        method: 'POST',
        headers: { Authorization: `Token ${first.ready.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ identifier: `saved-on-${signal}` }),
      });
      expect(created.status).toBe(201);
      const { how } = await killAndCheck(first, signal);
      expect(how).toEqual({ code: 0, signal: null });
      expect(readFileSync(stateFile, 'utf8')).toContain(`saved-on-${signal}`);
      // The JSON log says it saved, as one line among the others.
      expect(first.stdout()).toMatch(/"msg":"state saved"/);

      const second = await start(process.execPath, args);
      const users = await fetch(`${second.ready.url}/users`, {
        headers: { Authorization: `Token ${second.ready.token}` },
      });
      const body = (await users.json()) as { data: { identifier: string }[] };
      expect(body.data.map((u) => u.identifier)).toContain(`saved-on-${signal}`);
      await killAndCheck(second);
    },
    60_000,
  );
});

describe('killing the PID of each documented start command leaves no process behind', () => {
  it('npm start: the script execs node, so npm forwards the signal to the server itself', async () => {
    const s = await start('npm', ['start', '--silent', '--', '--port', '0', '--log-format', 'json']);
    const { how, below } = await killAndCheck(s);
    // npm → node directly: no shell in between that would swallow the signal.
    expect(below).toHaveLength(1);
    expect(how).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('npx ricloud-mock serve in a project that depends on it: npm forwards to its shell, the server follows', async () => {
    const project = join(dir, 'consumer');
    mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(join(project, 'package.json'), '{"name":"consumer","private":true,"type":"module"}\n');
    symlinkSync(ROOT, join(project, 'node_modules', 'ricloud-mock'));
    symlinkSync('../ricloud-mock/bin/ricloud-mock.js', join(project, 'node_modules', '.bin', 'ricloud-mock'));
    const s = await start('npx', ['ricloud-mock', 'serve', '--port', '0', '--log-format', 'json'], {
      cwd: project,
    });
    // npm → sh -c → node: the shell dies of the forwarded SIGTERM without passing it on; the server sees
    // its parent go and stops.
    const { below } = await killAndCheck(s);
    expect(below).toHaveLength(2);
  }, 90_000);
});
