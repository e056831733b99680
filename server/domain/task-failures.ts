// Forced task failures set through the control API: the poll engine consults them before a task succeeds.
import type { components } from '../../openapi/control.d.ts';
import type { MockContext } from './context.ts';
import { type ExpiryTrigger, expireSession } from './session.ts';
import type { OrgState, TaskRecord } from './store.ts';

/** A forced failure: the next `remaining` tasks whose target is `type` (or any, for `*`) fail with `error`. */
export type TaskFault = components['schemas']['TaskScenarioRecord'];

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
  input: {
    type: string;
    error?: string;
    message?: string;
    count?: number;
    source_identifier?: string;
    expire_session?: ExpiryTrigger;
  },
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
    ...(input.source_identifier !== undefined ? { source_identifier: input.source_identifier } : {}),
    ...(input.expire_session !== undefined ? { expire_session: input.expire_session } : {}),
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
  org: OrgState,
  task: TaskRecord,
): { error: string; message: string } | undefined {
  const r = registries.get(ctx);
  if (!r?.faults.length) return undefined;
  const i = r.faults.findIndex(
    (f) =>
      f.organisation === org.id &&
      (f.type === task.target || f.type === '*') &&
      (f.source_identifier === undefined || sourceIdentifierOf(org, task) === f.source_identifier),
  );
  const fault = r.faults[i];
  if (!fault) return undefined;
  fault.remaining -= 1;
  if (fault.remaining <= 0) r.faults.splice(i, 1);
  if (fault.expire_session) {
    const session = org.sessions.get(task.session);
    if (session) expireSession(ctx, org, session, fault.expire_session);
  }
  return { error: fault.error, message: fault.message };
}

function sourceIdentifierOf(org: OrgState, task: TaskRecord): string | undefined {
  const source = org.sources.get(task.source);
  const parent = source?.parent ? org.sources.get(source.parent) : undefined;
  return parent?.identifier ?? source?.identifier;
}

/** Drops forced failures (of one organisation, or all: a full reset). */
export function clearTaskFailures(ctx: MockContext, organisation?: number): void {
  const r = registries.get(ctx);
  if (!r) return;
  r.faults = organisation === undefined ? [] : r.faults.filter((f) => f.organisation !== organisation);
  if (organisation === undefined) r.seq = 0;
}
