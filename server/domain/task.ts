// Tasks: the task state machine (poll tasks, session.init, storage_config.test, webhook_config.test), its runner,
// the one factory of task records, and the one rule for superseding an earlier config test.
import type { TaskState } from '../../openapi/types.ts';
import { toIso } from '../runtime/clock.ts';
import { type MockContext, nowOf } from './context.ts';
import { emitEvent } from './events.ts';
import {
  assertNever,
  type MachineDefinition,
  reject,
  rejection,
  statesOf,
  type Transition,
} from './machine.ts';
import { presentTask } from './presenters.ts';
import type { OrgState, PollRecord, TaskRecord } from './store.ts';

export const TASK_STATES = statesOf<TaskState>({
  pending: true,
  suspended: true,
  processing: true,
  succeeded: true,
  failed: true,
});

/** What happens to a task: it starts, it succeeds (result published, test passed), or it fails with an error. */
export type TaskEvent = { type: 'start' } | { type: 'succeed' } | { type: 'fail'; error: string };

/** One example of each task event, by name. */
export const TASK_EVENTS: Readonly<Record<TaskEvent['type'], TaskEvent>> = {
  start: { type: 'start' },
  succeed: { type: 'succeed' },
  fail: { type: 'fail', error: 'failed' },
};

export type TaskEffect =
  | { type: 'set-date-started' }
  | { type: 'set-error'; error: string }
  | { type: 'set-date-completed' }
  | { type: 'emit-succeeded' }
  | { type: 'emit-failed' };

const failed = (error: string): Transition<TaskState, TaskEffect> => ({
  state: 'failed',
  effects: [{ type: 'set-error', error }, { type: 'set-date-completed' }, { type: 'emit-failed' }],
});

/**
 * The task state machine: `pending` → `processing` → `succeeded` | `failed`; a `suspended` task resumes into
 * `processing` (or fails); a task that has not started can fail (superseded, its session expired). Finished tasks
 * accept nothing.
 * @see https://reincubate.com/support/ricloud/tasks
 */
export function taskTransition(state: TaskState, event: TaskEvent): Transition<TaskState, TaskEffect> {
  switch (state) {
    case 'pending':
    case 'suspended':
      switch (event.type) {
        case 'start':
          return { state: 'processing', effects: [{ type: 'set-date-started' }] };
        case 'succeed':
          return reject(state, `the task is ${state}: it has not started`);
        case 'fail':
          return failed(event.error);
        default:
          return assertNever(event);
      }
    case 'processing':
      switch (event.type) {
        case 'start':
          return reject(state, 'the task is already processing');
        case 'succeed':
          return {
            state: 'succeeded',
            effects: [{ type: 'set-date-completed' }, { type: 'emit-succeeded' }],
          };
        case 'fail':
          return failed(event.error);
        default:
          return assertNever(event);
      }
    case 'succeeded':
    case 'failed':
      return reject(state, `the task is ${state}, which is final`);
    default:
      return assertNever(state);
  }
}

export const taskMachine: MachineDefinition<TaskState, TaskEvent, TaskEffect> = {
  initial: 'pending',
  states: TASK_STATES,
  events: TASK_EVENTS,
  transition: taskTransition,
};

function moveTask(poll: PollRecord, taskId: string, to: TaskState): void {
  for (const list of [
    'tasks_pending',
    'tasks_processing',
    'tasks_suspended',
    'tasks_succeeded',
    'tasks_failed',
  ] as const) {
    const i = poll[list].indexOf(taskId);
    if (i >= 0) poll[list].splice(i, 1);
  }
  poll[`tasks_${to}`].push(taskId);
}

/**
 * The task runner: applies an event to a stored task and runs its effects. Returns false when the pair is illegal
 * (nothing changes). A poll task also moves between its poll's `tasks_*` lists and records `task.*` events;
 * DIVERGENCE(polls.task-events-poll-only): other tasks (session.init, config tests) record no task events: the docs describe them for poll
 * tasks only.
 */
export function applyTaskEvent(ctx: MockContext, org: OrgState, task: TaskRecord, event: TaskEvent): boolean {
  const t = taskTransition(task.state, event);
  if (rejection(t) !== undefined) return false;
  task.state = t.state;
  const now = toIso(nowOf(ctx, org));
  const poll = task.poll === null ? undefined : org.polls.get(task.poll);
  if (poll) moveTask(poll, task.id, t.state);
  for (const effect of t.effects) {
    switch (effect.type) {
      case 'set-date-started':
        task.date_started = now;
        break;
      case 'set-error':
        task.error = effect.error;
        break;
      case 'set-date-completed':
        task.date_completed = now;
        break;
      case 'emit-succeeded':
      case 'emit-failed':
        if (task.poll !== null) {
          const action = effect.type === 'emit-succeeded' ? 'succeeded' : 'failed';
          emitEvent(ctx, org, { type: 'task', action, data: presentTask(ctx, org, task), keyId: task.key });
        }
        break;
      case 'reject':
        break;
      default:
        assertNever(effect);
    }
  }
  return true;
}

/** What distinguishes one task from another; everything else a new task starts with is the same. */
export interface NewTask {
  key: string;
  type: string;
  target: string;
  user?: string | null;
  source?: string | null;
  session?: string | null;
  poll?: string | null;
  source_type?: string | null;
  /** `processing` for a task whose work starts at once (session.init). */
  state?: 'pending' | 'processing';
}

/** The one factory of task records: a task in `pending` (or `processing`, started now) with no error. */
export function newTask(ctx: MockContext, org: OrgState, input: NewTask): TaskRecord {
  const now = toIso(nowOf(ctx, org));
  const state = input.state ?? 'pending';
  return {
    id: ctx.ids.uuid(),
    resource: 'task',
    organisation: String(org.id),
    key: input.key,
    user: input.user ?? null,
    source: input.source ?? null,
    session: input.session ?? null,
    poll: input.poll ?? null,
    source_type: input.source_type ?? null,
    type: input.type,
    target: input.target,
    state,
    error: null,
    date_created: now,
    date_started: state === 'processing' ? now : null,
    date_completed: null,
  } as TaskRecord;
}

/**
 * The one rule for superseding config tests (storage and webhook alike): a new test of a config supersedes every
 * earlier test of that config that has not finished — waiting or already running — which ends `failed` with the
 * error `superseded`, so that only the newest test decides the config's state. A running test's late answer is
 * then ignored.
 */
export function supersedeEarlierTests(ctx: MockContext, org: OrgState, latest: TaskRecord): void {
  for (const t of org.tasks.filter((t) => t.type === latest.type && t.target === latest.target)) {
    if (t.id !== latest.id) applyTaskEvent(ctx, org, t, { type: 'fail', error: 'superseded' });
  }
}
