// The OpenAPI document compiled once: a route table, and ajv validators for every operation's input (built lazily).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createAjv } from './ajv.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

type JsonObject = Record<string, unknown>;

export interface CompiledOperation {
  id: string;
  method: string;
  /** The spec's path template, e.g. `/sessions/{id}`. */
  path: string;
  regex: RegExp;
  pathParams: string[];
  /** Whether the operation takes a JSON body, and whether it must. */
  body: 'none' | 'optional' | 'required';
  validateBody?: ValidateFunction;
  validateQuery: ValidateFunction;
  validatePath: ValidateFunction;
  queryNames: Set<string>;
  /** Whether a query parameter is required (else an empty query needs no validation). */
  hasRequiredQuery: boolean;
}

export type RouteMatch =
  | { kind: 'operation'; op: CompiledOperation; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'none' };

export interface CompiledSpec {
  document: JsonObject;
  operations: Map<string, CompiledOperation>;
  match(method: string, path: string): RouteMatch;
}

/** Resolves a local `$ref` (`#/components/...`) inside the document. */
function deref<T>(doc: JsonObject, node: T): T {
  let current: unknown = node;
  for (
    let i = 0;
    i < 10 && current && typeof current === 'object' && '$ref' in (current as JsonObject);
    i++
  ) {
    const ref = String((current as JsonObject).$ref);
    current = ref
      .replace(/^#\//, '')
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((acc, k) => (acc as JsonObject | undefined)?.[k], doc);
  }
  return current as T;
}

/** Points a schema's local `$ref`s at the document added to ajv as `spec`. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (!schema || typeof schema !== 'object') return schema;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(schema as JsonObject)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#') ? `spec${v}` : rebase(v);
  }
  return out;
}

function pointer(...parts: string[]): string {
  return parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

const CUSTOM_KEYWORDS = new Set(['anyOf', 'not', 'pattern', 'required']);

/** Turns ajv errors into `params`: one reason per bad field, named by its dotted path. */
export function ajvErrorsToParams(
  errors: ErrorObject[] | null | undefined,
  root = '',
): Record<string, string> {
  const params: Record<string, string> = {};
  const all = errors ?? [];
  // A schema may word its own reason (`x-error-message`): then its anyOf/not/pattern/required error stands for
  // the rule, and the errors of an anyOf's branches are dropped as noise.
  const custom = (e: ErrorObject) => {
    const s = e.parentSchema as Record<string, unknown> | undefined;
    return typeof s?.['x-error-message'] === 'string' && CUSTOM_KEYWORDS.has(e.keyword) ? s : undefined;
  };
  const collapsed = all.filter((e) => e.keyword === 'anyOf' && custom(e)).map((e) => `${e.schemaPath}/`);
  for (const e of all) {
    // `if` only says which branch failed; the branch's own errors name the field.
    if (e.keyword === 'if') continue;
    if (collapsed.some((prefix) => e.schemaPath.startsWith(prefix))) continue;
    let name = e.instancePath
      .split('/')
      .filter(Boolean)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .join('.');
    let reason = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') {
      const extra = String((e.params as { additionalProperty?: string }).additionalProperty);
      name = name ? `${name}.${extra}` : extra;
      reason = 'is not a known field';
    } else if (e.keyword === 'required') {
      const missing = String((e.params as { missingProperty?: string }).missingProperty);
      name = name ? `${name}.${missing}` : missing;
      reason = 'is required';
    } else if (e.keyword === 'enum') {
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues ?? [];
      reason = `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
    } else if (e.keyword === 'const') {
      reason = `must be ${JSON.stringify((e.params as { allowedValue?: unknown }).allowedValue)}`;
    }
    const own = custom(e);
    if (own) reason = String(own['x-error-message']);
    const key = name || root || 'body';
    // Defined, not assigned: a field named `__proto__` must be named in params, not swap its prototype.
    if (!Object.hasOwn(params, key))
      Object.defineProperty(params, key, {
        value: reason,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return params;
}

/**
 * The package's own files (openapi/, fixtures/scenarios/) by their path from the package root. The root is the
 * nearest folder above this module that has openapi/: the same answer from the sources (server/ at any depth)
 * and from the bundle (dist/), so a module can move between folders without a `../` to recount.
 */
export function packageFile(relative: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  let dir = here;
  while (!existsSync(join(dir, 'openapi'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package root (a folder with openapi/) above ${here}`);
    dir = up;
  }
  return join(dir, relative) + (relative.endsWith('/') ? sep : '');
}

/** Default location of the ricloud spec. */
export const RICLOUD_SPEC_PATH = packageFile('openapi/ricloud-v3.yaml');

const cache = new Map<string, CompiledSpec>();

/** The key the build (scripts/build.mjs) writes first into a spec's JSON copy: the sha256 of the YAML it came from. */
export const SOURCE_HASH_KEY = 'x-generated-from-sha256';

/** The sha256 of a spec's YAML text (what its generated JSON copy records). */
export function sourceHash(yamlText: string): string {
  return createHash('sha256').update(yamlText).digest('hex');
}

/**
 * Reads a spec document. A `.yaml` path is served from its `.json` sibling, a build output (scripts/build.mjs: every
 * build, `npm start` and the test suite's globalSetup write it; never committed), when that copy was made from
 * exactly this YAML: JSON.parse takes ~2 ms where parsing the 3,800-line YAML took ~150–250 ms of the first
 * createMock(). A missing or stale copy (a fresh clone run from its sources, the YAML edited since) falls back to
 * the YAML, so an edited spec is always what runs.
 */
export function loadSpecDocument(path: string): JsonObject {
  const text = readFileSync(path, 'utf8');
  if (!/\.ya?ml$/.test(path)) return JSON.parse(text) as JsonObject;
  const jsonPath = path.replace(/\.ya?ml$/, '.json');
  if (existsSync(jsonPath)) {
    const doc = JSON.parse(readFileSync(jsonPath, 'utf8')) as JsonObject;
    if (doc[SOURCE_HASH_KEY] === sourceHash(text)) {
      delete doc[SOURCE_HASH_KEY];
      return doc;
    }
  }
  // `yaml` is loaded only on this path: the compiled build never needs it unless the spec was edited.
  const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return parse(text) as JsonObject;
}

/**
 * Compiles a spec once per process (validators are reused by every app built from it).
 * @example const spec = compileSpec(); spec.match('GET', '/users');
 */
export function compileSpec(path = RICLOUD_SPEC_PATH): CompiledSpec {
  const hit = cache.get(path);
  if (hit) return hit;
  const doc = loadSpecDocument(path);
  // Two ajv instances (bodies strict, query/path strings coerced), each built on its first use. The document is
  // not re-validated against the JSON Schema meta-schema here (that alone cost ~150 ms per instance): the spec
  // test validates it as OpenAPI 3.1 in CI.
  const ajvOf = (options: Parameters<typeof createAjv>[0]) => {
    let ajv: ReturnType<typeof createAjv> | undefined;
    return () => {
      if (!ajv) {
        ajv = createAjv(options);
        ajv.addSchema(doc, 'spec');
      }
      return ajv;
    };
  };
  // verbose: an error carries its schema, so a schema's `x-error-message` can word it (ajvErrorsToParams).
  const bodyAjv = ajvOf({ strict: false, allErrors: true, validateSchema: false, verbose: true });
  const inputAjv = ajvOf({
    strict: false,
    allErrors: true,
    verbose: true,
    coerceTypes: true,
    useDefaults: false,
    validateSchema: false,
  });

  const operations = new Map<string, CompiledOperation>();
  const byPath: { template: string; regex: RegExp; ops: CompiledOperation[]; params: string[] }[] = [];
  const paths = (doc.paths ?? {}) as Record<string, JsonObject>;
  for (const [template, item] of Object.entries(paths)) {
    const pathParams = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
    const regex = new RegExp(`^${template.replace(/\{\w+\}/g, '([^/]+)')}$`);
    const ops: CompiledOperation[] = [];
    for (const method of METHODS) {
      const operation = item[method] as JsonObject | undefined;
      if (!operation) continue;
      const params = [
        ...((item.parameters as JsonObject[] | undefined) ?? []),
        ...((operation.parameters as JsonObject[] | undefined) ?? []),
      ].map((p) => deref(doc, p));
      const schemaOf = (inWhere: string) => {
        const props: Record<string, unknown> = {};
        const required: string[] = [];
        const numeric = new Set<string>();
        for (const p of params.filter((p) => p.in === inWhere)) {
          const name = String(p.name);
          const types = ([] as unknown[]).concat(deref(doc, p.schema as JsonObject | undefined)?.type ?? []);
          if (types.includes('number') || types.includes('integer')) numeric.add(name);
          props[inWhere === 'header' ? name.toLowerCase() : name] = rebase(p.schema ?? {});
          if (p.required) required.push(inWhere === 'header' ? name.toLowerCase() : name);
        }
        return { props, required, numeric };
      };
      const q = schemaOf('query');
      const pth = schemaOf('path');
      const requestBody = deref(doc, operation.requestBody as JsonObject | undefined);
      const bodyPointer = pointer(
        'paths',
        template,
        method,
        'requestBody',
        'content',
        'application/json',
        'schema',
      );
      const hasJsonBody = Boolean(
        (requestBody?.content as JsonObject | undefined)?.['application/json'] as JsonObject | undefined,
      );
      // Validators compile on an operation's first request (then stay cached): compiling all of them up front
      // made the first createMock() take ~0.5 s, most of it for operations a given test never calls.
      const bodySchema = hasJsonBody
        ? {
            $ref: `spec#/${requestBody === operation.requestBody ? bodyPointer : refPointer(operation.requestBody)}`,
          }
        : undefined;
      let validateBody: ValidateFunction | undefined;
      let validateQuery: ValidateFunction | undefined;
      let validatePath: ValidateFunction | undefined;
      const compiled: CompiledOperation = {
        id: String(operation.operationId),
        method: method.toUpperCase(),
        path: template,
        regex,
        pathParams,
        body: !hasJsonBody ? 'none' : requestBody?.required ? 'required' : 'optional',
        get validateBody() {
          if (bodySchema) validateBody ??= bodyAjv().compile(bodySchema);
          return validateBody;
        },
        get validateQuery() {
          if (!validateQuery && Object.keys(q.props).length === 0) validateQuery = noProperties(false);
          validateQuery ??= strictNumbers(
            q.numeric,
            inputAjv().compile({
              type: 'object',
              properties: q.props,
              required: q.required,
              additionalProperties: false,
            }),
          );
          return validateQuery;
        },
        get validatePath() {
          if (!validatePath && Object.keys(pth.props).length === 0) validatePath = noProperties(true);
          validatePath ??= strictNumbers(
            pth.numeric,
            inputAjv().compile({
              type: 'object',
              properties: pth.props,
              required: pth.required,
            }),
          );
          return validatePath;
        },
        queryNames: new Set(Object.keys(q.props)),
        hasRequiredQuery: q.required.length > 0,
      };
      ops.push(compiled);
      operations.set(compiled.id, compiled);
    }
    byPath.push({ template, regex, ops, params: pathParams });
  }
  // Literal segments beat parameters (`/results/ack` before `/results/{id}`).
  byPath.sort((a, b) => a.params.length - b.params.length);
  // Indexed by first segment (in the order above), so a request tries the few templates that can match it, not
  // all of them; templates starting with a parameter can match any first segment and join every list.
  const firstSegment = (p: string) => p.split('/')[1] ?? '';
  const anySegment = byPath.filter((e) => firstSegment(e.template).startsWith('{'));
  const bySegment = new Map<string, typeof byPath>();
  for (const e of byPath) {
    const seg = firstSegment(e.template);
    if (!seg.startsWith('{') && !bySegment.has(seg))
      bySegment.set(
        seg,
        byPath.filter((o) => o === e || firstSegment(o.template) === seg || anySegment.includes(o)),
      );
  }

  const compiled: CompiledSpec = {
    document: doc,
    operations,
    match(method, rawPath) {
      const path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
      const slash = path.indexOf('/', 1);
      const candidates = bySegment.get(path.slice(1, slash < 0 ? undefined : slash)) ?? anySegment;
      for (const entry of candidates) {
        const m = entry.regex.exec(path);
        if (!m) continue;
        const op = entry.ops.find((o) => o.method === method || (method === 'HEAD' && o.method === 'GET'));
        if (!op) return { kind: 'method-not-allowed', allowed: entry.ops.map((o) => o.method) };
        const params: Record<string, string> = {};
        entry.params.forEach((name, i) => {
          params[name] = safeDecode(m[i + 1] ?? '');
        });
        return { kind: 'operation', op, params };
      }
      return { kind: 'none' };
    },
  };
  cache.set(path, compiled);
  return compiled;
}

/**
 * The validator of an object schema that declares no properties: any object when `allowExtra`, else only `{}`
 * (each extra key reported as ajv does). Parameterless operations (`GET /organisation`) then never build an ajv
 * instance, which took ~15–25 ms of a fresh process's first request.
 */
function noProperties(allowExtra: boolean): ValidateFunction {
  const validate = ((data: unknown) => {
    const extra = allowExtra || !data || typeof data !== 'object' ? [] : Object.keys(data);
    validate.errors = extra.length
      ? extra.map(
          (key): ErrorObject => ({
            keyword: 'additionalProperties',
            instancePath: '',
            schemaPath: '#/additionalProperties',
            params: { additionalProperty: key },
            message: 'must NOT have additional properties',
          }),
        )
      : null;
    return extra.length === 0;
  }) as ValidateFunction;
  return validate;
}

/** A number as a query or path parameter writes it: a JSON number literal, nothing around it. */
const NUMBER_LITERAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/**
 * Wraps a coercing validator so that numbers are read strictly. ajv's coercion reads any string `Number()` takes:
 * `?n=%20` or a BOM as 0, ` 5 ` as 5, `1e309` as Infinity (which passes `type: integer`), none of which the spec's
 * number or integer is. A numeric parameter must be a JSON number literal, and finite.
 */
function strictNumbers(numeric: Set<string>, validate: ValidateFunction): ValidateFunction {
  const wrapped = ((data: unknown) => {
    const input = (data ?? {}) as JsonObject;
    const notLiteral = [...numeric].filter(
      (k) =>
        Object.hasOwn(input, k) && typeof input[k] === 'string' && !NUMBER_LITERAL.test(input[k] as string),
    );
    if (!validate(data)) {
      wrapped.errors = validate.errors;
      return false;
    }
    const bad = Object.keys(input).filter(
      (k) => notLiteral.includes(k) || (typeof input[k] === 'number' && !Number.isFinite(input[k])),
    );
    wrapped.errors = bad.length
      ? bad.map(
          (key): ErrorObject => ({
            keyword: 'type',
            instancePath: `/${pointer(key)}`,
            schemaPath: '#/type',
            params: {},
            message: 'must be a finite number',
          }),
        )
      : null;
    return bad.length === 0;
  }) as ValidateFunction;
  return wrapped;
}

/** The JSON pointer of a `$ref`'d request body's JSON schema. */
function refPointer(ref: unknown): string {
  const base = String((ref as JsonObject).$ref).replace(/^#\//, '');
  return `${base}/${pointer('content', 'application/json', 'schema')}`;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
