// /tasks: the units of work behind sessions, polls and config tests (list with filters, retrieve); read-only.
import { Errors } from '../../domain/errors.ts';
import { paginate } from '../../domain/lists.ts';
import { presentResult, presentTask, taskResults } from '../../domain/presenters.ts';
import { type Handler, input, type RouteHandlers } from '../operations.ts';

const listTasks: Handler<'listTasks'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const q = input(c).query;
  const items = org.tasks
    .newestFirst()
    .filter(
      (t) =>
        (q.poll === undefined || t.poll === q.poll) &&
        (q.session === undefined || t.session === q.session) &&
        (q.source === undefined || t.source === q.source) &&
        (q.type === undefined || t.type === q.type) &&
        (q.state === undefined || t.state === q.state) &&
        (q.source_type === undefined || t.source_type === q.source_type),
    );
  return c.json(paginate(items, q, '/tasks', (t) => presentTask(ctx, org, t)));
};

const retrieveTask: Handler<'retrieveTask'> = (c) => {
  const org = c.get('org');
  const id = input(c).params.id;
  const task = org.tasks.get(id);
  if (!task) throw Errors.notFound('task', id);
  return c.json(presentTask(c.get('mock'), org, task));
};

/** The list a task's `results` attribute advertises in its `url` (the official client's List follows it). */
const listTaskResults: Handler<'listTaskResults'> = (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const { params, query } = input(c);
  const task = org.tasks.get(params.id);
  if (!task) throw Errors.notFound('task', params.id);
  return c.json(
    paginate(taskResults(org, task), query, `/tasks/${task.id}/results`, (r) => presentResult(ctx, r)),
  );
};

/** @see https://reincubate.com/support/ricloud/tasks */
export const tasksHandlers = { listTasks, retrieveTask, listTaskResults } satisfies RouteHandlers;
