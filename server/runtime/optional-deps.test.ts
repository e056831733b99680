import { describe, expect, it } from 'vitest';
import {
  assertInstalled,
  loadOptional,
  MissingDependencyError,
  S3_FEATURE,
  S3_SDK,
} from './optional-deps.ts';

const HINT =
  'S3 storage (--s3-endpoint) needs @aws-sdk/client-s3, an optional peer dependency: npm install --save-dev @aws-sdk/client-s3';

function notFound(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('optional peer dependencies', () => {
  it('a missing package on first use is one line naming what to install', async () => {
    const load = () =>
      Promise.reject(
        notFound('ERR_MODULE_NOT_FOUND', `Cannot find package '${S3_SDK}' imported from /app/dist/x.js`),
      );
    const err = await loadOptional(S3_SDK, S3_FEATURE, load).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingDependencyError);
    expect((err as Error).message).toBe(HINT);
    expect((err as Error).message).not.toContain('\n');
  });

  it('a real import of a package that is not installed gives the same error', async () => {
    const name = 'ricloud-mock-no-such-package';
    const specifier = name; // a variable, so that nothing resolves it before run time
    const err = await loadOptional(name, 'a feature', () => import(specifier)).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `a feature needs ${name}, an optional peer dependency: npm install --save-dev ${name}`,
    );
  });

  it('a failure inside the package (one of its own dependencies missing, a crash) is not disguised', async () => {
    const inner = notFound('ERR_MODULE_NOT_FOUND', "Cannot find package '@smithy/core' imported from /x.js");
    await expect(loadOptional(S3_SDK, S3_FEATURE, () => Promise.reject(inner))).rejects.toBe(inner);
    const crash = new TypeError('boom');
    await expect(loadOptional(S3_SDK, S3_FEATURE, () => Promise.reject(crash))).rejects.toBe(crash);
  });

  it('an installed package loads', async () => {
    await expect(loadOptional(S3_SDK, S3_FEATURE, async () => ({ ok: 1 }))).resolves.toEqual({ ok: 1 });
  });

  it('assertInstalled fails fast without loading, and passes for an installed package', () => {
    const resolve = (n: string): string => {
      throw notFound('MODULE_NOT_FOUND', `Cannot find module '${n}'`);
    };
    expect(() => assertInstalled(S3_SDK, S3_FEATURE, resolve)).toThrow(HINT);
    expect(() => assertInstalled(S3_SDK, S3_FEATURE)).not.toThrow();
  });
});
