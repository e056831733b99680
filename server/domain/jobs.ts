// Registers every engine module's job handlers with the scheduler (one line per module).

import { registerAwaitJobs } from '../runtime/await.ts';
import type { MockContext } from './context.ts';
import { registerDeliveryJobs } from './delivery.ts';
import { registerPollJobs } from './poll.ts';
import { registerSessionJobs } from './session.ts';
import { registerStorageConfigJobs } from './storage-config.ts';
import { registerSubscriptionJobs } from './subscription.ts';
import { registerWebhookConfigJobs } from './webhook-config.ts';

/** Called once by createMock. */
export function registerJobs(ctx: MockContext): void {
  registerAwaitJobs(ctx);
  registerPollJobs(ctx);
  registerStorageConfigJobs(ctx);
  registerSessionJobs(ctx);
  registerDeliveryJobs(ctx);
  registerWebhookConfigJobs(ctx);
  registerSubscriptionJobs(ctx);
}
