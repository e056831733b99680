// The states and events the storage and webhook config machines share: a config test starts, passes or fails;
// DELETE deactivates. Each machine keeps its own effects (storage-config.ts, webhook-config.ts).
import { statesOf } from './machine.ts';
import type { StorageConfigRecord, WebhookConfigRecord } from './store.ts';

/** A storage or webhook config's state: both resources have the same four. */
export type ConfigState = StorageConfigRecord['state'] & WebhookConfigRecord['state'];

export const CONFIG_STATES = statesOf<ConfigState>({
  new: true,
  valid: true,
  invalid: true,
  deactivated: true,
});

/** What happens to a config: a test starts (create, update, test), passes or fails; DELETE deactivates. */
export type ConfigEvent =
  | { type: 'test-started' }
  | { type: 'test-passed' }
  | { type: 'test-failed' }
  | { type: 'deactivate' };

/** One example of each config event, by name. */
export const CONFIG_EVENTS: Readonly<Record<ConfigEvent['type'], ConfigEvent>> = {
  'test-started': { type: 'test-started' },
  'test-passed': { type: 'test-passed' },
  'test-failed': { type: 'test-failed' },
  deactivate: { type: 'deactivate' },
};
