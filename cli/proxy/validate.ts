// Validation of live traffic against the ricloud spec, both directions: each request (path, query, JSON body) and
// each response (status, JSON body) is checked with the validators the mock itself uses (server/spec), and every
// error becomes one mismatch "the spec says X, the peer sent Y, at this JSON pointer". Values are redacted.
import type { ErrorObject } from 'ajv';
import { REDACTED } from '../../server/control/journal.ts';
import { type CompiledOperation, type CompiledSpec, compileSpec } from '../../server/spec/compile.ts';
import { createResponseValidator, type ResponseValidator } from '../../server/spec/responses.ts';
import { isSecretName } from './redact.ts';

/** One disagreement between a message and the spec. */
export interface Mismatch {
  /** The spec's operationId, or `METHOD /path` when no operation matches. */
  operation: string;
  direction: 'request' | 'response';
  /** Where in the message: `/path/<param>`, `/query/<name>`, `/body/...`, `/status` or `/content-type`. */
  pointer: string;
  /** What the spec says there, in words. */
  spec: string;
  /** Where the spec says it: `openapi/ricloud-v3.yaml#/...` (absent when no schema applies). */
  schema?: string;
  /** What the client (request) or the upstream (response) sent; `(missing)` when absent; secrets redacted. */
  sent: unknown;
}

/** One exchange as the proxy saw it. */
export interface Exchange {
  method: string;
  /** Path and query, as the client sent them (`/polls/1?x=y`). */
  target: string;
  requestHeaders: Record<string, string | string[] | undefined>;
  /** The request body, or `undefined` when it was too large to keep (then it is not validated). */
  requestBody: Uint8Array | undefined;
  status: number;
  responseHeaders: Record<string, string | string[] | undefined>;
  /** The response body, or `undefined` when it was too large to keep (then it is not validated). */
  responseBody: Uint8Array | undefined;
}

const SPEC_FILE = 'openapi/ricloud-v3.yaml';
const MISSING = '(missing)';
const escapeToken = (t: string) => t.replaceAll('~', '~0').replaceAll('/', '~1');
const unescapeToken = (t: string) => t.replaceAll('~1', '/').replaceAll('~0', '~');
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A value as a report shows it: secrets (by the name of any field on its pointer) redacted, long text cut. */
function shown(pointer: string, value: unknown): unknown {
  if (value === undefined) return MISSING;
  if (pointer.split('/').some((segment) => isSecretName(unescapeToken(segment)))) return REDACTED;
  const text = JSON.stringify(redactDeep(value));
  if (text !== undefined && text.length > 200) return `${text.slice(0, 200)}… (${text.length} characters)`;
  return redactDeep(value);
}

function redactDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactDeep);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretName(k) ? REDACTED : redactDeep(v);
  return out;
}

function at(value: unknown, pointer: string): unknown {
  let node = value;
  for (const segment of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[unescapeToken(segment)];
  }
  return node;
}

/** What a schema keyword demands, in words. */
function demand(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return 'a required field';
    case 'additionalProperties':
      return 'no such field';
    case 'enum':
      return `one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `exactly ${JSON.stringify(p.allowedValue)}`;
    case 'type':
      return `of type ${String(p.type)}`;
    case 'format':
      return `a string of format ${String(p.format)}`;
    case 'anyOf':
    case 'oneOf':
      return `one of: ${((e.schema as unknown[]) ?? []).map(describeSchema).join(' | ')}`;
    default:
      return e.message ?? `valid against ${e.keyword}`;
  }
}

function describeSchema(schema: unknown): string {
  const s = (schema ?? {}) as Record<string, unknown>;
  if (typeof s.$ref === 'string') return s.$ref.split('/').pop() as string;
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.type !== undefined) return ([] as unknown[]).concat(s.type).join(' | ');
  return 'a schema';
}

/**
 * ajv's errors as mismatches. The errors of an anyOf's (or oneOf's) branches are folded into the anyOf's own
 * error (one mismatch naming the branches); `if` errors only say which branch applied and are dropped.
 */
function fromAjv(
  errors: readonly ErrorObject[],
  base: {
    operation: string;
    direction: Mismatch['direction'];
    prefix: string;
    schemaBase?: string;
    schema?: string;
  },
  value: unknown,
): Mismatch[] {
  const unions = errors
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .map((e) => e.instancePath);
  const under = (path: string) => unions.some((u) => path === u || path.startsWith(`${u}/`));
  const out: Mismatch[] = [];
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && under(e.instancePath)) continue;
    let pointer = e.instancePath;
    if (e.keyword === 'required')
      pointer += `/${escapeToken(String((e.params as { missingProperty: string }).missingProperty))}`;
    if (e.keyword === 'additionalProperties')
      pointer += `/${escapeToken(String((e.params as { additionalProperty: string }).additionalProperty))}`;
    const full = `${base.prefix}${pointer}`;
    const m: Mismatch = {
      operation: base.operation,
      direction: base.direction,
      pointer: full,
      spec: demand(e),
      sent: shown(full, e.keyword === 'required' ? undefined : at(value, pointer)),
    };
    const schema = base.schema ?? schemaOf(e.schemaPath, base.schemaBase);
    if (schema) m.schema = `${SPEC_FILE}${schema}`;
    out.push(m);
  }
  return out;
}

/** The pointer of the schema an error comes from (its keyword dropped): absolute when ajv followed a $ref. */
function schemaOf(schemaPath: string, schemaBase: string | undefined): string | undefined {
  const path = schemaPath.replace(/\/[^/]+$/, '');
  if (path.startsWith('#/components') || path.startsWith('#/paths')) return path;
  if (!schemaBase) return undefined;
  return `${schemaBase}${path.slice(1)}`;
}

/** The JSON value of a body, `undefined` when empty, or `{ notJson }` when it is not UTF-8 JSON. */
function parseJson(bytes: Uint8Array): { value: unknown } | { notJson: true } | undefined {
  if (bytes.byteLength === 0) return undefined;
  try {
    return { value: JSON.parse(decoder.decode(bytes)) };
  } catch {
    return { notJson: true };
  }
}

function header(headers: Exchange['requestHeaders'], name: string): string {
  const v = headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

export interface ExchangeValidator {
  /** The operation an exchange calls, if the spec has it. */
  operationOf(method: string, target: string): CompiledOperation | undefined;
  /** Every mismatch of the request and of the response (empty when both fit the spec). */
  check(exchange: Exchange): Mismatch[];
}

/** Builds a validator over the ricloud spec (compiled once per process, as the mock does). */
export function createExchangeValidator(spec: CompiledSpec = compileSpec()): ExchangeValidator {
  const responses: ResponseValidator = createResponseValidator({ spec });
  const doc = spec.document as Record<string, unknown>;
  const resolve = (pointer: string): unknown =>
    pointer
      .replace(/^#\//, '')
      .split('/')
      .map(unescapeToken)
      .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], doc);
  /** A schema's pointer with its own `$ref`s followed: where its relative error paths start. */
  const refBase = (pointer: string): string => {
    let p = pointer;
    for (let i = 0; i < 10; i++) {
      const node = resolve(p) as Record<string, unknown> | undefined;
      if (typeof node?.$ref !== 'string') break;
      p = node.$ref;
    }
    return p;
  };
  const split = (target: string) => {
    const q = target.indexOf('?');
    return q < 0
      ? { pathname: target, search: '' }
      : { pathname: target.slice(0, q), search: target.slice(q) };
  };

  return {
    operationOf(method, target) {
      const m = spec.match(method.toUpperCase(), split(target).pathname);
      return m.kind === 'operation' ? m.op : undefined;
    },
    check(x) {
      const { pathname, search } = split(x.target);
      const method = x.method.toUpperCase();
      const match = spec.match(method, pathname);
      if (match.kind !== 'operation') {
        return [
          {
            operation: `${method} ${pathname}`,
            direction: 'request',
            pointer: '',
            spec:
              match.kind === 'method-not-allowed'
                ? `no ${method} here (documented: ${match.allowed.join(', ')})`
                : 'no such operation',
            sent: `${method} ${pathname}`,
          },
        ];
      }
      const { op, params } = match;
      const operation = op.id;
      const out: Mismatch[] = [];
      const opPointer = `#/paths/${escapeToken(op.path)}/${op.method.toLowerCase()}`;
      // Request: path parameters, query, body (copies: the validators coerce in place).
      const path = { ...params };
      if (!op.validatePath(path))
        out.push(
          ...fromAjv(
            op.validatePath.errors ?? [],
            { operation, direction: 'request', prefix: '/path', schema: `${opPointer}/parameters` },
            params,
          ),
        );
      const query: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(search)) if (!Object.hasOwn(query, k)) query[k] = v;
      const coerced = { ...query };
      if ((search || op.hasRequiredQuery) && !op.validateQuery(coerced))
        out.push(
          ...fromAjv(
            op.validateQuery.errors ?? [],
            { operation, direction: 'request', prefix: '/query', schema: `${opPointer}/parameters` },
            query,
          ),
        );
      const body = x.requestBody === undefined ? undefined : parseJson(x.requestBody);
      if (x.requestBody === undefined) {
        // Too large to keep: not checked.
      } else if (body && 'notJson' in body) {
        out.push({
          operation,
          direction: 'request',
          pointer: '/body',
          spec: 'a JSON body',
          sent: `${x.requestBody.byteLength} bytes that are not JSON`,
        });
      } else if (op.body === 'none') {
        if (body)
          out.push({
            operation,
            direction: 'request',
            pointer: '/body',
            spec: 'no request body',
            sent: shown('/body', body.value),
          });
      } else if (body || op.body === 'required') {
        const value = body?.value;
        const bodySchema = `${opPointer}/requestBody/content/application~1json/schema`;
        if (value === undefined) {
          out.push({
            operation,
            direction: 'request',
            pointer: '/body',
            spec: 'a required JSON body',
            schema: `${SPEC_FILE}${bodySchema}`,
            sent: MISSING,
          });
        } else if (op.validateBody && !op.validateBody(value)) {
          out.push(
            ...fromAjv(
              op.validateBody.errors ?? [],
              { operation, direction: 'request', prefix: '/body', schemaBase: refBase(bodySchema) },
              value,
            ),
          );
        }
      }
      // Response: status, then a JSON body against the status's schema.
      if (method === 'HEAD' || x.responseBody === undefined) return out;
      const answer = parseJson(x.responseBody);
      const type = header(x.responseHeaders, 'content-type').split(';')[0]?.trim().toLowerCase() ?? '';
      const result = responses.check(
        operation,
        x.status,
        answer && 'value' in answer ? answer.value : undefined,
      );
      if (result.kind === 'problem') {
        out.push({
          operation,
          direction: 'response',
          pointer: '/status',
          spec: result.problem.replace(/^the API never answers \d+ here \(documented: (.*)\)$/, 'one of $1'),
          schema: `${SPEC_FILE}${opPointer}/responses`,
          sent: x.status,
        });
        return out;
      }
      if (result.kind === 'ok') return out;
      if (!answer || 'notJson' in answer || (type !== 'application/json' && !type.endsWith('+json'))) {
        out.push({
          operation,
          direction: 'response',
          pointer: '/content-type',
          spec: 'application/json',
          schema: `${SPEC_FILE}${result.schema.replace(/\/schema$/, '')}`,
          sent: type || MISSING,
        });
        if (!answer || 'notJson' in answer) return out;
      }
      out.push(
        ...fromAjv(
          result.errors,
          { operation, direction: 'response', prefix: '/body', schemaBase: refBase(result.schema) },
          result.body,
        ),
      );
      return out;
    },
  };
}
