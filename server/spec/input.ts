// The one typed `input(c)` of both planes, after hono's `c.req.valid()`: the validation middleware
// (validate-request.ts) stores what it checked against the spec as the `input` variable, and a handler reads it
// through `input(c)`, typed from the operation it is the handler of (the types openapi-typescript generates from
// the spec: openapi/ricloud-v3.d.ts, openapi/control.d.ts). Handlers never cast their input and never read the
// variable themselves (test/no-casts.test.ts).
import type { Context, Env } from 'hono';

/** What the validation middleware checked for one request, stored as the `input` variable. */
export interface ValidatedInput {
  operationId: string;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
}

/** The Hono variables every plane's env carries (server/domain/context.ts MockEnv). */
export interface InputVariables {
  input: ValidatedInput;
}

/** One operation as openapi-typescript generates it (`operations[id]`). */
export interface GeneratedOperation {
  parameters: { query?: unknown; path?: unknown };
  requestBody?: unknown;
}

type JsonContent<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
/** `T`, or an empty record where the operation takes no such input (`never`). */
type Or<T, Empty> = [T] extends [never] ? Empty : T;

/** The validated body, query and path parameters of one operation, with the spec's types. */
export interface Input<Op extends GeneratedOperation> {
  body: Or<JsonContent<NonNullable<Op['requestBody']>>, Record<string, never>>;
  query: Or<NonNullable<Op['parameters']['query']>, Record<string, never>>;
  params: Or<NonNullable<Op['parameters']['path']>, Record<string, never>>;
}

declare const OPERATION: unique symbol;

/** A request's context, marked with the operation it was matched to (a type only: nothing at run time). */
export type OperationContext<E extends Env, Op extends GeneratedOperation> = Context<E> & {
  readonly [OPERATION]?: Op;
};

/** The handler of one operation. */
export type OperationHandler<E extends Env, Op extends GeneratedOperation> = (
  c: OperationContext<E, Op>,
) => Response | Promise<Response>;

/** A plane's handlers keyed by the operationIds of its spec (`Ops` is the generated `operations`). */
export type OperationHandlers<E extends Env, Ops> = {
  [Id in keyof Ops]?: Ops[Id] extends GeneratedOperation ? OperationHandler<E, Ops[Id]> : never;
};

/** What `input` needs of a context: the stored input, and the operation mark. */
interface Marked<Op extends GeneratedOperation> {
  readonly var: Readonly<Partial<InputVariables>>;
  readonly [OPERATION]?: Op;
}

/**
 * The validated body, query and path parameters of the request, typed from the operation of the handler `c` was
 * given to. Sound by construction: the registrar (operations.ts) mounts a handler only at its own operation's path
 * and method, and the middleware has checked the input against that operation's schemas. Throws (a 500: a wiring
 * bug, not bad input) when no validation ran for the request.
 * @example const { body } = input(c); // in the createSession handler: RequestBody<'createSession'>
 */
export function input<Op extends GeneratedOperation>(c: Marked<Op>): Input<Op> {
  const validated = c.var.input;
  if (!validated) throw new Error('input(c) read by a handler the validation middleware did not run for');
  // The one cast of the input: from what ajv checked to the types generated from the same schemas.
  return validated as unknown as Input<Op>;
}
