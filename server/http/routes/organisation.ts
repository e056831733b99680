// /organisation (singular): the calling key's organisation; update is POST.
import { Errors } from '../../domain/errors.ts';
import { presentOrganisation } from '../../domain/presenters.ts';
import { slugify } from '../../domain/presets.ts';
import { type Handler, input, type RouteHandlers } from '../operations.ts';

const retrieveOrganisation: Handler<'retrieveOrganisation'> = (c) =>
  c.json(presentOrganisation(c.get('mock'), c.get('org')));

const updateOrganisation: Handler<'updateOrganisation'> = (c) => {
  const org = c.get('org');
  const body = input(c).body;
  const o = org.organisation;
  // Check every reference before changing anything: a rejected update changes nothing.
  const storageDefault =
    body.storage_config_default === undefined || body.storage_config_default === null
      ? body.storage_config_default
      : String(body.storage_config_default);
  const webhookDefault =
    body.webhook_config_default === undefined || body.webhook_config_default === null
      ? body.webhook_config_default
      : String(body.webhook_config_default);
  if (storageDefault && !org.storageConfigs.get(storageDefault))
    throw Errors.notFound('storage_config', storageDefault);
  if (webhookDefault && !org.webhookConfigs.get(webhookDefault))
    throw Errors.notFound('webhook_config', webhookDefault);
  if (body.name !== undefined) {
    o.name = body.name;
    o.slug = slugify(body.name);
  }
  if (storageDefault !== undefined) o.storage_config_default = storageDefault;
  if (webhookDefault !== undefined) o.webhook_config_default = webhookDefault;
  if (body.config) o.config = { ...o.config, ...body.config };
  return c.json(presentOrganisation(c.get('mock'), org));
};

/** @see https://reincubate.com/support/ricloud/organisations */
export const organisationHandlers = { retrieveOrganisation, updateOrganisation } satisfies RouteHandlers;
