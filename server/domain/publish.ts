// Publication back-ends: where a result's bytes go (a local folder, a real S3 endpoint, or the mock's blob store).
import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { loadOptional, MissingDependencyError, S3_FEATURE, S3_SDK } from '../runtime/optional-deps.ts';
import type { MockContext } from './context.ts';
import type { OrgState, StorageConfigRecord } from './store.ts';

/** The most blobs one organisation's blob store keeps (oldest dropped first). */
export const MAX_BLOBS = 5_000;

/** Where a storage config url points. */
export type StorageTarget =
  | { scheme: 'local'; folder: string }
  | { scheme: 's3' | 'gs'; bucket: string; prefix: string };

/** Parses a storage config url, or returns why it cannot be used (a 400 for create/update). */
export function parseStorageUrl(url: string): StorageTarget | { error: string } {
  const match = /^(local|s3|gs):\/\/(.*)$/.exec(url);
  if (!match) return { error: 'must be gs://bucket/prefix, s3://bucket/prefix or local://<absolute path>' };
  const scheme = match[1] as 'local' | 's3' | 'gs';
  const rest = match[2] ?? '';
  if (rest.includes('\u0000')) return { error: 'must not contain NUL characters' };
  const segments = rest.split(/[\\/]/);
  // Refuse any url that could climb out of the folder or bucket prefix it names.
  if (segments.some((s) => s === '..' || s === '.'))
    return { error: 'must not contain "." or ".." path segments' };
  if (scheme === 'local') {
    if (!isAbsolute(rest))
      return { error: 'local:// must be followed by an absolute path (local:///tmp/results)' };
    return { scheme, folder: resolve(rest) };
  }
  const [bucket = '', ...prefix] = rest.split('/');
  if (!bucket) return { error: 'must name a bucket' };
  return { scheme, bucket, prefix: prefix.filter(Boolean).join('/') };
}

/** The url a result is published at: `<config url>/<poll id>/<result id>.<ext>` (the mock's layout within the config url). */
export function resultUrl(configUrl: string, pollId: string, resultId: string, ext: string): string {
  return `${configUrl.replace(/\/+$/, '')}/${pollId}/${resultId}.${ext}`;
}

/** A content type for a result's extension. */
export function contentTypeFor(ext: string): string {
  const types: Record<string, string> = {
    json: 'application/json',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    png: 'image/png',
    heic: 'image/heic',
    gif: 'image/gif',
    vcf: 'text/vcard',
    txt: 'text/plain',
  };
  return types[ext.toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file a result url names inside a local folder, or undefined when it would escape it (ids only, never `..`).
 * @see https://reincubate.com/support/ricloud/storage-configs (URLs); ricloud-py 3.2.0 ricloud/storage.py download_result_from_local
 */
export function containedPath(folder: string, objectPath: string): string | undefined {
  if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9-]+\.[A-Za-z0-9]+$/.test(objectPath)) return undefined;
  const full = resolve(folder, objectPath);
  const rel = relative(folder, full);
  if (rel.startsWith('..') || isAbsolute(rel) || rel === '') return undefined;
  return full;
}

interface S3Credentials {
  access_key_id: string;
  secret_access_key: string;
}

function s3Credentials(config: StorageConfigRecord | undefined): S3Credentials | undefined {
  const c = config?.x.credentials;
  if (c && typeof c.access_key_id === 'string' && typeof c.secret_access_key === 'string') {
    return { access_key_id: c.access_key_id, secret_access_key: c.secret_access_key };
  }
  return undefined;
}

/**
 * Whether an s3:// config goes to the real endpoint: only when the mock has one and the config carries
 * credentials. DIVERGENCE(polls.s3-without-credentials): an s3:// config without credentials (the default preset's) stays in the blob store,
 * so that starting the mock with --s3-endpoint does not break the preset.
 */
function usesEndpoint(ctx: MockContext, config: StorageConfigRecord | undefined): boolean {
  return Boolean(ctx.options.s3Endpoint) && s3Credentials(config) !== undefined;
}

type S3Sdk = typeof import('@aws-sdk/client-s3');
let s3Sdk: Promise<S3Sdk> | undefined;

/**
 * Runs one S3 call with a fresh client, destroyed after. The AWS SDK is imported on the first call only
 * (~480 ms and ~20 MB at start-up otherwise): a mock without an S3 endpoint never loads it. It is an optional peer
 * dependency: createMock refuses an s3Endpoint when it is not installed (assertInstalled).
 */
async function withS3<T>(
  ctx: MockContext,
  creds: S3Credentials,
  call: (client: S3Client, sdk: S3Sdk) => Promise<T>,
): Promise<T> {
  s3Sdk ??= loadOptional(S3_SDK, S3_FEATURE, () => import('@aws-sdk/client-s3')).catch((err: unknown) => {
    s3Sdk = undefined;
    throw err;
  });
  const sdk = await s3Sdk;
  const client = new sdk.S3Client({
    endpoint: ctx.options.s3Endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: creds.access_key_id, secretAccessKey: creds.secret_access_key },
    maxAttempts: 1,
  });
  try {
    return await call(client, sdk);
  } finally {
    client.destroy();
  }
}

function objectKey(prefix: string, objectPath: string): string {
  return prefix ? `${prefix}/${objectPath}` : objectPath;
}

/**
 * Writes a result's bytes where its storage config points. Synchronous for local folders and the blob store;
 * a promise for a real S3 endpoint (the scheduler awaits it before the task counts as published).
 * `objectPath` is `<poll id>/<result id>.<ext>`.
 */
export function publishBytes(
  ctx: MockContext,
  org: OrgState,
  config: StorageConfigRecord,
  objectPath: string,
  bytes: Uint8Array,
  contentType: string,
): void | Promise<void> {
  const target = parseStorageUrl(config.url);
  if ('error' in target) throw new Error(`storage config ${config.id}: url ${target.error}`);
  if (target.scheme === 'local') {
    const file = containedPath(target.folder, objectPath);
    if (!file) throw new Error(`refusing to write outside ${target.folder}`);
    mkdirSync(resolve(file, '..'), { recursive: true });
    writeFileSync(file, bytes);
    return;
  }
  if (target.scheme === 's3' && usesEndpoint(ctx, config)) {
    const creds = s3Credentials(config) as S3Credentials;
    return withS3(ctx, creds, (client, sdk) =>
      client.send(
        new sdk.PutObjectCommand({
          Bucket: target.bucket,
          Key: objectKey(target.prefix, objectPath),
          Body: bytes,
          ContentType: contentType,
        }),
      ),
    ).then(() => undefined);
  }
  const url = `${config.url.replace(/\/+$/, '')}/${objectPath}`;
  org.blobs.delete(url);
  org.blobs.set(url, { key: url, contentType, base64: Buffer.from(bytes).toString('base64') });
  // Bounded memory: the blob store forgets its oldest blobs past the cap (their results stay, bytes gone).
  while (org.blobs.size > MAX_BLOBS) {
    const oldest = org.blobs.keys().next();
    if (oldest.done) break;
    org.blobs.delete(oldest.value);
  }
}

/** The storage config whose url a published result url starts with (the one it was published with). */
function configOf(org: OrgState, url: string): StorageConfigRecord | undefined {
  return org.storageConfigs.find((s) => url.startsWith(`${s.url.replace(/\/+$/, '')}/`));
}

/** Splits a result url into its config url part and the `<poll>/<result>.<ext>` object path. */
function splitResultUrl(url: string): { base: string; objectPath: string } | undefined {
  const m = /^(.*)\/([^/]+\/[^/]+)$/.exec(url);
  return m ? { base: m[1] as string, objectPath: m[2] as string } : undefined;
}

/** Reads back the bytes of a published result (signed urls serve them), or undefined when they are gone. */
export async function readPublished(
  ctx: MockContext,
  org: OrgState,
  url: string,
): Promise<{ bytes: Uint8Array; contentType: string } | undefined> {
  const split = splitResultUrl(url);
  if (!split) return undefined;
  const ext = split.objectPath.split('.').pop() ?? '';
  const target = parseStorageUrl(split.base);
  if ('error' in target) return undefined;
  if (target.scheme === 'local') {
    const file = containedPath(target.folder, split.objectPath);
    if (!file) return undefined;
    try {
      return { bytes: new Uint8Array(readFileSync(file)), contentType: contentTypeFor(ext) };
    } catch {
      return undefined;
    }
  }
  const blob = org.blobs.get(url);
  if (blob)
    return { bytes: new Uint8Array(Buffer.from(blob.base64, 'base64')), contentType: blob.contentType };
  const config = configOf(org, url);
  if (target.scheme === 's3' && usesEndpoint(ctx, config)) {
    try {
      return await withS3(ctx, s3Credentials(config) as S3Credentials, async (client, sdk) => {
        const out = await client.send(
          new sdk.GetObjectCommand({
            Bucket: target.bucket,
            Key: objectKey(target.prefix, split.objectPath),
          }),
        );
        const bytes = await out.Body?.transformToByteArray();
        return bytes ? { bytes, contentType: out.ContentType ?? contentTypeFor(ext) } : undefined;
      });
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Removes a published result's bytes (retention). Local files and blobs go; objects in a real S3 bucket are
 * deleted too (best effort: a failure leaves the object).
 */
export function unpublish(ctx: MockContext, org: OrgState, url: string): void | Promise<void> {
  org.blobs.delete(url);
  const split = splitResultUrl(url);
  if (!split) return;
  const target = parseStorageUrl(split.base);
  if ('error' in target) return;
  if (target.scheme === 'local') {
    const file = containedPath(target.folder, split.objectPath);
    if (file) rmSync(file, { force: true });
    return;
  }
  const config = configOf(org, url);
  if (target.scheme === 's3' && usesEndpoint(ctx, config)) {
    return withS3(ctx, s3Credentials(config) as S3Credentials, (client, sdk) =>
      client.send(
        new sdk.DeleteObjectCommand({
          Bucket: target.bucket,
          Key: objectKey(target.prefix, split.objectPath),
        }),
      ),
    ).then(
      () => undefined,
      () => undefined,
    );
  }
}

const GS_FIELDS = ['type', 'project_id', 'private_key', 'client_email'] as const;

/**
 * Tests a storage config: a local folder must be writable (created, a probe file written and removed); an s3://
 * config with a real endpoint must answer HeadBucket; otherwise the credentials are checked for shape.
 * Resolves to null when valid, else the reason (never containing the credentials).
 * @see https://reincubate.com/support/ricloud/storage-configs
 */
export function testStorage(
  ctx: MockContext,
  config: StorageConfigRecord,
): string | null | Promise<string | null> {
  const target = parseStorageUrl(config.url);
  if ('error' in target) return `url ${target.error}`;
  if (target.scheme === 'local') {
    try {
      mkdirSync(target.folder, { recursive: true });
      const probe = join(target.folder, `.ricloud-mock-probe-${config.id}`);
      writeFileSync(probe, 'probe');
      unlinkSync(probe);
      return null;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      return `the folder ${target.folder} is not writable (${code})`;
    }
  }
  const creds = config.x.credentials;
  // DIVERGENCE(polls.s3-without-credentials): the preset's own config (url = the mock's --storage-url, no credentials) is the mock's blob store,
  // which needs no credentials: retesting it keeps it valid.
  if (creds === null && config.url === ctx.options.storageUrl) return null;
  if (target.scheme === 'gs') {
    const missing = GS_FIELDS.filter((f) => typeof creds?.[f] !== 'string' || !creds[f]);
    return missing.length ? `gs credentials lack the service-account fields ${missing.join(', ')}` : null;
  }
  const s3 = s3Credentials(config);
  if (!s3?.access_key_id || !s3.secret_access_key) {
    return 's3 credentials need access_key_id and secret_access_key';
  }
  if (!ctx.options.s3Endpoint) return null;
  return withS3(ctx, s3, (client, sdk) =>
    client.send(new sdk.HeadBucketCommand({ Bucket: target.bucket })),
  ).then(
    () => null,
    (err: { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }) =>
      err instanceof MissingDependencyError
        ? err.message
        : `the bucket ${target.bucket} did not answer (${err.name ?? 'error'} ${err.$metadata?.httpStatusCode ?? ''})`.trim(),
  );
}
