// Python for the system tests that run Python programs (the conformance guide's driver, the official client). Off
// CI, a machine without python3 and the modules a test imports skips that test with one line; under CI (CI=true)
// the test always runs, so a missing piece fails it.
import { spawnSync } from 'node:child_process';

export const IN_CI = /^(true|1)$/i.test(process.env.CI ?? '');

/** Why python3 with `modules` cannot run here; undefined when it can, and always under CI. */
export function pythonMissing(modules: string[]): string | undefined {
  if (IN_CI) return undefined;
  const probe = spawnSync('python3', ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
  if (!probe.error && probe.status === 0) return undefined;
  return `needs python3 with ${modules.join(', ')} (python3 -m pip install ${modules.join(' ')})`;
}
