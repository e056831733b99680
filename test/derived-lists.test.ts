// The lists code and tests use (server/spec/derived.ts) follow the spec: a documented endpoint added to the spec
// shows up in every one of them, with nothing else edited; and the mock answers as they say.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTROL_SPEC_PATH } from '../server/control/routes.ts';
import { routeTableProblems } from '../server/http/operations.ts';
import { ROUTE_MODULES } from '../server/http/routes/index.ts';
import { IdSource } from '../server/runtime/ids.ts';
import { compileSpec } from '../server/spec/compile.ts';
import { type DerivedLists, deriveLists, listKindOf, resourceKindOf } from '../server/spec/derived.ts';
import { testMock } from './helpers/api.ts';
import { LISTS, spec } from './helpers/spec.ts';

type Json = Record<string, unknown>;

const MISSING = { seq: '987654', uuid: '0badc0de-0000-4000-8000-000000000000' } as const;

const listSchema = (item: string) => ({
  type: 'object',
  required: ['resource', 'data'],
  properties: {
    resource: { const: 'list' },
    data: { type: 'array', items: { $ref: `#/components/schemas/${item}` } },
  },
});
const recordSchema = (kind: string, id: 'SeqId' | 'Uuid') => ({
  type: 'object',
  required: ['id', 'resource'],
  properties: { id: { $ref: `#/components/schemas/${id}` }, resource: { const: kind } },
});
const answer = (schema: string) => ({
  description: 'OK',
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
});
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

/**
 * A copy of the spec with two documented endpoints more, as a maintainer would write them: `widget` records
 * (sequence ids) with a collection, a create and a retrieve, and `gadget` records (UUIDs) listed under a widget.
 */
function specWithWidgets(): Json {
  const copy = structuredClone(spec);
  const paths = copy.paths as Json;
  paths['/widgets'] = {
    'x-resource-kind': 'widget',
    get: {
      operationId: 'listWidgets',
      parameters: [
        {
          name: 'owner',
          in: 'query',
          schema: { $ref: '#/components/schemas/SeqId' },
          'x-resource-kind': 'user',
        },
      ],
      responses: { '200': answer('WidgetList') },
    },
    post: {
      operationId: 'createWidget',
      requestBody: {
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                spare: { $ref: '#/components/schemas/Uuid', 'x-resource-kind': 'gadget' },
              },
            },
          },
        },
      },
      responses: { '201': answer('Widget') },
    },
  };
  paths['/widgets/{id}'] = {
    'x-resource-kind': 'widget',
    parameters: [idParam],
    get: { operationId: 'retrieveWidget', responses: { '200': answer('Widget') } },
  };
  paths['/widgets/{id}/gadgets'] = {
    'x-resource-kind': 'widget',
    parameters: [idParam],
    get: { operationId: 'listWidgetGadgets', responses: { '200': answer('GadgetList') } },
  };
  const schemas = (copy.components as Json).schemas as Json;
  schemas.Widget = recordSchema('widget', 'SeqId');
  schemas.WidgetList = listSchema('Widget');
  schemas.Gadget = recordSchema('gadget', 'Uuid');
  schemas.GadgetList = listSchema('Gadget');
  return copy;
}

/** Every list as plain data, to compare two derivations. */
const plain = (lists: DerivedLists) => ({
  operationIds: [...lists.operationIds],
  kindByPath: [...lists.kindByPath],
  kindByPrefix: lists.kindByPrefix.map(([prefix, kind]) => [prefix, kind]),
  listKindByOperation: [...lists.listKindByOperation],
  idShapeByKind: [...lists.idShapeByKind],
  refKindByField: [...lists.refKindByField],
  seqKinds: [...lists.seqKinds],
  sessionFailureErrors: [...lists.sessionFailureErrors],
  sessionExpiryTriggers: [...lists.sessionExpiryTriggers],
});

const enumOf = (doc: Json, name: string): unknown =>
  (((doc.components as Json).schemas as Json)[name] as Json).enum;

describe('the lists derived from the spec', () => {
  const widened = deriveLists(specWithWidgets());

  it('take a new documented endpoint into every list: operation ids, kinds, collections, id shapes, list kinds', () => {
    expect(widened.operationIds).toEqual([
      ...LISTS.operationIds,
      'listWidgets',
      'createWidget',
      'retrieveWidget',
      'listWidgetGadgets',
    ]);
    expect(resourceKindOf(widened, '/widgets/{id}')).toBe('widget');
    expect(resourceKindOf(widened, '/widgets/{id}/gadgets')).toBe('widget');
    expect(widened.kindByPrefix).toEqual([...LISTS.kindByPrefix, ['/widgets', 'widget']]);
    expect(listKindOf(widened, 'listWidgets')).toBe('widget');
    expect(listKindOf(widened, 'listWidgetGadgets')).toBe('gadget');
    expect(widened.idShapeByKind.get('widget')).toBe('seq');
    expect(widened.idShapeByKind.get('gadget')).toBe('uuid');
    expect(widened.seqKinds.has('widget')).toBe(true);
    expect(widened.seqKinds.has('gadget')).toBe(false);
    expect(widened.refKindByField.get('owner')).toBe('user');
    expect(widened.refKindByField.get('spare')).toBe('gadget');
  });

  it('change nothing else when an endpoint is added', () => {
    const before = plain(LISTS);
    const after = plain(widened);
    const isNew = (entry: unknown) => /widget|gadget/i.test(JSON.stringify(entry));
    expect({
      ...after,
      operationIds: after.operationIds.filter((e) => !isNew(e)),
      kindByPath: after.kindByPath.filter((e) => !isNew(e)),
      kindByPrefix: after.kindByPrefix.filter((e) => !isNew(e)),
      listKindByOperation: after.listKindByOperation.filter((e) => !isNew(e)),
      idShapeByKind: after.idShapeByKind.filter((e) => !isNew(e)),
      refKindByField: after.refKindByField.filter(([field]) => !['owner', 'spare'].includes(field)),
      seqKinds: after.seqKinds.filter((e) => !isNew(e)),
    }).toEqual(before);
  });

  it('refuse a spec that does not state what they need, and never guess', () => {
    const unkinded = specWithWidgets();
    delete ((unkinded.paths as Json)['/widgets'] as Json)['x-resource-kind'];
    expect(() => deriveLists(unkinded)).toThrow('/widgets: the path item has no x-resource-kind');
    const shapeless = specWithWidgets();
    (((shapeless.components as Json).schemas as Json).Widget as Json).properties = {
      id: { type: 'integer' },
      resource: { const: 'widget' },
    };
    expect(() => deriveLists(shapeless)).toThrow('listWidgets: the id of its widget items is neither');
    const ambiguous = specWithWidgets();
    const owner = (
      (((ambiguous.paths as Json)['/widgets'] as Json).get as Json).parameters as Json[]
    )[0] as Json;
    owner.name = 'parent';
    expect(() => deriveLists(ambiguous)).toThrow('parent: refers to both source and user');
    expect(() => listKindOf(LISTS, 'retrieveUser')).toThrow('retrieveUser: not a list operation');
    expect(() => listKindOf(LISTS, 'listWidgets')).toThrow('listWidgets: not a list operation');
    expect(() => resourceKindOf(LISTS, '/widgets/{id}')).toThrow('/widgets/{id}: no such path');
  });

  it('give each collection the kind of the records its list returns', () => {
    const lists = [...compileSpec().operations.values()].filter(
      (op) => op.method === 'GET' && LISTS.kindByPrefix.some(([prefix]) => prefix === op.path),
    );
    expect(lists.map((op) => op.path)).toEqual(LISTS.kindByPrefix.map(([prefix]) => prefix));
    for (const op of lists) expect(listKindOf(LISTS, op.id), op.id).toBe(resourceKindOf(LISTS, op.path));
  });

  it('name the resource kind in the 404 of every path that takes a missing id', async () => {
    const t = testMock();
    const ops = [...t.mock.ctx.spec.operations.values()].filter(
      (op) => op.method === 'GET' && op.path.includes('{id}'),
    );
    expect(ops.length).toBeGreaterThanOrEqual(14);
    for (const op of ops) {
      const kind = resourceKindOf(LISTS, op.path);
      const id = MISSING[LISTS.idShapeByKind.get(kind) ?? 'uuid'];
      const res = await t.get(op.path.replace('{id}', id));
      expect(res.status, op.id).toBe(404);
      expect(res.body.params, op.id).toEqual({ resource: kind, id });
    }
  });

  it('need no list of sequences: a new kind with sequence ids gets its own, carried by snapshots', () => {
    const ids = new IdSource('derived');
    const users = [ids.next('user'), ids.next('user')];
    expect([ids.next('widget'), ids.next('widget')]).toEqual(['1', '2']);
    expect(ids.next('user')).toBe(String(Number(users[1]) + 1));
    const restored = new IdSource('derived', ids.snapshot());
    expect(restored.next('widget')).toBe('3');
    expect(new IdSource('derived').snapshot().counters).not.toHaveProperty('widget');
  });

  it('match the handler table: a new documented endpoint without its handler is a start-up error', () => {
    expect(routeTableProblems(compileSpec(), ROUTE_MODULES)).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'ricloud-derived-'));
    try {
      const path = join(dir, 'widened.json');
      writeFileSync(path, JSON.stringify(specWithWidgets()));
      expect(routeTableProblems(compileSpec(path), ROUTE_MODULES)).toEqual([
        'listWidgets: no handler',
        'createWidget: no handler',
        'retrieveWidget: no handler',
        'listWidgetGadgets: no handler',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the session errors', () => {
  const control = compileSpec(CONTROL_SPEC_PATH).document;

  it('are one enum in both specs: what ricloud reports and what the control plane can force', () => {
    expect(LISTS.sessionFailureErrors.length).toBeGreaterThan(0);
    expect(LISTS.sessionExpiryTriggers.length).toBeGreaterThan(0);
    expect(enumOf(control, 'SessionFailureError')).toEqual(LISTS.sessionFailureErrors);
    expect(enumOf(control, 'SessionExpiryTrigger')).toEqual(LISTS.sessionExpiryTriggers);
  });

  it('each failure of the enum can be forced, and the session reports it; another is a 400', async () => {
    const t = testMock();
    const user = (await t.post('/users', { identifier: 'u' })).body;
    for (const error of LISTS.sessionFailureErrors) {
      const identifier = `${error}+no2fa@example.com`;
      const forced = await t.post('/_mock/scenarios/sessions', {
        source_identifier: identifier,
        state: 'failed',
        error,
      });
      expect(forced.status, error).toBe(201);
      const session = await t.post('/sessions', {
        source: { user: user.id, type: 'icloud.account', identifier },
        payload: { password: 'pw' },
      });
      await t.advance(10);
      expect((await t.get(`/sessions/${session.body.id}`)).body, error).toMatchObject({
        state: 'failed',
        error,
      });
    }
    const odd = await t.post('/_mock/scenarios/sessions', {
      source_identifier: 'x@example.com',
      state: 'failed',
      error: 'not-an-error',
    });
    expect(odd.status).toBe(400);
    expect(Object.keys(odd.body.params)).toContain('error');
  });
});
