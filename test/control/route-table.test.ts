// The /_mock routes are declared once, in openapi/control.yaml: every operation has exactly one handler, keyed by
// its operationId, mounted at the spec's path and method by the registrar both planes share (server/spec/operations.ts).
import { describe, expect, it } from 'vitest';
import type { ControlHandlers } from '../../server/control/input.ts';
import { ChangeFeed } from '../../server/control/inspect.ts';
import { CONTROL_SPEC_PATH, controlHandlerModules } from '../../server/control/routes.ts';
import { compileSpec } from '../../server/spec/compile.ts';
import { operationRoutes, routeTableProblems } from '../../server/spec/operations.ts';
import { testMock } from '../helpers/api.ts';

describe('the control route table', () => {
  const spec = compileSpec(CONTROL_SPEC_PATH);
  const modulesOf = () => {
    const { mock } = testMock();
    return controlHandlerModules(mock, new ChangeFeed(mock.ctx));
  };

  it('has exactly one handler for every operation of the control spec, and no handler without an operation', () => {
    const modules = modulesOf();
    expect(routeTableProblems(spec, modules)).toEqual([]);
    const handled = modules.flatMap((m) => Object.keys(m)).sort();
    expect(handled).toEqual([...spec.operations.keys()].sort());
    expect(handled).toContain('getHealth');
    expect(handled).toContain('streamChanges');
  });

  it('is a start-up error naming a missing handler, a handler twice and a handler for no operation', () => {
    const [plane, ...rest] = modulesOf() as [ControlHandlers, ...ControlHandlers[]];
    const build = (modules: object[]) => () =>
      operationRoutes(spec, modules, { plane: 'control', basePath: '/_mock' });
    expect(build(rest)).toThrow(
      `The control route table does not match the spec:\n${[...spec.operations.keys()]
        .filter((id) => id in plane)
        .map((id) => `${id}: no handler`)
        .join('\n')}`,
    );
    expect(build([plane, ...rest, { listFaults: plane.getClock }])).toThrow(
      'The control route table does not match the spec:\nlistFaults: handled twice',
    );
    expect(build([plane, ...rest, { resetEverything: () => new Response() }])).toThrow(
      'The control route table does not match the spec:\nresetEverything: a handler for no operation of the spec',
    );
  });

  it('mounts each operation at its spec path (under /_mock) and method', () => {
    const routes = operationRoutes(spec, modulesOf(), { plane: 'control', basePath: '/_mock' });
    const table = routes.map((r) => `${r.method} ${r.path}`);
    expect(table).toContain('GET /health');
    expect(table).toContain('DELETE /faults/:id');
    expect(table).toContain('GET /organisations/:id/records/:collection/:record');
    expect(table).toHaveLength(spec.operations.size);
    expect(new Set(table).size).toBe(table.length);
  });

  it('answers through the mounted routes: health before the guard, the rest behind it, path parameters reach the handler', async () => {
    const { mock } = testMock({ control: { token: 'control-secret' } });
    const call = (method: string, path: string, token?: string) =>
      mock.app.request(`/_mock${path}`, {
        method,
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      });
    const health = await call('GET', '/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await call('GET', '/clock')).status).toBe(401);
    const org = [...mock.ctx.world.orgs.values()][0];
    const tenant = await call('GET', `/organisations/${org?.id}`, 'control-secret');
    expect(tenant.status).toBe(200);
    expect(await tenant.json()).toMatchObject({ organisation: { id: org?.id } });
    expect((await call('DELETE', '/faults/no-such-fault', 'control-secret')).status).toBe(404);
  });
});
