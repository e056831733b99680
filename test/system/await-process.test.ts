// A plain Node script with an in-process mock (no vitest keeping the event loop busy): a pending Ricloud-Await
// keeps the process alive until it answers, instead of a silent exit 13 with only unref'd timers left.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('../../server/index.ts', import.meta.url));

const SCRIPT = `
const { createMock } = await import(${JSON.stringify(ENTRY)});
const mock = createMock({ clock: { mode: 'scaled', scale: 100 } });
const headers = { Authorization: 'Token ' + mock.token, 'Content-Type': 'application/json' };
const post = (path, body, extra = {}) =>
  mock.app.request(path, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) });
const user = await (await post('/users', { identifier: 'script@example.com' })).json();
const res = await post(
  '/sessions',
  { source: { user: user.id, type: 'icloud.account', identifier: 'a+no2fa@example.com' }, payload: { password: 'p' } },
  { 'Ricloud-Await': '10' },
);
console.log(JSON.stringify({ status: res.status, state: (await res.json()).state }));
`;

describe('Ricloud-Await in a plain Node process', () => {
  it('a script with createMock (scaled clock) prints the awaited answer and exits 0', async () => {
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', SCRIPT],
        { cwd: ROOT, timeout: 60_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err.code as number | null) ?? null) : 0, stdout, stderr }),
      );
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim())).toEqual({ status: 201, state: 'active' });
  });
});
