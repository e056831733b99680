// Forced task failures set through the control API: the poll engine consults them before a task succeeds.
import type { MockContext } from './context.ts';
import { type ExpiryTrigger, expireSession } from './session.ts';
import type { OrgState, TaskFailure, TaskRecord } from './store.ts';

export type { TaskFailure };

/**
 * Records a forced task failure for an organisation (POST /_mock/scenarios/tasks). It is kept on the organisation
 * (so snapshots carry it and a tenant reset drops it); its id comes from the mock's shared id counters.
 * @see ../../openapi/control.yaml forceTaskFailure
 */
export function forceTaskFailure(
  ctx: MockContext,
  org: OrgState,
  input: {
    type: string;
    error?: string;
    message?: string;
    count?: number;
    source_identifier?: string;
    expire_session?: ExpiryTrigger;
  },
): TaskFailure {
  const error = input.error ?? 'service-unavailable';
  const failure: TaskFailure = {
    id: `task_fault_${ctx.ids.nextNumber('task_failure')}`,
    organisation: org.id,
    type: input.type,
    error,
    message: input.message ?? `Injected task failure (${error}) for ${input.type}.`,
    remaining: input.count ?? 1,
    ...(input.source_identifier !== undefined ? { source_identifier: input.source_identifier } : {}),
    ...(input.expire_session !== undefined ? { expire_session: input.expire_session } : {}),
  };
  org.taskFailures ??= [];
  org.taskFailures.push(failure);
  return { ...failure };
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
  const failures = org.taskFailures;
  if (!failures?.length) return undefined;
  const i = failures.findIndex(
    (f) =>
      (f.type === task.target || f.type === '*') &&
      (f.source_identifier === undefined || sourceIdentifierOf(org, task) === f.source_identifier),
  );
  const failure = failures[i];
  if (!failure) return undefined;
  failure.remaining -= 1;
  if (failure.remaining <= 0) failures.splice(i, 1);
  if (failure.expire_session) {
    const session = org.sessions.get(task.session);
    if (session) expireSession(ctx, org, session, failure.expire_session);
  }
  return { error: failure.error, message: failure.message };
}

function sourceIdentifierOf(org: OrgState, task: TaskRecord): string | undefined {
  const source = org.sources.get(task.source);
  const parent = source?.parent ? org.sources.get(source.parent) : undefined;
  return parent?.identifier ?? source?.identifier;
}
