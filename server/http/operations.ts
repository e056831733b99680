// Routes declared once: the spec names every operation (path, method, operationId); each route module exports its
// handlers keyed by operationId, and `registerOperations` mounts them at the spec's path and method
// (the registrar both planes share: server/spec/operations.ts). Handlers read
// their input through `input(c)` (server/spec/input.ts, both planes), typed from the operation the handler is keyed
// by (openapi/ricloud-v3.d.ts).
import type { Hono } from 'hono';
import type { OperationId, operations } from '../../openapi/types.ts';
import type { MockEnv } from '../domain/context.ts';
import type { CompiledSpec } from '../spec/compile.ts';
import type { OperationHandlers, OperationContext as SpecOperationContext } from '../spec/input.ts';
import { mountOperations, operationRoutes } from '../spec/operations.ts';

export { input } from '../spec/input.ts';
export { routeTableProblems } from '../spec/operations.ts';

/** A request's context, marked with the ricloud operation it was matched to (a type only). */
export type OperationContext<Id extends OperationId> = SpecOperationContext<MockEnv, operations[Id]>;

/** A handler of one operation. */
export type Handler<Id extends OperationId> = (c: OperationContext<Id>) => Response | Promise<Response>;

/** A route module's handlers, keyed by operationId. */
export type RouteHandlers = OperationHandlers<MockEnv, operations>;

/** Mounts every operation's handler at the spec's path and method; a table with problems is a start-up error. */
export function registerOperations(
  app: Hono<MockEnv>,
  spec: CompiledSpec,
  modules: readonly RouteHandlers[],
): void {
  mountOperations(app, operationRoutes<MockEnv>(spec, modules, { plane: 'ricloud' }));
}
