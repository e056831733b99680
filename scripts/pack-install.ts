// Packs the package (`npm pack`, which runs `prepack`: the build) and installs the tarball into a fresh project,
// as a user would: shared by the packaging test (test/system/package.test.ts) and `npm run bench` (cold start from the
// installed package). The tarball's dependencies come from the npm cache when they are there (--prefer-offline).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** One file of `npm pack --json`. */
export interface PackedFile {
  path: string;
  size: number;
}

export interface Packed {
  tarball: string;
  files: PackedFile[];
  /** Bytes of the tarball and of what it unpacks to. */
  size: number;
  unpackedSize: number;
}

/** The environment for npm and node children: no npm lifecycle or vitest variables of the parent leak in. */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CI: '1',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    npm_config_loglevel: 'silent',
  };
  for (const name of Object.keys(env)) {
    if (name === 'PORT' || name === 'NODE_OPTIONS' || name.startsWith('RICLOUD_MOCK_')) delete env[name];
    if (name.startsWith('VITEST') || name.startsWith('npm_lifecycle') || name.startsWith('npm_package'))
      delete env[name];
  }
  return env;
}

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, {
    cwd,
    env: childEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `npm pack --json` into `dir`: the tarball's path and the files it holds (as npm reports them). */
export function pack(dir: string): Packed {
  const out = npm(['pack', '--json', '--pack-destination', dir], ROOT);
  const [info] = JSON.parse(out.slice(out.indexOf('['))) as {
    filename: string;
    files: PackedFile[];
    size: number;
    unpackedSize: number;
  }[];
  if (!info) throw new Error(`npm pack printed no result: ${out}`);
  return {
    tarball: join(dir, info.filename),
    files: info.files,
    size: info.size,
    unpackedSize: info.unpackedSize,
  };
}

/** A pinned version of one of the project's dev dependencies (so that the consumer uses the same tools). */
export function devVersion(name: string): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const version = pkg.devDependencies[name];
  if (!version) throw new Error(`${name} is not a dev dependency`);
  return `${name}@${version}`;
}

/**
 * A fresh ESM project in `dir` with the tarball installed (and `extra` packages, e.g. vitest), without the
 * optional peers: what `npm install ricloud-mock` gives a user.
 */
export function installInto(dir: string, tarball: string, extra: string[] = []): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'ricloud-mock-consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-save', tarball, ...extra], dir);
}
