// Routes are declared once, in the spec: every operation has exactly one handler, keyed by its operationId.
import { describe, expect, it } from 'vitest';
import { type RouteHandlers, routeTableProblems } from '../server/http/operations.ts';
import { ROUTE_MODULES } from '../server/http/routes/index.ts';
import { compileSpec } from '../server/spec/compile.ts';
import { testMock } from './helpers/api.ts';

describe('the ricloud route table', () => {
  const spec = compileSpec();

  it('has exactly one handler for every operation of the spec, and no handler without an operation', () => {
    expect(routeTableProblems(spec, ROUTE_MODULES)).toEqual([]);
    const handled = ROUTE_MODULES.flatMap((m) => Object.keys(m)).sort();
    expect(handled).toEqual([...spec.operations.keys()].sort());
  });

  it('names a missing handler, a handler twice and a handler for no operation', () => {
    const [first, ...rest] = ROUTE_MODULES as [RouteHandlers, ...RouteHandlers[]];
    expect(routeTableProblems(spec, rest)).toEqual(Object.keys(first).map((id) => `${id}: no handler`));
    expect(
      routeTableProblems(spec, [
        ...ROUTE_MODULES,
        { listUsers: first.retrieveOrganisation } as RouteHandlers,
      ]),
    ).toEqual(['listUsers: handled twice']);
    const stray = { retrieveNothing: () => new Response() } as unknown as RouteHandlers;
    expect(routeTableProblems(spec, [...ROUTE_MODULES, stray])).toEqual([
      'retrieveNothing: a handler for no operation of the spec',
    ]);
  });

  it('mounts each handler at its spec path and method (a path parameter reaches the handler)', async () => {
    const t = testMock();
    const me = await t.get('/key');
    expect(me.status).toBe(200);
    const res = await t.get(`/keys/${me.body.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ resource: 'key', id: me.body.id });
    const rotated = await t.post(`/keys/${me.body.id}/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.token).not.toBe(me.body.token);
  });
});
