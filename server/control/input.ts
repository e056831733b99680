// The /_mock plane's handler types: handlers keyed by openapi/control.yaml's operationIds read their input through
// the one `input(c)` of both planes (server/spec/input.ts), typed from openapi/control.d.ts; and the two narrowings
// that validation proves but the generated types cannot say.
import type { operations } from '../../openapi/control.d.ts';
import type { MockEnv } from '../domain/context.ts';
import type { MockState } from '../domain/snapshot.ts';
import type { Input, OperationHandlers } from '../spec/input.ts';
import type { FaultInput } from './faults.ts';

/** Every operationId of the control spec. */
export type ControlOperationId = keyof operations;

/** The validated body, query and path parameters of one control operation. */
export type ControlInput<Id extends ControlOperationId> = Input<operations[Id]>;

/** A control plane's handlers, keyed by the control spec's operationIds (mounted by server/spec/operations.ts). */
export type ControlHandlers = OperationHandlers<MockEnv, operations>;

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
