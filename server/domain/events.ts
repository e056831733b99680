// Events: a record of every documented event, with the related resource nested as it was at that moment.

import { toIso } from '../runtime/clock.ts';
import { type MockContext, nowOf } from './context.ts';
import { enqueueDelivery } from './delivery.ts';
import type { EventRecord, OrgState, WebhookConfigRecord } from './store.ts';

export interface EmitOptions {
  /** The resource type (`session`, `poll`, `task`, `webhook_config`). */
  type: string;
  /** `expired`, `created`, `completed`, `succeeded`, `failed`, `test`. */
  action: string;
  /** The whole related resource, already presented. */
  data: Record<string, unknown>;
  /** The key whose webhook config override applies (else the organisation default). */
  keyId?: string | null;
}

/**
 * The webhook config events of a key go to when it is `valid`: the key's own `webhook_config`, else the
 * organisation's default. A key's override that is not valid does not fall back (as for storage configs).
 * @see https://reincubate.com/support/ricloud/webhook-configs
 */
export function applicableWebhookConfig(
  org: OrgState,
  keyId?: string | null,
): WebhookConfigRecord | undefined {
  const key = org.keys.get(keyId);
  const config = org.webhookConfigs.get(key?.webhook_config ?? org.organisation.webhook_config_default);
  return config?.state === 'valid' ? config : undefined;
}

/**
 * Records an event without delivering it, aimed at `configId` (null: nowhere). Used by the webhook config test,
 * which sends its event itself to the config under test.
 */
export function recordEvent(
  ctx: MockContext,
  org: OrgState,
  options: EmitOptions,
  configId: string | null,
): EventRecord {
  const event: EventRecord = {
    id: ctx.ids.uuid(),
    resource: 'event',
    type: options.type,
    action: options.action,
    data: structuredClone(options.data),
    state: 'pending',
    retries: 0,
    date_created: toIso(nowOf(ctx, org)),
    date_delivered: null,
    x: { key: options.keyId ?? null, config: configId },
  };
  org.events.insert(event);
  return event;
}

/**
 * Records an event (always, whether or not a webhook config applies) and queues its delivery to the config that
 * applies to the key now. Delivery runs as scheduler jobs, never inside the caller's request.
 * @see https://reincubate.com/support/ricloud/events
 */
export function emitEvent(ctx: MockContext, org: OrgState, options: EmitOptions): EventRecord {
  // DIVERGENCE(webhooks.event-without-config): with no valid webhook config, the event stays `pending` with 0 retries (it is never attempted);
  // the docs do not say what the state of an undeliverable event is.
  const config = applicableWebhookConfig(org, options.keyId);
  const event = recordEvent(ctx, org, options, config?.id ?? null);
  enqueueDelivery(ctx, org, event);
  return event;
}
