// /configs/storage: create/update (→ new, then tested), list, retrieve, delete, and test (honours Ricloud-Await).
import { Errors } from '../../domain/errors.ts';
import { paginate } from '../../domain/lists.ts';
import { presentStorageConfig, presentTask } from '../../domain/presenters.ts';
import {
  createStorageConfig,
  deleteStorageConfig,
  startStorageTest,
  updateStorageConfig,
} from '../../domain/storage-config.ts';
import type { OrgState, StorageConfigRecord } from '../../domain/store.ts';
import { awaitCondition } from '../../runtime/await.ts';
import { type Handler, input, type RouteHandlers } from '../operations.ts';

function found(org: OrgState, id: string): StorageConfigRecord {
  const config = org.storageConfigs.get(id);
  if (!config) throw Errors.notFound('storage_config', id);
  return config;
}

const listStorageConfigs: Handler<'listStorageConfigs'> = (c) => {
  const ctx = c.get('mock');
  const q = input(c).query;
  const items = c
    .get('org')
    .storageConfigs.newestFirst()
    .filter((s) => q.state === undefined || s.state === q.state);
  return c.json(paginate(items, q, '/configs/storage', (s) => presentStorageConfig(ctx, s)));
};

const createStorageConfigHandler: Handler<'createStorageConfig'> = (c) => {
  const ctx = c.get('mock');
  const body = input(c).body;
  const config = createStorageConfig(ctx, c.get('org'), c.get('key'), body);
  return c.json(presentStorageConfig(ctx, config), 201);
};

const retrieveStorageConfig: Handler<'retrieveStorageConfig'> = (c) =>
  c.json(presentStorageConfig(c.get('mock'), found(c.get('org'), input(c).params.id)));

const updateStorageConfigHandler: Handler<'updateStorageConfig'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const config = found(org, input(c).params.id);
  const body = input(c).body;
  updateStorageConfig(ctx, org, c.get('key'), config, body);
  return c.json(presentStorageConfig(ctx, config));
};

const deleteStorageConfigHandler: Handler<'deleteStorageConfig'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const config = deleteStorageConfig(ctx, org, found(org, input(c).params.id));
  return c.json(presentStorageConfig(ctx, config));
};

const testStorageConfig: Handler<'testStorageConfig'> = async (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const config = found(org, input(c).params.id);
  // A deleted (deactivated) config is not tested, as for webhook configs; an update brings it back.
  if (config.state === 'deactivated') throw Errors.invalidState('storage_config', config.id, config.state);
  const task = startStorageTest(ctx, org, c.get('key'), config);
  await awaitCondition(
    ctx.scheduler,
    org.id,
    c.get('awaitSeconds'),
    () => task.state === 'succeeded' || task.state === 'failed',
  );
  return c.json(presentTask(ctx, org, task));
};

/** @see https://reincubate.com/support/ricloud/storage-configs */
export const storageConfigsHandlers = {
  listStorageConfigs,
  createStorageConfig: createStorageConfigHandler,
  retrieveStorageConfig,
  updateStorageConfig: updateStorageConfigHandler,
  deleteStorageConfig: deleteStorageConfigHandler,
  testStorageConfig,
} satisfies RouteHandlers;
