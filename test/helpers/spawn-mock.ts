// Starts the real `ricloud-mock` command on port 0 for tests that need the process (banner, signals, files).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/ricloud-mock.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The test's environment without the mock's own variables, so that only the flags given apply. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: '1' };
  for (const name of Object.keys(env))
    if (name === 'PORT' || name.startsWith('RICLOUD_MOCK_')) delete env[name];
  return env;
}

export interface RunningMock {
  url: string;
  token: string;
  proc: ChildProcess;
  /** Everything the process printed on stdout so far. */
  output: () => string;
}

export interface SpawnOptions {
  cwd?: string;
  /** How long to wait for the banner before failing (default 20 s). */
  timeoutMs?: number;
  /** Every process started is pushed here, so that an afterEach can kill what a failed test left running. */
  track?: ChildProcess[];
}

/**
 * Spawns `node bin/ricloud-mock.js --port 0 --host 127.0.0.1 <args>` (never `npx tsx`, which orphans servers on
 * SIGTERM) and resolves with the url and token its banner prints; rejects with the output if it exits first.
 */
export function spawnMock(args: string[], options: SpawnOptions = {}): Promise<RunningMock> {
  const proc = spawn(process.execPath, [BIN, '--port', '0', '--host', '127.0.0.1', ...args], {
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  options.track?.push(proc);
  const timeoutMs = options.timeoutMs ?? 20_000;
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no banner within ${timeoutMs} ms; stdout: ${out} stderr: ${err}`)),
      timeoutMs,
    );
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const token = /^\s*token:[ \t]+(\S+)$/m.exec(out)?.[1];
      if (url && token) {
        clearTimeout(timer);
        resolve({ url, token, proc, output: () => out });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before the banner; stdout: ${out} stderr: ${err}`));
    });
  });
}

/** Resolves with how the process ended (at once if it already has). */
export function exitOf(proc: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (proc.exitCode !== null || proc.signalCode !== null) {
    return Promise.resolve({ code: proc.exitCode, signal: proc.signalCode });
  }
  return new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Kills every tracked process that is still running (for afterEach). */
export function killAll(procs: ChildProcess[]): void {
  for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/ricloud-mock.js <args>` to its end (at most `timeoutMs`) and returns its exit code and output. */
export function runCli(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...cleanEnv(), PACT_DO_NOT_TRACK: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
