// Typed input of a /_mock operation: what the validation middleware (server/spec/validate-request.ts) checked
// against openapi/control.yaml, with the types generated from it (openapi/control.d.ts).
import type { Context } from 'hono';
import type { operations } from '../../openapi/control.d.ts';
import type { MockState } from '../domain/snapshot.ts';
import type { FaultInput } from './faults.ts';
import type { ControlEnv } from './state.ts';

/** Every operationId of the control spec. */
export type ControlOperationId = keyof operations;

type JsonContent<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
type Or<T, Empty> = [T] extends [never] ? Empty : T;

/** The validated body, query and path parameters of one control operation. */
export interface ControlInput<Id extends ControlOperationId> {
  body: Or<JsonContent<NonNullable<operations[Id]['requestBody']>>, Record<string, never>>;
  query: Or<NonNullable<operations[Id]['parameters']['query']>, Record<string, never>>;
  params: Or<NonNullable<operations[Id]['parameters']['path']>, Record<string, never>>;
}

/** A control plane's handlers, keyed by the control spec's operationIds (mounted by server/spec/operations.ts). */
export type ControlHandlers = {
  [Id in ControlOperationId]?: (c: Context<ControlEnv>) => Response | Promise<Response>;
};

/**
 * The input of the request, typed from its operation. Throws (a 500: a wiring bug, not bad input) when the
 * request was matched to another operation, so a handler cannot read a body with the wrong type.
 * @example const { body } = input(c, 'addFault');
 */
export function input<Id extends ControlOperationId>(c: Context<ControlEnv>, id: Id): ControlInput<Id> {
  const matched = c.get('operationId');
  if (matched !== id)
    throw new Error(`control handler for ${id} answered ${matched ?? 'an unmatched request'}`);
  return {
    body: c.get('body'),
    query: c.get('query'),
    params: c.get('params'),
  } as unknown as ControlInput<Id>;
}

/**
 * `POST /_mock/faults`'s body as the fault registry's input. Sound because the body was validated: the schema's
 * `if kind = error then status` / `if kind = latency then latency` (FaultInput in control.yaml) is what makes it a
 * FaultAction, and generated types cannot express if/then.
 */
export function faultInputOf(body: ControlInput<'addFault'>['body']): FaultInput {
  return body as FaultInput;
}

/**
 * `PUT /_mock/state`'s body as a snapshot. Sound because the body was validated against MockState, whose
 * `ids.rng.s` has exactly four items (minItems = maxItems = 4), which its generated type (`number[]`) cannot say.
 */
export function mockStateOf(body: ControlInput<'importState'>['body']): MockState {
  return body as unknown as MockState;
}
