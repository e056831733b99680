// /configs/storage: create/update (→ new, then tested), list, retrieve, delete, and test (honours Ricloud-Await).
import { Hono } from 'hono';
import type { Query, RequestBody } from '../../../openapi/types.ts';
import type { RicloudEnv } from '../../domain/context.ts';
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

/** @see ../shared/api/docs/storage-configs.md */
export const storageConfigsRoutes = new Hono<RicloudEnv>();

function found(org: OrgState, id: string): StorageConfigRecord {
  const config = org.storageConfigs.get(id);
  if (!config) throw Errors.notFound('storage_config', id);
  return config;
}

storageConfigsRoutes.get('/', (c) => {
  const ctx = c.get('mock');
  const q = c.get('query') as Query<'listStorageConfigs'>;
  const items = c
    .get('org')
    .storageConfigs.newestFirst()
    .filter((s) => q.state === undefined || s.state === q.state);
  return c.json(paginate(items, q, '/configs/storage', (s) => presentStorageConfig(ctx, s)));
});

storageConfigsRoutes.post('/', (c) => {
  const ctx = c.get('mock');
  const body = c.get('body') as RequestBody<'createStorageConfig'>;
  const config = createStorageConfig(ctx, c.get('org'), c.get('key'), body);
  return c.json(presentStorageConfig(ctx, config), 201);
});

storageConfigsRoutes.get('/:id', (c) =>
  c.json(presentStorageConfig(c.get('mock'), found(c.get('org'), c.req.param('id')))),
);

storageConfigsRoutes.post('/:id', (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const config = found(org, c.req.param('id'));
  const body = c.get('body') as RequestBody<'updateStorageConfig'>;
  updateStorageConfig(ctx, org, c.get('key'), config, body);
  return c.json(presentStorageConfig(ctx, config));
});

storageConfigsRoutes.delete('/:id', (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const config = deleteStorageConfig(ctx, org, found(org, c.req.param('id')));
  return c.json(presentStorageConfig(ctx, config));
});

storageConfigsRoutes.post('/:id/test', async (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const config = found(org, c.req.param('id'));
  // A deleted (deactivated) config is not tested, as for webhook configs; an update brings it back.
  if (config.state === 'deactivated') throw Errors.invalidState('storage_config', config.id, config.state);
  const task = startStorageTest(ctx, org, c.get('key'), config);
  await awaitCondition(
    ctx,
    c.get('awaitSeconds'),
    () => task.state === 'succeeded' || task.state === 'failed',
  );
  return c.json(presentTask(ctx, org, task));
});
