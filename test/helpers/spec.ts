/**
 * Response validation against openapi/ricloud-v3.yaml: every test that talks to the API checks what it
 * receives with `assertMatchesSpec`, so the spec and the server cannot drift apart.
 * @example
 * const res = await app.request('/users', { headers });
 * assertMatchesSpec('listUsers', res.status, await res.json());
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { addSpecFormats } from '../../server/spec/ajv.ts';
import { deriveLists } from '../../server/spec/derived.ts';

const SPEC_ID = 'ricloud-v3';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Where the spec lives; tests import it through here so there is one loader. */
export const SPEC_PATH = new URL('../../openapi/ricloud-v3.yaml', import.meta.url);

type Json = Record<string, unknown>;

interface ResponseEntry {
  /** JSON pointer of the response's application/json schema, or null when it has no JSON body. */
  pointer: string | null;
}

export interface SpecOperation {
  operationId: string;
  method: Uppercase<(typeof METHODS)[number]>;
  path: string;
  /** The operation object itself, $refs unresolved. */
  operation: Json;
  /** Status keys as written in the spec: '200', '404', '5XX', 'default'. */
  statuses: string[];
}

/** The parsed spec document (loaded once). */
export const spec: Json = parse(readFileSync(SPEC_PATH, 'utf8')) as Json;

/** The lists derived from the spec (server/spec/derived.ts): kinds, collections, id shapes, list kinds. */
export const LISTS = deriveLists(spec);

// The server's formats (ajv-formats plus its strict date parser), so the tests check dates as the server does.
const ajv = addSpecFormats(new Ajv2020({ strict: false, allErrors: true }));
ajv.addSchema({ ...spec, $id: SPEC_ID });

const escapePointer = (token: string): string => token.replaceAll('~', '~0').replaceAll('/', '~1');

function resolve(node: unknown): Json {
  let current = node as Json;
  for (let hops = 0; typeof current?.['$ref'] === 'string' && hops < 10; hops += 1) {
    const ref = current['$ref'] as string;
    current = ref
      .replace(/^#\//, '')
      .split('/')
      .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<unknown>((obj, key) => (obj as Json)[key], spec) as Json;
  }
  return current;
}

const operations = new Map<string, SpecOperation & { responses: Map<string, ResponseEntry> }>();
for (const [path, item] of Object.entries(spec['paths'] as Record<string, Json>)) {
  for (const method of METHODS) {
    const operation = item[method] as Json | undefined;
    if (!operation) continue;
    const operationId = operation['operationId'] as string;
    const responses = new Map<string, ResponseEntry>();
    for (const [status, raw] of Object.entries(operation['responses'] as Json)) {
      const response = resolve(raw);
      const content = response['content'] as Json | undefined;
      let pointer: string | null = null;
      if (content?.['application/json']) {
        // Point at the response object that holds the content, so ajv resolves its $refs inside the document.
        const base =
          typeof (raw as Json)['$ref'] === 'string'
            ? ((raw as Json)['$ref'] as string)
            : `#/paths/${escapePointer(path)}/${method}/responses/${escapePointer(status)}`;
        pointer = `${base}/content/application~1json/schema`;
      }
      responses.set(status, { pointer });
    }
    operations.set(operationId, {
      operationId,
      method: method.toUpperCase() as SpecOperation['method'],
      path,
      operation,
      statuses: [...responses.keys()],
      responses,
    });
  }
}

const validators = new Map<string, ValidateFunction>();
function validatorFor(pointer: string): ValidateFunction {
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.getSchema(`${SPEC_ID}${pointer}`);
    if (!validate) throw new Error(`spec: no schema at ${pointer}`);
    validators.set(pointer, validate);
  }
  return validate;
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => `  ${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
    .join('\n');
}

function preview(value: unknown): string {
  const text = JSON.stringify(value, null, 2) ?? String(value);
  return text.length > 4000 ? `${text.slice(0, 4000)}\n  ...(${text.length} chars)` : text;
}

/** Operation metadata (method, path, statuses) by operationId; throws for an unknown id. */
export function specOperation(operationId: string): SpecOperation {
  const op = operations.get(operationId);
  if (!op) throw new Error(`spec: unknown operationId ${operationId}`);
  const { responses: _responses, ...meta } = op;
  return meta;
}

/** Every operationId in the spec, in document order. */
export function specOperationIds(): string[] {
  return [...operations.keys()];
}

/**
 * Throws unless `body` is what the spec says `operationId` answers with `status`
 * (exact status first, then its range such as `5XX`, then `default`).
 */
export function assertMatchesSpec(operationId: string, status: number, body: unknown): void {
  const op = operations.get(operationId);
  if (!op) throw new Error(`spec: unknown operationId ${operationId}`);
  const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => op.responses.has(k));
  const entry = key === undefined ? undefined : op.responses.get(key);
  if (!entry) {
    throw new Error(
      `spec: ${operationId} (${op.method} ${op.path}) has no ${status} response (documented: ${op.statuses.join(', ')}).\nbody: ${preview(body)}`,
    );
  }
  if (entry.pointer === null) return;
  const validate = validatorFor(entry.pointer);
  if (!validate(body)) {
    throw new Error(
      `spec: ${operationId} ${status} response is off-spec:\n${describe(validate.errors)}\nbody: ${preview(body)}`,
    );
  }
}

/** Throws unless `value` matches `#/components/schemas/<schemaName>`. */
export function validateAgainstSchema(schemaName: string, value: unknown): void {
  const schemas = (spec['components'] as Json)['schemas'] as Json;
  if (!(schemaName in schemas)) throw new Error(`spec: unknown schema ${schemaName}`);
  const validate = validatorFor(`#/components/schemas/${escapePointer(schemaName)}`);
  if (!validate(value)) {
    throw new Error(
      `spec: value does not match ${schemaName}:\n${describe(validate.errors)}\nvalue: ${preview(value)}`,
    );
  }
}

/** Throws unless `value` matches the schema at a JSON pointer inside the spec (e.g. a request body). */
export function validateAtPointer(pointer: string, value: unknown): void {
  const validate = validatorFor(pointer);
  if (!validate(value)) {
    throw new Error(
      `spec: value does not match ${pointer}:\n${describe(validate.errors)}\nvalue: ${preview(value)}`,
    );
  }
}
