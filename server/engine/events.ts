// Events: a record of every documented event, with the related resource nested as it was at that moment.
import type { MockContext } from '../context.ts';
import type { EventRecord, OrgState } from '../store.ts';
import { toIso } from './clock.ts';

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
 * Records an event (always, whether or not a webhook config applies) and returns it.
 * @see ../shared/api/docs/events.md
 */
export function emitEvent(ctx: MockContext, org: OrgState, options: EmitOptions): EventRecord {
  const event = {
    id: ctx.ids.uuid(),
    resource: 'event',
    type: options.type,
    action: options.action,
    data: structuredClone(options.data),
    state: 'pending',
    retries: 0,
    date_created: toIso(ctx.clock.now()),
    date_delivered: null,
  } as EventRecord;
  org.events.insert(event);
  return event;
}
