// vitest.global-setup.ts: one ricloud-mock for the whole run (docs/ci.md).
// In vitest.config.ts: test: { globalSetup: ['./vitest.global-setup.ts'] }; in a test: inject('ricloudMock').
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    ricloudMock: { url: string; token: string };
  }
}

export default async function setup(project: TestProject) {
  const args = ['ricloud-mock', 'serve', '--port', '0', '--log-format', 'json', '--log-level', 'warn'];
  const mock = spawn('npx', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    // Reads every line to the end, so that logs never fill the pipe.
    createInterface({ input: mock.stdout }).on('line', (line) => {
      if (line.startsWith('{"event":"listening"')) resolve(JSON.parse(line));
    });
    mock.once('exit', (code) => reject(new Error(`ricloud-mock exited with ${code} before it was ready`)));
  });
  project.provide('ricloudMock', { url: ready.url, token: ready.token });
  return async () => {
    if (mock.exitCode !== null || mock.signalCode !== null) return;
    const exited = new Promise((done) => mock.once('exit', done));
    mock.kill('SIGTERM');
    await exited;
  };
}
