// vitest globalSetup: builds dist/ once before the tests (a no-op when it is a build of the current sources), so
// every test that starts the real command runs the compiled CLI and none rebuilds dist/ while others use it.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, ['scripts/build.mjs', '--js-only', '--quiet'], {
    cwd: root,
    stdio: 'inherit',
  });
}
