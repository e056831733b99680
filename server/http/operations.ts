// Routes declared once: the spec names every operation (path, method, operationId); each route module exports its
// handlers keyed by operationId, and `registerOperations` mounts them at the spec's path and method. Handlers read
// their input through `input(c)`, typed from the operation the handler is keyed by (openapi/ricloud-v3.d.ts).
import type { Context, Hono } from 'hono';
import type { OperationId, PathParams, Query, RequestBody } from '../../openapi/types.ts';
import type { RicloudEnv } from '../domain/context.ts';
import type { CompiledSpec } from '../spec/compile.ts';

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

/**
 * What is wrong with a route table: a spec operation no module handles, a handler for an operation the spec does
 * not have, or an operation handled twice. Empty when every operation has exactly one handler.
 */
export function routeTableProblems(spec: CompiledSpec, modules: readonly RouteHandlers[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const module of modules) {
    for (const id of Object.keys(module)) {
      if (!spec.operations.has(id)) problems.push(`${id}: a handler for no operation of the spec`);
      if (seen.has(id)) problems.push(`${id}: handled twice`);
      seen.add(id);
    }
  }
  for (const id of spec.operations.keys()) if (!seen.has(id)) problems.push(`${id}: no handler`);
  return problems;
}

/** Mounts every operation's handler at the spec's path and method; a table with problems is a start-up error. */
export function registerOperations(
  app: Hono<RicloudEnv>,
  spec: CompiledSpec,
  modules: readonly RouteHandlers[],
): void {
  const problems = routeTableProblems(spec, modules);
  if (problems.length)
    throw new Error(`The ricloud route table does not match the spec:\n${problems.join('\n')}`);
  const handlers = new Map<string, Handler<OperationId>>();
  for (const module of modules)
    for (const [id, handler] of Object.entries(module)) handlers.set(id, handler as Handler<OperationId>);
  for (const op of spec.operations.values()) {
    const handler = handlers.get(op.id) as Handler<OperationId>;
    app.on(op.method, op.path.replace(/\{(\w+)\}/g, ':$1'), (c) => handler(c));
  }
}
