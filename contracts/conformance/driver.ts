// Runs a user's driver command for one check: a shell command, the check's inputs as environment variables, a
// wall-clock timeout, and its answer (exit code plus the last JSON object line it printed on stdout).
import { spawn } from 'node:child_process';

/** What a driver run produced. */
export interface DriverRun {
  /** The exit code; null when the driver was killed (timeout) or could not start. */
  exitCode: number | null;
  /** True when the kit killed the driver at its timeout. */
  timedOut: boolean;
  /** The last stdout line that parsed as a JSON object, if any. */
  answer: Record<string, unknown> | undefined;
  /** The last lines of stdout and stderr (for the report when a check fails). */
  stdoutTail: string;
  stderrTail: string;
  wallMs: number;
}

const TAIL = 2_000;

function tail(text: string): string {
  return text.length > TAIL ? `…${text.slice(-TAIL)}` : text;
}

/** The last line of `stdout` that is a JSON object. */
export function answerOf(stdout: string): Record<string, unknown> | undefined {
  const lines = stdout.split(/\r?\n/).reverse();
  for (const line of lines) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const value = JSON.parse(trimmed) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch {
      // not JSON: keep looking
    }
  }
  return undefined;
}

/**
 * Runs `command` through the shell (`sh -c`), in its own process group so that a timeout kills the whole tree.
 * Never throws: a driver that cannot start is an exit code of null with its error on stderrTail.
 */
export function runDriver(
  command: string,
  env: Record<string, string>,
  options: { timeoutMs: number; cwd?: string },
): Promise<DriverRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const child = spawn(command, {
      shell: true,
      detached: true,
      cwd: options.cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killTree = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killTree();
    }, options.timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      if (stdout.length > 1_000_000) stdout = stdout.slice(-100_000);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      if (stderr.length > 1_000_000) stderr = stderr.slice(-100_000);
    });
    const finish = (exitCode: number | null, extra = '') => {
      clearTimeout(timer);
      // A driver that exits leaves no children behind either (a backgrounded helper would outlive the check).
      killTree();
      resolve({
        exitCode: timedOut ? null : exitCode,
        timedOut,
        answer: answerOf(stdout),
        stdoutTail: tail(stdout),
        stderrTail: tail(stderr + extra),
        wallMs: Math.round(performance.now() - started),
      });
    };
    child.once('error', (err) => finish(null, `\n${err.message}`));
    child.once('close', (code) => finish(code));
  });
}
