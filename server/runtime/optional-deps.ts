// The optional peer dependencies (the AWS SDK for --s3-endpoint, Pact for `verify`): not installed with the package,
// loaded on first use, and a one-line error naming what to install when they are missing.
import { createRequire } from 'node:module';

/** Thrown when an optional peer dependency is needed and not installed; its message is the whole story. */
export class MissingDependencyError extends Error {
  constructor(
    readonly dependency: string,
    feature: string,
  ) {
    super(
      `${feature} needs ${dependency}, an optional peer dependency: npm install --save-dev ${dependency}`,
    );
    this.name = 'MissingDependencyError';
  }
}

/** Whether an import/resolve error says that `name` itself is missing (not one of its own dependencies). */
function isMissing(err: unknown, name: string): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  const notFound = e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND';
  return notFound && (e?.message ?? '').includes(`'${name}'`);
}

/**
 * Imports an optional peer dependency: `load` is the `import()` (a literal specifier, so that the bundler keeps
 * it external); a missing package becomes a MissingDependencyError, any other failure is rethrown as it is.
 * @example const sdk = await loadOptional('@aws-sdk/client-s3', '--s3-endpoint', () => import('@aws-sdk/client-s3'));
 */
export async function loadOptional<T>(name: string, feature: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (isMissing(err, name)) throw new MissingDependencyError(name, feature);
    throw err;
  }
}

const localRequire = createRequire(import.meta.url);

/**
 * Fails fast, without loading it (a resolve is ~0.1 ms, loading the AWS SDK ~480 ms), when a feature that was
 * asked for needs an optional peer dependency that is not installed.
 */
export function assertInstalled(
  name: string,
  feature: string,
  resolve: (name: string) => string = localRequire.resolve,
): void {
  try {
    resolve(name);
  } catch (err) {
    if (isMissing(err, name)) throw new MissingDependencyError(name, feature);
    throw err;
  }
}

export const S3_SDK = '@aws-sdk/client-s3';
export const PACT = '@pact-foundation/pact';
/** The features, as the error names them. */
export const S3_FEATURE = 'S3 storage (--s3-endpoint)';
export const PACT_FEATURE = 'ricloud-mock verify';
