import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { ROUTE_MODULES } from '../server/http/routes/index.ts';
import {
  LISTS,
  SPEC_PATH,
  spec,
  specOperation,
  specOperationIds,
  validateAtPointer,
} from './helpers/spec.ts';

type Json = Record<string, unknown>;

/** Every operation of the spec (server/spec/derived.ts), each checked below. */
const OPERATION_IDS = LISTS.operationIds;

const components = spec['components'] as Record<string, Json>;
const schemas = components['schemas'] as Record<string, Json>;
const examples = components['examples'] as Record<string, Json>;

/** Every place that references a `components/examples` entry: the schema pointer it must satisfy. */
function exampleUsages(): Array<{ example: string; where: string; schemaPointer: string }> {
  const usages: Array<{ example: string; where: string; schemaPointer: string }> = [];
  const walk = (node: unknown, pointer: string): void => {
    if (node === null || typeof node !== 'object') return;
    const obj = node as Json;
    if (obj['schema'] && obj['examples'] && typeof obj['examples'] === 'object') {
      for (const [name, ex] of Object.entries(obj['examples'] as Record<string, Json>)) {
        const ref = ex['$ref'];
        if (typeof ref === 'string' && ref.startsWith('#/components/examples/')) {
          usages.push({
            example: ref.slice('#/components/examples/'.length),
            where: `${pointer}/examples/${name}`,
            schemaPointer: `${pointer}/schema`,
          });
        }
      }
    }
    for (const [key, value] of Object.entries(obj)) {
      walk(value, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
    }
  };
  walk(spec['paths'], '#/paths');
  walk(components['responses'], '#/components/responses');
  for (const [name, ex] of Object.entries(examples)) {
    const target = ex['x-schema'];
    if (typeof target === 'string')
      usages.push({ example: name, where: `#/components/examples/${name}/x-schema`, schemaPointer: target });
  }
  return usages;
}

describe('openapi/ricloud-v3.yaml', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(readFileSync(SPEC_PATH, 'utf8'));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('has exactly the operationIds the server has handlers for', () => {
    const handled = ROUTE_MODULES.flatMap((handlers) => Object.keys(handlers));
    expect([...specOperationIds()].sort()).toEqual(handled.sort());
    expect([...OPERATION_IDS].sort()).toEqual(handled.sort());
  });

  it.each(OPERATION_IDS)(
    '%s has externalDocs, a 401 and a 429 response, and the Ricloud-Await header',
    (id) => {
      const { operation, statuses } = specOperation(id);
      expect((operation['externalDocs'] as Json | undefined)?.['url']).toMatch(
        /^https:\/\/reincubate\.com\/support\/ricloud\//,
      );
      expect(statuses).toContain('401');
      expect(statuses).toContain('429');
      expect(statuses).toContain('400');
      const params = (operation['parameters'] as Json[]).map((p) => p['$ref']);
      expect(params).toContain('#/components/parameters/RicloudAwait');
    },
  );

  it('answers creates with 201 and everything else with 200', () => {
    for (const id of OPERATION_IDS) {
      const ok = specOperation(id).statuses.filter((s) => s.startsWith('2'));
      if (id.startsWith('create')) expect(ok, id).toContain('201');
      else expect(ok, id).toEqual(['200']);
    }
  });

  it('lists a 404 wherever the path takes an id', () => {
    for (const id of OPERATION_IDS) {
      const { path, statuses } = specOperation(id);
      if (path.includes('{id}')) expect(statuses, id).toContain('404');
    }
  });

  it('gives every *List schema the list object shape with resource "list"', () => {
    const lists = Object.keys(schemas).filter((name) => name.endsWith('List'));
    expect(lists.length).toBeGreaterThanOrEqual(13);
    for (const name of lists) {
      const valid = { resource: 'list', data: [], has_more: false, total_count: 0, url: '/x' };
      expect(() => validateAtPointer(`#/components/schemas/${name}`, valid), name).not.toThrow();
      expect(
        () => validateAtPointer(`#/components/schemas/${name}`, { ...valid, resource: 'lists' }),
        name,
      ).toThrow();
      const { resource: _resource, ...withoutResource } = valid;
      expect(() => validateAtPointer(`#/components/schemas/${name}`, withoutResource), name).toThrow();
    }
  });

  it('references every components/examples entry at least once', () => {
    const used = new Set(exampleUsages().map((u) => u.example));
    expect(Object.keys(examples).filter((name) => !used.has(name))).toEqual([]);
  });

  it.each(exampleUsages().map((u) => [u.example, u.where, u.schemaPointer] as const))(
    'example %s is valid where %s uses it',
    (example, _where, schemaPointer) => {
      const entry = examples[example];
      expect(entry, `missing example ${example}`).toBeDefined();
      expect(() => validateAtPointer(schemaPointer, entry?.['value'])).not.toThrow();
    },
  );

  it('rejects an off-schema example (the example check is not vacuous)', () => {
    const usage = exampleUsages().find((u) => u.example === 'SessionWalkthrough');
    expect(usage).toBeDefined();
    const broken = { ...(examples['SessionWalkthrough']?.['value'] as Json), state: 'succeeded' };
    expect(() => validateAtPointer(usage?.schemaPointer ?? '', broken)).toThrow(/state/);
  });

  it('uses only the x- extensions docs/design.md explains', () => {
    const found = new Set<string>();
    const walk = (node: unknown): void => {
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node as Json)) {
        if (key.startsWith('x-')) found.add(key);
        walk(value);
      }
    };
    walk(spec);
    expect([...found].sort()).toEqual([
      'x-divergence',
      'x-divergence-id',
      'x-error-message',
      'x-resource-kind',
      'x-ricloud-await',
      'x-schema',
    ]);
  });
});
