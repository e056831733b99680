// /tasks: the units of work behind sessions, polls and config tests (list with filters, retrieve); read-only.
import { Hono } from 'hono';
import type { Query } from '../../../openapi/types.ts';
import type { RicloudEnv } from '../../domain/context.ts';
import { Errors } from '../../domain/errors.ts';
import { paginate } from '../../domain/lists.ts';
import { presentTask } from '../../domain/presenters.ts';

/** @see ../shared/api/docs/tasks.md */
export const tasksRoutes = new Hono<RicloudEnv>();

tasksRoutes.get('/', (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const q = c.get('query') as Query<'listTasks'>;
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
});

tasksRoutes.get('/:id', (c) => {
  const org = c.get('org');
  const id = c.req.param('id');
  const task = org.tasks.get(id);
  if (!task) throw Errors.notFound('task', id);
  return c.json(presentTask(c.get('mock'), org, task));
});
