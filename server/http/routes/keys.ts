// /keys and /key: an organisation's API keys (create, list, retrieve, update, rotate) and the calling key.
import { Hono } from 'hono';
import type { Query, RequestBody } from '../../../openapi/types.ts';
import type { RicloudEnv } from '../../domain/context.ts';
import { Errors } from '../../domain/errors.ts';
import { paginate } from '../../domain/lists.ts';
import { presentKey } from '../../domain/presenters.ts';
import type { KeyRecord, OrgState } from '../../domain/store.ts';
import { toIso } from '../../runtime/clock.ts';

/** A sequential id reference as sent (string or number, reference §1) → the stored string; null/undefined kept. */
function refId(value: string | number | null | undefined): string | null | undefined {
  return value === undefined || value === null ? value : String(value);
}

/** Checks the storage/webhook config references of a key body before anything changes. */
function checkConfigRefs(
  org: OrgState,
  storageConfig: string | null | undefined,
  webhookConfig: string | null | undefined,
): void {
  if (storageConfig && !org.storageConfigs.get(storageConfig))
    throw Errors.notFound('storage_config', storageConfig);
  if (webhookConfig && !org.webhookConfigs.get(webhookConfig))
    throw Errors.notFound('webhook_config', webhookConfig);
}

function findKey(org: OrgState, id: string): KeyRecord {
  const key = org.keys.get(id);
  if (!key) throw Errors.notFound('key', id);
  return key;
}

/** @see ../shared/api/docs/keys.md */
export const keysRoutes = new Hono<RicloudEnv>();

/** `GET /key`: the calling key (ricloud-py `Key.current()`). */
export const currentKeyRoutes = new Hono<RicloudEnv>();

currentKeyRoutes.get('/', (c) => c.json(presentKey(c.get('mock'), c.get('key'))));

keysRoutes.get('/', (c) => {
  const org = c.get('org');
  const query = c.get('query') as Query<'listKeys'>;
  const items = org.keys.newestFirst().filter((k) => query.state === undefined || k.state === query.state);
  return c.json(paginate(items, query, '/keys', (k) => presentKey(c.get('mock'), k)));
});

keysRoutes.post('/', (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const body = c.get('body') as RequestBody<'createKey'>;
  const storageConfig = refId(body.storage_config) ?? null;
  const webhookConfig = refId(body.webhook_config) ?? null;
  checkConfigRefs(org, storageConfig, webhookConfig);
  const key = {
    id: ctx.ids.next('key'),
    resource: 'key',
    organisation: String(org.id),
    type: 'standard',
    config: {},
    storage_config: storageConfig,
    webhook_config: webhookConfig,
    token: ctx.ids.token(),
    state: 'active',
    date_created: toIso(ctx.clock.now()),
    date_expires: null,
  } as KeyRecord;
  org.keys.insert(key);
  ctx.world.indexToken(key.token, org.id, key.id);
  return c.json(presentKey(ctx, key), 201);
});

keysRoutes.get('/:id', (c) => c.json(presentKey(c.get('mock'), findKey(c.get('org'), c.req.param('id')))));

keysRoutes.post('/:id', (c) => {
  const org = c.get('org');
  const key = findKey(org, c.req.param('id'));
  const body = c.get('body') as RequestBody<'updateKey'>;
  const storageConfig = refId(body.storage_config);
  const webhookConfig = refId(body.webhook_config);
  checkConfigRefs(org, storageConfig, webhookConfig);
  if (body.state !== undefined && body.state !== key.state) {
    if (key.state === 'blocked' || key.state === 'expired') {
      // Blocked keys are an API admin's decision and expired trial keys stay expired: the owner cannot revive them.
      throw Errors.invalidState('key', key.id, key.state);
    }
    if (body.state === 'deactivated' && key.id === c.get('key').id) {
      // DIVERGENCE: the docs do not say whether a key may deactivate itself; the mock refuses (409) so that a
      // client cannot lock itself out of its own organisation with one call — use another key to do it.
      throw Errors.invalidState(
        'key',
        key.id,
        key.state,
        'A key cannot deactivate itself: use another key of the organisation.',
      );
    }
  }
  if (storageConfig !== undefined) key.storage_config = storageConfig;
  if (webhookConfig !== undefined) key.webhook_config = webhookConfig;
  if (body.state !== undefined) key.state = body.state;
  return c.json(presentKey(c.get('mock'), key));
});

keysRoutes.post('/:id/rotate', (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const key = findKey(org, c.req.param('id'));
  if (key.state === 'blocked' || key.state === 'expired') {
    throw Errors.invalidState(
      'key',
      key.id,
      key.state,
      `The key ${key.id} is ${key.state}: it cannot be rotated.`,
    );
  }
  const old = key.token;
  key.token = ctx.ids.token();
  ctx.world.unindexToken(old);
  ctx.world.indexToken(key.token, org.id, key.id);
  return c.json(presentKey(ctx, key));
});
