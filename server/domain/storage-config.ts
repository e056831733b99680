// Storage configs: create/update → `new` + a storage_config.test task → `valid`/`invalid`, and which config applies.
import type { RequestBody } from '../../openapi/types.ts';
import { toIso } from '../runtime/clock.ts';
import { CONFIG_EVENTS, CONFIG_STATES, type ConfigEvent, type ConfigState } from './config-machine.ts';
import { type MockContext, nowOf } from './context.ts';
import { Errors } from './errors.ts';
import { assertNever, type MachineDefinition, reject, rejection, type Transition } from './machine.ts';
import { parseStorageUrl, testStorage } from './publish.ts';
import type { KeyRecord, OrgState, StorageConfigRecord, TaskRecord } from './store.ts';
import { applyTaskEvent, newTask, supersedeEarlierTests } from './task.ts';

export const STORAGE_TEST_JOB = 'storage_config.test';
const STORAGE_TEST_TASK_TYPE = 'storage_config.test';

// ---------------------------------------------------------------------------------------------------------------
// The storage config machine

export type StorageConfigState = ConfigState;
export type StorageConfigEvent = ConfigEvent;

export type StorageConfigEffect =
  /** Cancel the config's scheduled test. */
  | { type: 'cancel-tests' }
  /** No key keeps it as its override, and it is no longer the organisation's default. */
  | { type: 'release-overrides' }
  /** The organisation's state and default follow its valid configs (`refreshOrganisation`). */
  | { type: 'refresh-organisation' };

/**
 * The storage config machine: a test puts any config (a deactivated one too: an update brings it back) in `new`;
 * its result makes it `valid` or `invalid`; DELETE makes it `deactivated`, which a late test result does not undo.
 * @see https://reincubate.com/support/ricloud/storage-configs
 */
export function storageConfigTransition(
  state: StorageConfigState,
  event: StorageConfigEvent,
): Transition<StorageConfigState, StorageConfigEffect> {
  switch (event.type) {
    case 'test-started':
      return { state: 'new', effects: [{ type: 'refresh-organisation' }] };
    case 'test-passed':
    case 'test-failed':
      if (state === 'deactivated') return reject(state, 'the config is deactivated');
      return {
        state: event.type === 'test-passed' ? 'valid' : 'invalid',
        effects: [{ type: 'refresh-organisation' }],
      };
    case 'deactivate':
      if (state === 'deactivated') return reject(state, 'the config is already deactivated');
      return {
        state: 'deactivated',
        effects: [{ type: 'cancel-tests' }, { type: 'release-overrides' }, { type: 'refresh-organisation' }],
      };
    default:
      return assertNever(event);
  }
}

export const storageConfigMachine: MachineDefinition<
  StorageConfigState,
  StorageConfigEvent,
  StorageConfigEffect
> = {
  initial: 'new',
  states: CONFIG_STATES,
  events: CONFIG_EVENTS,
  transition: storageConfigTransition,
};

/** The storage config runner: applies an event and runs its effects; false when the pair is illegal. */
function applyStorageConfigEvent(
  ctx: MockContext,
  org: OrgState,
  config: StorageConfigRecord,
  event: StorageConfigEvent,
): boolean {
  const t = storageConfigTransition(config.state, event);
  if (rejection(t) !== undefined) return false;
  config.state = t.state;
  for (const effect of t.effects) {
    switch (effect.type) {
      case 'cancel-tests':
        ctx.scheduler.cancel(
          (j) => j.kind === STORAGE_TEST_JOB && j.org === org.id && j.args.config === config.id,
        );
        break;
      case 'release-overrides':
        for (const k of org.keys.values()) if (k.storage_config === config.id) k.storage_config = null;
        if (org.organisation.storage_config_default === config.id)
          org.organisation.storage_config_default = null;
        break;
      case 'refresh-organisation':
        refreshOrganisation(org);
        break;
      case 'reject':
        break;
      default:
        assertNever(effect);
    }
  }
  return true;
}

/** DIVERGENCE(polls.signed-urls-default-expiry): the docs give no default expiry for signed urls; one hour. */
export const DEFAULT_SIGNED_URLS_EXPIRY = 3600;

type StorageInput = RequestBody<'updateStorageConfig'>;

/**
 * The storage config that applies to a key when it is `valid`: the key's override, else the organisation default.
 * A key's override that is not valid does not fall back to the default (the key asked for that config).
 * @see https://reincubate.com/support/ricloud/keys (Storage and webhook configs)
 */
export function applicableStorageConfig(
  org: OrgState,
  key: KeyRecord | undefined,
): StorageConfigRecord | undefined {
  const id = key?.storage_config ?? org.organisation.storage_config_default;
  const config = org.storageConfigs.get(id);
  return config?.state === 'valid' ? config : undefined;
}

function checkUrl(ctx: MockContext, url: string): 'local' | 's3' | 'gs' {
  const target = parseStorageUrl(url);
  if ('error' in target) throw Errors.invalidParameters({ url: target.error });
  const outside = target.scheme === 'local' ? outsideStorageRoots(ctx, target.folder) : undefined;
  if (outside) throw Errors.invalidParameters({ url: outside });
  return target.scheme;
}

/**
 * Why a local folder is outside the mock's storage roots (`--storage-root`), or undefined when it is inside or no
 * roots are set. DIVERGENCE(mock-security.allow-lists): an opt-in allow-list of the mock's host, which the real
 * API (writing to the customer's bucket) has no need of.
 */
export function outsideStorageRoots(ctx: MockContext, folder: string): string | undefined {
  const roots = ctx.options.storageRoots;
  if (!roots || roots.some((root) => folder === root || folder.startsWith(`${root.replace(/\/+$/, '')}/`)))
    return undefined;
  return `must be inside a storage root of the mock (${roots.join(', ')})`;
}

/** The bounds of `signed_urls_expiry`, seconds: the spec's SignedUrlsExpiry (ajv enforces it first). */
export const SIGNED_URLS_EXPIRY = { min: 1, max: 365 * 86400 };

function checkExpiry(expiry: number | undefined): void {
  // DIVERGENCE(polls.signed-urls-expiry-bounds): the docs give no bounds. Under a second a url expires before it can be fetched (5e-324 s is 0 ms);
  // over a year is certainly a client bug (and Date arithmetic overflows).
  if (expiry !== undefined && !(expiry >= SIGNED_URLS_EXPIRY.min && expiry <= SIGNED_URLS_EXPIRY.max)) {
    throw Errors.invalidParameters({ signed_urls_expiry: 'must be between 1 and 31536000 seconds' });
  }
}

/** Starts a storage_config.test task: `new` now, `valid`/`invalid` after `timings.configTestMs`. */
export function startStorageTest(
  ctx: MockContext,
  org: OrgState,
  key: KeyRecord,
  config: StorageConfigRecord,
): TaskRecord {
  const task = newTask(ctx, org, { key: key.id, type: STORAGE_TEST_TASK_TYPE, target: config.id });
  org.tasks.insert(task);
  // A new test supersedes every earlier one of this config that has not finished (the rule is in task.ts).
  ctx.scheduler.cancel((j) => j.kind === STORAGE_TEST_JOB && j.org === org.id && j.args.config === config.id);
  supersedeEarlierTests(ctx, org, task);
  applyStorageConfigEvent(ctx, org, config, { type: 'test-started' });
  ctx.scheduler.schedule(
    STORAGE_TEST_JOB,
    org.id,
    { config: config.id, task: task.id },
    ctx.options.timings.configTestMs,
  );
  return task;
}

/**
 * POST /configs/storage: the url is checked for form (400), the credentials kept apart and never echoed.
 * @see https://reincubate.com/support/ricloud/storage-configs
 */
export function createStorageConfig(
  ctx: MockContext,
  org: OrgState,
  key: KeyRecord,
  body: RequestBody<'createStorageConfig'>,
): StorageConfigRecord {
  const type = checkUrl(ctx, body.url);
  checkExpiry(body.signed_urls_expiry);
  const config: StorageConfigRecord = {
    id: ctx.ids.next('storage_config'),
    resource: 'storage_config',
    organisation: String(org.id),
    type,
    url: body.url,
    credentials: null,
    signed_urls_enabled: body.signed_urls_enabled ?? false,
    signed_urls_expiry: body.signed_urls_expiry ?? DEFAULT_SIGNED_URLS_EXPIRY,
    state: 'new',
    date_created: toIso(nowOf(ctx, org)),
    x: { credentials: body.credentials ? structuredClone(body.credentials) : null },
  } as StorageConfigRecord;
  org.storageConfigs.insert(config);
  startStorageTest(ctx, org, key, config);
  return config;
}

/** POST /configs/storage/{id}: any change puts the config back to `new` and retests it. */
export function updateStorageConfig(
  ctx: MockContext,
  org: OrgState,
  key: KeyRecord,
  config: StorageConfigRecord,
  body: StorageInput,
): StorageConfigRecord {
  const type = body.url === undefined ? undefined : checkUrl(ctx, body.url);
  checkExpiry(body.signed_urls_expiry);
  if (body.url !== undefined && type) {
    config.url = body.url;
    config.type = type;
  }
  if (body.credentials !== undefined) config.x.credentials = structuredClone(body.credentials);
  if (body.signed_urls_enabled !== undefined) config.signed_urls_enabled = body.signed_urls_enabled;
  if (body.signed_urls_expiry !== undefined) config.signed_urls_expiry = body.signed_urls_expiry;
  startStorageTest(ctx, org, key, config);
  return config;
}

/**
 * DELETE /configs/storage/{id}: the config is `deactivated` and kept (its id still answers, like a deleted webhook
 * config's); it is no longer any key's override, and when it was the default the oldest remaining valid config
 * becomes the default (else null). Deleting it again returns it unchanged; an update brings it back.
 * DIVERGENCE(polls.storage-delete-deactivates): the docs list `deactivated` but do not describe delete.
 */
export function deleteStorageConfig(
  ctx: MockContext,
  org: OrgState,
  config: StorageConfigRecord,
): StorageConfigRecord {
  applyStorageConfigEvent(ctx, org, config, { type: 'deactivate' });
  return config;
}

/**
 * Keeps the organisation in step with its configs: `unconfigured` ↔ `active` as valid configs come and go
 * (blocked and deactivated organisations are left alone), and the first valid config becomes the default when
 * there is none (a mock decision; the organisations page says only "state is unconfigured which reflects the lack of valid storage configs").
 */
export function refreshOrganisation(org: OrgState): void {
  const o = org.organisation;
  const valid = org.storageConfigs.filter((s) => s.state === 'valid');
  if (!o.storage_config_default || !org.storageConfigs.get(o.storage_config_default)) {
    o.storage_config_default = valid[0]?.id ?? null;
  }
  if (o.state === 'unconfigured' && valid.length) o.state = 'active';
  else if (o.state === 'active' && !valid.length) o.state = 'unconfigured';
}

function finishTest(
  ctx: MockContext,
  org: OrgState,
  configId: string,
  taskId: string,
  reason: string | null,
): void {
  const config = org.storageConfigs.get(configId);
  const task = org.tasks.get(taskId);
  if (task) {
    applyTaskEvent(
      ctx,
      org,
      task,
      reason === null ? { type: 'succeed' } : { type: 'fail', error: 'storage-config-invalid' },
    );
  }
  if (!config) return;
  applyStorageConfigEvent(ctx, org, config, { type: reason === null ? 'test-passed' : 'test-failed' });
  // Never log the config itself: its credentials must not reach any log.
  ctx.logger.info(
    { org: org.id, storageConfig: configId, state: config.state, reason },
    'storage config tested',
  );
}

/** Registers the storage_config.test job. */
export function registerStorageConfigJobs(ctx: MockContext): void {
  ctx.scheduler.register(STORAGE_TEST_JOB, (job) => {
    const org = ctx.world.orgs.get(job.org ?? -1);
    if (!org) return;
    const configId = String(job.args.config);
    const taskId = String(job.args.task);
    const config = org.storageConfigs.get(configId);
    const task = org.tasks.get(taskId);
    if (!config) {
      if (task?.state === 'pending') applyTaskEvent(ctx, org, task, { type: 'fail', error: 'not-found' });
      return;
    }
    if (task?.state === 'pending') applyTaskEvent(ctx, org, task, { type: 'start' });
    const outcome = testStorage(ctx, config);
    if (outcome instanceof Promise) {
      const url = config.url;
      return outcome.then((reason) => {
        // An update while the bucket was probed starts a new test; this stale one must not decide.
        if (org.storageConfigs.get(configId)?.url !== url || org.tasks.get(taskId)?.state !== 'processing')
          return;
        finishTest(ctx, org, configId, taskId, reason);
      });
    }
    finishTest(ctx, org, configId, taskId, outcome);
  });
}
