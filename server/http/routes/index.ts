// Every ricloud route module's handlers, keyed by operationId: registerOperations mounts each at the spec's path
// and method, so the paths are declared once (openapi/ricloud-v3.yaml).
import type { Hono } from 'hono';
import type { MockEnv } from '../../domain/context.ts';
import type { CompiledSpec } from '../../spec/compile.ts';
import { type RouteHandlers, registerOperations } from '../operations.ts';
import { storageConfigsHandlers } from './configs-storage.ts';
import { webhookConfigHandlers } from './configs-webhook.ts';
import { eventsHandlers } from './events.ts';
import { keysHandlers } from './keys.ts';
import { organisationHandlers } from './organisation.ts';
import { permissionsHandlers } from './permissions.ts';
import { pollsHandlers } from './polls.ts';
import { resultsHandlers } from './results.ts';
import { sessionHandlers } from './sessions.ts';
import { sourcesHandlers } from './sources.ts';
import { subscriptionsHandlers } from './subscriptions.ts';
import { tasksHandlers } from './tasks.ts';
import { usersHandlers } from './users.ts';

/** One module per URL segment; each operation of the spec is handled in exactly one of them. */
export const ROUTE_MODULES: readonly RouteHandlers[] = [
  organisationHandlers,
  keysHandlers,
  usersHandlers,
  sourcesHandlers,
  sessionHandlers,
  pollsHandlers,
  subscriptionsHandlers,
  tasksHandlers,
  resultsHandlers,
  eventsHandlers,
  storageConfigsHandlers,
  webhookConfigHandlers,
  permissionsHandlers,
];

/** Called once by createMock. */
export function registerResources(app: Hono<MockEnv>, spec: CompiledSpec): void {
  registerOperations(app, spec, ROUTE_MODULES);
}
