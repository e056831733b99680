// /sources: the accounts and devices behind sessions (list, retrieve, update state, children); POST /sessions creates them.
import { Hono } from 'hono';
import type { Query, RequestBody } from '../../../openapi/types.ts';
import type { RicloudEnv } from '../../domain/context.ts';
import { Errors } from '../../domain/errors.ts';
import { paginate } from '../../domain/lists.ts';
import { presentSource } from '../../domain/presenters.ts';
import type { OrgState, SourceRecord } from '../../domain/store.ts';

function findSource(org: OrgState, id: string): SourceRecord {
  const source = org.sources.get(id);
  if (!source) throw Errors.notFound('source', id);
  return source;
}

/** @see ../shared/api/docs/sources.md */
export const sourcesRoutes = new Hono<RicloudEnv>();

sourcesRoutes.get('/', (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const q = c.get('query') as Query<'listSources'>;
  const items = org.sources
    .newestFirst()
    .filter(
      (s) =>
        (q.user === undefined || s.user === q.user) &&
        (q.identifier === undefined || s.identifier === q.identifier) &&
        (q.type === undefined || s.type === q.type) &&
        (q.parent === undefined || s.parent === q.parent) &&
        (q.state === undefined || s.state === q.state),
    );
  return c.json(paginate(items, q, '/sources', (s) => presentSource(ctx, org, s)));
});

sourcesRoutes.get('/:id', (c) => {
  const org = c.get('org');
  return c.json(presentSource(c.get('mock'), org, findSource(org, c.req.param('id'))));
});

sourcesRoutes.post('/:id', (c) => {
  const org = c.get('org');
  const source = findSource(org, c.req.param('id'));
  const { state } = c.get('body') as RequestBody<'updateSource'>;
  if (state !== source.state) {
    // Blocked (an API admin) and locked (the service) are not the organisation's to lift; an unvalidated source
    // becomes active only through a successful session.
    // DIVERGENCE: the docs only say state is updatable; these transitions are a 409 invalid-state.
    if (
      source.state === 'blocked' ||
      source.state === 'locked' ||
      (source.state === 'unvalidated' && state === 'active')
    ) {
      throw Errors.invalidState(
        'source',
        source.id,
        source.state,
        `The source ${source.id} is ${source.state}: it cannot be set to ${state} through the API.`,
      );
    }
    source.state = state;
  }
  return c.json(presentSource(c.get('mock'), org, source));
});

sourcesRoutes.get('/:id/children', (c) => {
  const ctx = c.get('mock');
  const org = c.get('org');
  const source = findSource(org, c.req.param('id'));
  const q = c.get('query') as Query<'listSourceChildren'>;
  const children = org.sources.newestFirst().filter((s) => s.parent === source.id);
  return c.json(paginate(children, q, `/sources/${source.id}/children`, (s) => presentSource(ctx, org, s)));
});
