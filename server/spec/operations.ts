// Routes declared once, for both planes: a spec names every operation (path, method, operationId); a plane's route
// modules export their handlers keyed by operationId, and the registrar mounts each at the spec's path and method.
// A route table that does not match its spec (an operation with no handler or two, a handler with no operation) is
// a start-up error. The ricloud API (server/http/operations.ts) and the /_mock plane (server/control/routes.ts)
// both use it, so it sits below them.
import type { Context, Env, Hono } from 'hono';
import type { CompiledSpec } from './compile.ts';

/** A plane's handlers keyed by operationId (each plane types its own: RouteHandlers, ControlHandlers). */
type HandlerModule = object;

type AnyHandler<E extends Env> = (c: Context<E>) => Response | Promise<Response>;

/** One operation, its handler and the Hono path it is mounted at. */
export interface OperationRoute<E extends Env> {
  id: string;
  method: string;
  path: string;
  handler: AnyHandler<E>;
}

/**
 * What is wrong with a route table: a spec operation no module handles, a handler for an operation the spec does
 * not have, or an operation handled twice. Empty when every operation has exactly one handler.
 */
export function routeTableProblems(spec: CompiledSpec, modules: readonly HandlerModule[]): string[] {
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

/**
 * Every operation of the spec with its handler, in the spec's order, at its Hono path (`{id}` → `:id`, with
 * `basePath`, where the plane's app is mounted, taken off the front). Throws when the table has problems.
 */
export function operationRoutes<E extends Env>(
  spec: CompiledSpec,
  modules: readonly HandlerModule[],
  options: { plane: string; basePath?: string },
): OperationRoute<E>[] {
  const problems = routeTableProblems(spec, modules);
  if (problems.length)
    throw new Error(`The ${options.plane} route table does not match the spec:\n${problems.join('\n')}`);
  const handlers = new Map<string, AnyHandler<E>>();
  for (const module of modules)
    for (const [id, handler] of Object.entries(module)) handlers.set(id, handler as AnyHandler<E>);
  const base = options.basePath ?? '';
  return [...spec.operations.values()].map((op) => {
    if (!op.path.startsWith(base)) throw new Error(`${op.id}: its path ${op.path} is not under ${base}`);
    return {
      id: op.id,
      method: op.method,
      path: op.path.slice(base.length).replace(/\{(\w+)\}/g, ':$1') || '/',
      handler: handlers.get(op.id) as AnyHandler<E>,
    };
  });
}

/** Mounts routes on a Hono app, each at its path and method. */
export function mountOperations<E extends Env>(app: Hono<E>, routes: readonly OperationRoute<E>[]): void {
  for (const route of routes) app.on(route.method, route.path, (c) => route.handler(c));
}
