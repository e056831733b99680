// Response validation against the ricloud spec, strict (a whole response) or partial (a pact's expectation).
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createAjv } from './ajv.ts';
import { type CompiledSpec, compileSpec } from './compile.ts';

type Json = Record<string, unknown>;

/** Drops every schema's `required` list: a pact asserts only the fields its consumer reads. */
function withoutRequired(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutRequired);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === 'required' && Array.isArray(v)) continue;
    out[k] = withoutRequired(v);
  }
  return out;
}

const escapePointer = (t: string) => t.replaceAll('~', '~0').replaceAll('/', '~1');

/** What a response check found: ajv's own errors and the schema they come from, or one problem in words. */
export type ResponseCheck =
  | { kind: 'ok' }
  | { kind: 'errors'; schema: string; body: unknown; errors: ErrorObject[] }
  | { kind: 'problem'; problem: string };

export interface ResponseValidator {
  /**
   * Problems with `body` as the answer of `operationId` with `status` (empty when it fits). Status lookup:
   * exact, then its range (`5XX`), then `default`.
   */
  validate(operationId: string, status: number, body: unknown): string[];
  /**
   * The same check, structured: ajv's errors (verbose: each carries its schema) with the JSON pointer of the
   * response schema, for callers that report each error at its pointer (the proxy, cli/proxy/validate.ts).
   * `problem` also covers a status the operation never answers.
   */
  check(operationId: string, status: number, body: unknown): ResponseCheck;
}

/**
 * Builds a response validator over the spec. `partial: true` ignores missing required fields (a pact's
 * body is a subset of the response) but still rejects unknown fields and wrong types or values.
 * @example createResponseValidator({ partial: true }).validate('retrieveUser', 200, { id: '1', nickname: 'x' })
 */
export function createResponseValidator(
  options: { partial?: boolean; spec?: CompiledSpec } = {},
): ResponseValidator {
  const spec = options.spec ?? compileSpec();
  const doc = (options.partial ? withoutRequired(spec.document) : spec.document) as Json;
  const ajv = createAjv({ strict: false, allErrors: true, verbose: true });
  ajv.addSchema({ ...doc, $id: 'ricloud' });
  const cache = new Map<string, ValidateFunction | null>();
  const paths = doc.paths as Record<string, Record<string, Json>>;

  function responsesOf(operationId: string): { path: string; method: string; responses: Json } | undefined {
    const op = spec.operations.get(operationId);
    if (!op) return undefined;
    const responses = paths[op.path]?.[op.method.toLowerCase()]?.responses as Json | undefined;
    return responses ? { path: op.path, method: op.method.toLowerCase(), responses } : undefined;
  }

  function check(operationId: string, status: number, body: unknown): ResponseCheck {
    const found = responsesOf(operationId);
    if (!found) return { kind: 'problem', problem: `unknown operation ${operationId}` };
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in found.responses);
    if (key === undefined) {
      return {
        kind: 'problem',
        problem: `the API never answers ${status} here (documented: ${Object.keys(found.responses).join(', ')})`,
      };
    }
    let raw = found.responses[key] as Json;
    let base = `#/paths/${escapePointer(found.path)}/${found.method}/responses/${escapePointer(key)}`;
    if (typeof raw.$ref === 'string') {
      base = raw.$ref;
      raw = base
        .replace(/^#\//, '')
        .split('/')
        .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
        .reduce<unknown>((o, k) => (o as Json)[k], doc) as Json;
    }
    if (!(raw.content as Json | undefined)?.['application/json']) return { kind: 'ok' };
    const pointer = `${base}/content/application~1json/schema`;
    let validate = cache.get(pointer);
    if (validate === undefined) {
      validate = ajv.getSchema(`ricloud${pointer}`) ?? null;
      cache.set(pointer, validate);
    }
    if (!validate) return { kind: 'problem', problem: `no schema at ${pointer}` };
    if (validate(body)) return { kind: 'ok' };
    return { kind: 'errors', schema: pointer, body, errors: [...(validate.errors ?? [])] };
  }

  return {
    check,
    validate(operationId, status, body) {
      const result = check(operationId, status, body);
      if (result.kind === 'ok') return [];
      if (result.kind === 'problem') return [result.problem];
      return describeErrors(result.errors);
    },
  };
}

/** ajv errors as short lines: `$.field.sub: reason`. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  const lines = new Set<string>();
  for (const e of errors ?? []) {
    const at = `$${e.instancePath.replace(/\//g, '.')}`;
    if (e.keyword === 'additionalProperties') {
      lines.add(
        `${at}.${(e.params as { additionalProperty: string }).additionalProperty}: the API has no such field`,
      );
    } else if (e.keyword === 'enum') {
      lines.add(
        `${at}: must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`,
      );
    } else if (e.keyword === 'const') {
      lines.add(`${at}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`);
    } else if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'if') {
      lines.add(`${at}: ${e.message ?? 'is invalid'}`);
    }
  }
  return [...lines];
}
