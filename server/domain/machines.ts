// Every state machine of the domain, as data (server/domain/machine.ts): what `GET /_mock/machines` draws.
import { deliveryMachine } from './delivery.ts';
import { diagramOf, type MachineDiagram } from './machine.ts';
import { pollMachine } from './poll.ts';
import { resultMachine } from './result.ts';
import { sessionMachine } from './session.ts';
import { storageConfigMachine } from './storage-config.ts';
import { subscriptionMachine } from './subscription.ts';
import { taskMachine } from './task.ts';
import { webhookConfigMachine } from './webhook-config.ts';

export const MACHINES = {
  session: sessionMachine,
  poll: pollMachine,
  task: taskMachine,
  subscription: subscriptionMachine,
  delivery: deliveryMachine,
  storage_config: storageConfigMachine,
  webhook_config: webhookConfigMachine,
  result: resultMachine,
} as const;

export type MachineName = keyof typeof MACHINES;

/** Each machine's diagram, enumerated from its transition function over its exported states and events. */
export function machineDiagrams(): Record<MachineName, MachineDiagram> {
  const out = {} as Record<MachineName, MachineDiagram>;
  for (const [name, machine] of Object.entries(MACHINES) as [MachineName, (typeof MACHINES)[MachineName]][]) {
    out[name] = diagramOf(machine as Parameters<typeof diagramOf>[0]);
  }
  return out;
}
