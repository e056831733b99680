// Presets: the organisations a fresh mock boots with (default: permissive and configured; getting-started: the docs' walkthrough).
import type { OrganisationPermissions, Scopes } from '../../openapi/types.ts';
import { toIso } from '../runtime/clock.ts';
import type { MockContext } from './context.ts';
import {
  type KeyRecord,
  newOrgState,
  type OrgState,
  type StorageConfigRecord,
  type WebhookConfigRecord,
} from './store.ts';
import { insertWebhookConfig } from './webhook-config.ts';

export const PRESET_NAMES = ['default', 'getting-started'] as const;

/** Every source, task, data, info and file type: lets every documented flow run. */
export const PERMISSIVE_SCOPES: Scopes = {
  'source_type:*': [],
  'task_type:*': [],
  'info_type:*': [],
  'data_type:*': [],
  'file_type:*': [],
};

/** The walkthrough's organisation permissions, verbatim (https://reincubate.com/support/ricloud/getting-started). */
export const GETTING_STARTED_SCOPES: Scopes = {
  'source_type:icloud.*': [],
  'task_type:*': [],
  'data_type:icloud.account.info': [],
};

/** Turns a name into the organisation slug ("Getting started" → "getting-started"). */
export function slugify(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'organisation'
  );
}

export interface NewOrganisationOptions {
  name: string;
  scopes?: Scopes;
  /** Fixed token for the first key (else drawn from the seed). */
  token?: string;
  /** A storage config url made `valid` and default at once (else the organisation starts `unconfigured`). */
  storageUrl?: string;
  dateCreated?: string;
  permissionsDateCreated?: string;
  /** The organisation's mock time at creation, ms (a tenant's own clock; default: the main clock). */
  now?: number;
}

/**
 * Creates an organisation with one active key: the building block of presets and of the control API's tenants.
 * Ids come from the shared seeded counters, so the first organisation of a fresh mock is always 1.
 */
export function createOrganisation(
  ctx: MockContext,
  options: NewOrganisationOptions,
): { org: OrgState; key: KeyRecord } {
  const now = toIso(options.now ?? ctx.clock.now());
  const id = ctx.ids.nextNumber('organisation');
  const permissions: OrganisationPermissions = {
    id: ctx.ids.nextNumber('permissions'),
    resource: 'permissions',
    identifier: 'default',
    scopes: structuredClone(options.scopes ?? PERMISSIVE_SCOPES),
    date_created: options.permissionsDateCreated ?? now,
  } as OrganisationPermissions;
  const org = newOrgState(
    {
      id,
      resource: 'organisation',
      type: 'standard',
      name: options.name,
      slug: slugify(options.name),
      config: { publish_source_files: false },
      storage_config_default: null,
      webhook_config_default: null,
      state: 'unconfigured',
      date_created: options.dateCreated ?? now,
    } as OrgState['organisation'],
    permissions,
  );
  const key: KeyRecord = {
    id: ctx.ids.next('key'),
    resource: 'key',
    organisation: String(id),
    type: 'standard',
    config: {},
    storage_config: null,
    webhook_config: null,
    token: options.token ?? ctx.ids.token(),
    state: 'active',
    date_created: now,
    date_expires: null,
  } as KeyRecord;
  org.keys.insert(key);
  if (options.storageUrl) {
    const config: StorageConfigRecord = {
      id: ctx.ids.next('storage_config'),
      resource: 'storage_config',
      organisation: String(id),
      type: options.storageUrl.split(':')[0] ?? 'local',
      url: options.storageUrl,
      credentials: null,
      signed_urls_enabled: true,
      signed_urls_expiry: 3600,
      state: 'valid',
      date_created: now,
      x: { credentials: null },
    } as StorageConfigRecord;
    org.storageConfigs.insert(config);
    org.organisation.storage_config_default = config.id;
    org.organisation.state = 'active';
  }
  ctx.world.addOrg(org);
  return { org, key };
}

/**
 * Boots a preset into an empty world and returns its first key.
 * @see https://reincubate.com/support/ricloud/getting-started
 */
export function applyPreset(ctx: MockContext, name: string): { org: OrgState; key: KeyRecord } {
  switch (name) {
    case 'getting-started':
      return createOrganisation(ctx, {
        name: 'Getting started',
        scopes: GETTING_STARTED_SCOPES,
        token: ctx.options.token,
        dateCreated: '2018-11-22T12:59:57.016467Z',
        permissionsDateCreated: '2018-11-22T12:59:57.168354Z',
      });
    case 'default':
      return createOrganisation(ctx, {
        name: 'Mock Organisation',
        token: ctx.options.token,
        storageUrl: ctx.options.storageUrl,
      });
    default:
      throw new RangeError(`unknown preset ${name}; known: ${PRESET_NAMES.join(', ')}`);
  }
}

/**
 * Adds a webhook config that is `valid` at once, without its test, and makes it the default when there is none:
 * for worlds built in-process (provider states) that need subscriptions, which need a valid webhook config
 * (https://reincubate.com/support/ricloud/webhook-configs). Events are then delivered to `url` for real.
 */
export function addValidWebhookConfig(ctx: MockContext, org: OrgState, url: string): WebhookConfigRecord {
  const config = insertWebhookConfig(ctx, org, url, 'valid');
  org.organisation.webhook_config_default ??= config.id;
  return config;
}
