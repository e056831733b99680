// Forced task failures set through the control API: the poll engine consults them before a task succeeds.
import type { MockContext } from '../context.ts';

/** A forced failure: the next `remaining` tasks whose target is `type` (or any, for `*`) fail with `error`. */
export interface TaskFault {
  id: string;
  organisation: number;
  type: string;
  error: string;
  message: string;
  remaining: number;
}

const registries = new WeakMap<MockContext, { seq: number; faults: TaskFault[] }>();

function registryOf(ctx: MockContext) {
  let r = registries.get(ctx);
  if (!r) {
    r = { seq: 0, faults: [] };
    registries.set(ctx, r);
  }
  return r;
}

/**
 * Records a forced task failure for an organisation (POST /_mock/scenarios/tasks).
 * @see ../../openapi/control.yaml forceTaskFailure
 */
export function forceTaskFailure(
  ctx: MockContext,
  organisation: number,
  input: { type: string; error?: string; message?: string; count?: number },
): TaskFault {
  const r = registryOf(ctx);
  const error = input.error ?? 'service-unavailable';
  const fault: TaskFault = {
    id: `task_fault_${++r.seq}`,
    organisation,
    type: input.type,
    error,
    message: input.message ?? `Injected task failure (${error}) for ${input.type}.`,
    remaining: input.count ?? 1,
  };
  r.faults.push(fault);
  return { ...fault };
}

/**
 * Called by the poll engine when a task finishes: returns the forced failure for this task's target (data, info
 * or file type) and consumes one use of it, or undefined when the task should run normally.
 */
export function takeTaskFailure(
  ctx: MockContext,
  organisation: number,
  target: string,
): { error: string; message: string } | undefined {
  const r = registries.get(ctx);
  if (!r) return undefined;
  const i = r.faults.findIndex(
    (f) => f.organisation === organisation && (f.type === target || f.type === '*'),
  );
  const fault = r.faults[i];
  if (!fault) return undefined;
  fault.remaining -= 1;
  if (fault.remaining <= 0) r.faults.splice(i, 1);
  return { error: fault.error, message: fault.message };
}

/** The pending forced failures (of one organisation, or all). */
export function listTaskFailures(ctx: MockContext, organisation?: number): TaskFault[] {
  const r = registries.get(ctx);
  return (r?.faults ?? [])
    .filter((f) => organisation === undefined || f.organisation === organisation)
    .map((f) => ({ ...f }));
}

/** Drops forced failures (of one organisation, or all: a full reset). */
export function clearTaskFailures(ctx: MockContext, organisation?: number): void {
  const r = registries.get(ctx);
  if (!r) return;
  r.faults = organisation === undefined ? [] : r.faults.filter((f) => f.organisation !== organisation);
  if (organisation === undefined) r.seq = 0;
}
