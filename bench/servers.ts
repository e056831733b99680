// The bench's child servers: spawn one that prints `listening on http://127.0.0.1:<port>`, and stop it.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Spawns `node <args>` and resolves with its url once it prints where it listens (and when it was spawned). */
export function spawnServer(
  args: string[],
  cwd = ROOT,
): Promise<{ child: ChildProcess; url: string; started: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: '1' },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        child.stdout?.off('data', onData);
        // Keep draining its output, so a chatty server never blocks on a full pipe.
        child.stdout?.resume();
        resolve({ child, url: m[1] as string, started });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out.slice(0, 2000)}`)));
  });
}

/** Stops a child server and resolves once it has exited (SIGTERM, or SIGKILL when its shutdown is not measured). */
export function stopServer(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
