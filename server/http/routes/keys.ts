// /keys and /key: an organisation's API keys (create, list, retrieve, update, rotate) and the calling key.
import { nowOf } from '../../domain/context.ts';
import { Errors } from '../../domain/errors.ts';
import { paginate } from '../../domain/lists.ts';
import { presentKey } from '../../domain/presenters.ts';
import type { KeyRecord, OrgState } from '../../domain/store.ts';
import { toIso } from '../../runtime/clock.ts';
import { type Handler, input, type RouteHandlers } from '../operations.ts';

/** A sequential id reference as sent (string or number: requests.string-ids in the fidelity ledger) → the stored string; null/undefined kept. */
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

const retrieveCurrentKey: Handler<'retrieveCurrentKey'> = (c) =>
  c.json(presentKey(c.get('mock'), c.get('key')));

const listKeys: Handler<'listKeys'> = (c) => {
  const org = c.get('org');
  const query = input(c).query;
  const items = org.keys.newestFirst().filter((k) => query.state === undefined || k.state === query.state);
  return c.json(paginate(items, query, '/keys', (k) => presentKey(c.get('mock'), k)));
};

const createKey: Handler<'createKey'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const body = input(c).body;
  const storageConfig = refId(body.storage_config) ?? null;
  const webhookConfig = refId(body.webhook_config) ?? null;
  checkConfigRefs(org, storageConfig, webhookConfig);
  const key = {
    id: ctx.ids.next('key'),
    resource: 'key',
    organisation: String(org.id),
    type: 'standard',
    config: { ...body.config },
    storage_config: storageConfig,
    webhook_config: webhookConfig,
    token: ctx.ids.token(),
    state: 'active',
    date_created: toIso(nowOf(ctx, org)),
    date_expires: null,
  } as KeyRecord;
  org.keys.insert(key);
  ctx.world.indexToken(key.token, org.id, key.id);
  return c.json(presentKey(ctx, key), 201);
};

const retrieveKey: Handler<'retrieveKey'> = (c) =>
  c.json(presentKey(c.get('mock'), findKey(c.get('org'), input(c).params.id)));

const updateKey: Handler<'updateKey'> = (c) => {
  const org = c.get('org');
  const key = findKey(org, input(c).params.id);
  const body = input(c).body;
  const storageConfig = refId(body.storage_config);
  const webhookConfig = refId(body.webhook_config);
  checkConfigRefs(org, storageConfig, webhookConfig);
  if (body.state !== undefined && body.state !== key.state) {
    if (key.state === 'blocked' || key.state === 'expired') {
      // Blocked keys are an API admin's decision and expired trial keys stay expired: the owner cannot revive them.
      throw Errors.invalidState('key', key.id, key.state);
    }
    if (body.state === 'deactivated' && key.id === c.get('key').id) {
      // DIVERGENCE(access.key-self-deactivate): the docs do not say whether a key may deactivate itself; the mock refuses (409) so that a
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
  if (body.config !== undefined) key.config = { ...key.config, ...body.config };
  return c.json(presentKey(c.get('mock'), key));
};

const rotateKey: Handler<'rotateKey'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const key = findKey(org, input(c).params.id);
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
};

/** @see https://reincubate.com/support/ricloud/keys */
/** `GET /key`: the calling key (ricloud-py `Key.current()`). */
export const keysHandlers = {
  listKeys,
  createKey,
  retrieveKey,
  updateKey,
  rotateKey,
  retrieveCurrentKey,
} satisfies RouteHandlers;
