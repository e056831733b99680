// Start-up refuses what cannot work: each mistake is one line on stderr and a documented exit code before the
// server listens (docs/cli.md); the state file is written owner-only; binding beyond loopback without a
// control token warns.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../server/runtime/cli-errors.ts';
import { BIN, cleanEnv, exitOf, killAll, runCli, spawnMock } from '../helpers/spawn-mock.ts';

const dir = mkdtempSync(join(tmpdir(), 'ricloud-mock-startup-'));
const aFile = join(dir, 'a-file');
writeFileSync(aFile, 'not a directory');
const procs: ChildProcess[] = [];
afterEach(() => killAll(procs));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent('start-up refuses flags that cannot work', { timeout: 60_000 }, () => {
  it.each([
    [['--token', 'a b c'], EXIT.usage, /invalid --token: a key token must match/],
    [['--token', 'tökenwithümlauts'], EXIT.usage, /invalid --token: a key token must match/],
    [['--control-token', 'has space'], EXIT.usage, /invalid --control-token/],
    [
      ['--public-url', 'notaurl'],
      EXIT.usage,
      /invalid --public-url "notaurl": expected an http:\/\/ or https:\/\/ url/,
    ],
    [
      ['--s3-endpoint', 'notaurl'],
      EXIT.usage,
      /invalid --s3-endpoint "notaurl": expected an http:\/\/ or https:\/\/ url/,
    ],
    [['--data-dir', join(aFile, 'data')], EXIT.files, /cannot use --data-dir .*a-file is not a directory/],
    [
      ['--state-file', join(aFile, 'state.json')],
      EXIT.files,
      /cannot use --state-file .*a-file is not a directory/,
    ],
    [
      ['--ready-file', join(aFile, 'ready')],
      EXIT.files,
      /cannot use --ready-file .*a-file is not a directory/,
    ],
    [['--state-file', dir], EXIT.files, /cannot use --state-file .* is a directory/],
  ])('%j exits %i with one line', async (args, code, message) => {
    const run = await runCli(['serve', '--port', '0', '--data-dir', join(dir, 'data'), ...args]);
    const lines = run.stderr.split('\n').filter(Boolean);
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).not.toMatch(/internal error/);
    expect(run.code).toBe(code);
    expect(run.stdout).not.toContain('listening');
  });

  it('refuses a state file holding [] with a clear line, not an internal error', async () => {
    const file = join(dir, 'list-state.json');
    writeFileSync(file, '[]');
    const run = await runCli(['serve', '--port', '0', '--data-dir', join(dir, 'data'), '--state-file', file]);
    expect(run.code).toBe(EXIT.config);
    expect(run.stderr.trim()).toBe(
      `ricloud-mock: ${file}: not a usable state file (the state must be object)`,
    );
  });
});

describe('secrets at rest', () => {
  it('refuses a state file with a record in an unknown state, naming where', async () => {
    const file = join(dir, 'rebased-state.json');
    const first = await spawnMock(
      ['--clock', 'manual', '--data-dir', join(dir, 'data'), '--state-file', file],
      {
        track: procs,
      },
    );
    first.proc.kill('SIGTERM');
    await exitOf(first.proc);
    const state = JSON.parse(readFileSync(file, 'utf8'));
    state.organisations[0].users.push({ id: 'u1', state: 'hacked' });
    writeFileSync(file, JSON.stringify(state));
    const run = await runCli(['serve', '--port', '0', '--data-dir', join(dir, 'data'), '--state-file', file]);
    expect(run.code).toBe(EXIT.config);
    expect(run.stderr).toMatch(/organisations\[0\]\.users\[\d+\]\.state "hacked" is not a known state/);
  });

  it('writes the state file owner-only (0600), replacing a world-readable one', async () => {
    const stateDir = join(dir, 'secrets');
    mkdirSync(stateDir, { recursive: true });
    const file = join(stateDir, 'state.json');
    const first = await spawnMock(['--data-dir', join(dir, 'data'), '--state-file', file], { track: procs });
    first.proc.kill('SIGTERM');
    await exitOf(first.proc);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    chmodSync(file, 0o644);
    const second = await spawnMock(['--data-dir', join(dir, 'data'), '--state-file', file], { track: procs });
    second.proc.kill('SIGTERM');
    await exitOf(second.proc);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(first.token);
  });

  it('warns in one line when it binds beyond loopback without a control token', async () => {
    const proc = spawn(
      process.execPath,
      [BIN, '--port', '0', '--host', '0.0.0.0', '--data-dir', join(dir, 'data')],
      {
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    procs.push(proc);
    let stdout = '';
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // The warning comes before the banner: once the banner is out, stop the server.
    await new Promise<void>((ok) =>
      proc.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('try:')) ok();
      }),
    );
    proc.kill('SIGTERM');
    await exitOf(proc);
    expect(stderr).toMatch(
      /^ricloud-mock: warning: listening on 0\.0\.0\.0 without --control-token: the ricloud API is open to the network/m,
    );
  });
});
