// Hostile names in /_mock paths: every path parameter of every control operation, given a name that is a property of
// Object.prototype (or a random string), is a clear 4xx, never a 500 (issue: `records/toString` was a TypeError).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTROL_SPEC_PATH } from '../../server/control/routes.ts';
import { compileSpec } from '../../server/spec/compile.ts';
import { testMock } from '../helpers/api.ts';

const PROTOTYPE_NAMES = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'prototype'];
const OPERATIONS = [...compileSpec(CONTROL_SPEC_PATH).operations.values()].filter(
  (op) => op.pathParams.length > 0,
);

/**
 * The operation's path with every parameter given `name`, and (when it has more than one) with the organisation
 * `{id}` kept real, so that the lookup of the next parameter is reached too.
 */
function pathsOf(template: string, name: string): string[] {
  const all = template.replace(/\{\w+\}/g, encodeURIComponent(name));
  if ((template.match(/\{/g) ?? []).length < 2) return [all];
  return [all, template.replace('{id}', '1').replace(/\{\w+\}/g, encodeURIComponent(name))];
}

describe('prototype names in control paths', () => {
  it.each(PROTOTYPE_NAMES)('answers a 404 (never a 500) for %s in every control path', async (name) => {
    const t = testMock();
    for (const op of OPERATIONS) {
      for (const path of pathsOf(op.path, name)) {
        const res = await t.api(op.method.toUpperCase(), path, op.body === 'none' ? {} : { body: {} });
        expect(res.status, `${op.method} ${path}: ${res.text}`).toBeLessThan(500);
        expect(res.body?.error, `${op.method} ${path}`).toEqual(expect.any(String));
      }
    }
    // The records of the preset organisation: the exact request.
    const records = await t.get(`/_mock/organisations/1/records/${name}`);
    expect(records.status).toBe(404);
    expect(records.body).toMatchObject({ error: 'not-found', params: { resource: 'collection' } });
  });

  it('answers no 5xx for random hostile names in any control path parameter (property)', async () => {
    const t = testMock();
    const hostile = fc.oneof(
      fc.constantFrom(...PROTOTYPE_NAMES, '..', '%00', '__defineGetter__', 'isPrototypeOf'),
      fc.string({ minLength: 1, maxLength: 24 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...OPERATIONS), hostile, async (op, name) => {
        for (const path of pathsOf(op.path, name)) {
          const res = await t.api(op.method.toUpperCase(), path, op.body === 'none' ? {} : { body: {} });
          expect(res.status, `${op.method} ${path}: ${res.text}`).toBeLessThan(500);
        }
      }),
      { numRuns: 200, seed: 2121 },
    );
  });
});
