// Routes declared once: the spec names every operation (path, method, operationId); each route module exports its
// handlers keyed by operationId, and `registerOperations` mounts them at the spec's path and method
// (the registrar both planes share: server/spec/operations.ts). Handlers read
// their input through `input(c)`, typed from the operation the handler is keyed by (openapi/ricloud-v3.d.ts).
import type { Context, Hono } from 'hono';
import type { OperationId, PathParams, Query, RequestBody } from '../../openapi/types.ts';
import type { RicloudEnv } from '../domain/context.ts';
import type { CompiledSpec } from '../spec/compile.ts';
import { mountOperations, operationRoutes } from '../spec/operations.ts';

export { routeTableProblems } from '../spec/operations.ts';

/** `T`, or an empty record where the operation takes no such input (`never`). */
type Or<T, Empty> = [T] extends [never] ? Empty : T;

/** What the pipeline validated for one operation, with the spec's types. */
export interface Input<Id extends OperationId> {
  body: Or<RequestBody<Id>, Record<string, never>>;
  query: Or<Query<Id>, Record<string, never>>;
  params: Or<PathParams<Id>, Record<string, never>>;
}

declare const OPERATION: unique symbol;

/** A request's context, marked with the operation it was matched to (a type only: nothing at run time). */
export type OperationContext<Id extends OperationId> = Context<RicloudEnv> & { readonly [OPERATION]?: Id };

/** A handler of one operation. */
export type Handler<Id extends OperationId> = (c: OperationContext<Id>) => Response | Promise<Response>;

/** A route module's handlers, keyed by operationId. */
export type RouteHandlers = { [Id in OperationId]?: Handler<Id> };

/**
 * The validated body, query and path parameters of the request, typed from the operation of the handler `c` was
 * given to. The pipeline (server/spec/validate-request.ts) has already checked them against the spec.
 * @example const { body } = input(c); // in the createSession handler: RequestBody<'createSession'>
 */
export function input<Id extends OperationId>(c: OperationContext<Id>): Input<Id> {
  return { body: c.get('body'), query: c.get('query'), params: c.get('params') } as unknown as Input<Id>;
}

/** Mounts every operation's handler at the spec's path and method; a table with problems is a start-up error. */
export function registerOperations(
  app: Hono<RicloudEnv>,
  spec: CompiledSpec,
  modules: readonly RouteHandlers[],
): void {
  mountOperations(app, operationRoutes<RicloudEnv>(spec, modules, { plane: 'ricloud' }));
}
