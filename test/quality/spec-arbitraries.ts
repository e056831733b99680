// fast-check arbitraries generated from openapi/ricloud-v3.yaml: valid inputs per operation, and ways to break them.
import fc from 'fast-check';
import { deriveLists, resourceKindOf } from '../../server/spec/derived.ts';
import { LISTS, spec } from '../helpers/spec.ts';

type Json = Record<string, unknown>;
export type Schema = Json;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Where the fuzzer may let the mock write (local:// storage urls) — set by the test before generating. */
export const FUZZ_LOCAL_ROOT = { path: '/tmp/ricloud-mock-fuzz' };

/** A reference to an id of a kind that the runner resolves against ids seen in earlier responses. */
export interface IdRef {
  $idref: string;
  pick: number;
}

export const isIdRef = (v: unknown): v is IdRef =>
  typeof v === 'object' && v !== null && typeof (v as IdRef).$idref === 'string';

/** Resolves a `$ref` inside a spec document (the ricloud spec unless told). */
export function deref<T = Schema>(node: unknown, doc: Json = spec): T {
  let current = node as Json;
  for (let i = 0; i < 10 && current && typeof current.$ref === 'string'; i++) {
    current = (current.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<unknown>((acc, k) => (acc as Json)[k], doc) as Json;
  }
  return current as T;
}

export interface Param {
  name: string;
  in: 'query' | 'path' | 'header';
  required: boolean;
  schema: Schema;
}

export interface Operation {
  id: string;
  method: string;
  /** Template, e.g. /sessions/{id}. */
  path: string;
  params: Param[];
  /** JSON schema of the body (derefed at the top), or undefined. */
  body?: Schema;
  bodyRequired: boolean;
  /** JSON pointer of the body schema (for ajv validation of a generated body). */
  bodyPointer?: string;
  /** The kind of id the path takes (`user`, `session`, ...): its path item's x-resource-kind (ricloud spec only). */
  idKind?: string;
  /** The document the operation comes from (its `$ref`s resolve there). */
  doc: Json;
  /** JSON pointer of each parameter's schema, by `in:name` (for ajv validation of a generated value). */
  paramPointers: Map<string, string>;
}

const escapePointer = (t: string) => t.replaceAll('~', '~0').replaceAll('/', '~1');

/** Every operation of a spec (the ricloud spec unless told), in document order. */
export function specOperations(doc: Json = spec): Operation[] {
  const out: Operation[] = [];
  // The ricloud spec states each path's resource kind (x-resource-kind); the control spec's operations have no idKind.
  const stated = Object.values(doc.paths as Record<string, Json>).every((item) => 'x-resource-kind' in item);
  const lists = stated ? deriveLists(doc) : undefined;
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const paramPointers = new Map<string, string>();
      const raw = [
        ...((item.parameters as Json[]) ?? []).map((p, i) => [
          p,
          `#/paths/${escapePointer(path)}/parameters/${i}`,
        ]),
        ...((op.parameters as Json[]) ?? []).map((p, i) => [
          p,
          `#/paths/${escapePointer(path)}/${method}/parameters/${i}`,
        ]),
      ] as [Json, string][];
      const params = raw.map(([p, at]) => {
        const d = deref<Json>(p, doc);
        const base = typeof p.$ref === 'string' ? (p.$ref as string) : at;
        paramPointers.set(`${d.in}:${d.name}`, `${base}/schema`);
        return {
          name: String(d.name),
          in: d.in as Param['in'],
          required: Boolean(d.required),
          schema: deref<Json>(d.schema ?? {}, doc),
        };
      });
      const rbRaw = op.requestBody as Json | undefined;
      const rb = rbRaw ? deref<Json>(rbRaw, doc) : undefined;
      const content = (rb?.content as Json | undefined)?.['application/json'] as Json | undefined;
      const bodyPointer = content
        ? typeof rbRaw?.$ref === 'string'
          ? `${rbRaw.$ref as string}/content/application~1json/schema`
          : `#/paths/${escapePointer(path)}/${method}/requestBody/content/application~1json/schema`
        : undefined;
      out.push({
        id: String(op.operationId),
        method: method.toUpperCase(),
        path,
        params,
        body: content ? deref<Json>(content.schema, doc) : undefined,
        bodyRequired: Boolean(rb?.required),
        bodyPointer,
        idKind: lists && path.includes('{') ? resourceKindOf(lists, path) : undefined,
        doc,
        paramPointers,
      });
    }
  }
  return out;
}

/** Strings that have broken servers before: unicode, control characters, huge, injections. */
export const oddString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\n\r',
    '../../etc/passwd',
    '..%2F..%2Fetc',
    '%00',
    '<script>alert(1)</script>',
    "'; DROP TABLE users; --",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j-style probe, literally
    '${jndi:ldap://x}',
    '__proto__',
    'constructor',
    '\uD800',
    '\uFEFF',
    '🦄🇳🇱',
    'Zürich—ß',
    'a'.repeat(256),
    'a'.repeat(70_000),
    '1e309',
    'NaN',
    '-0',
    'null',
    'true',
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Numbers at the edges. */
export const edgeNumber = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    1,
    0.5,
    2 ** 31,
    2 ** 53,
    -(2 ** 53),
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    1e21,
    3599.999,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value of a wrong-ish type. */
export const garbage: fc.Arbitrary<unknown> = fc.oneof(
  oddString,
  edgeNumber,
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

/**
 * Field names whose values are references to other resources (resolved against seen ids): the parameters and
 * properties the spec marks with x-resource-kind (server/spec/derived.ts).
 */
const REF_FIELDS = LISTS.refKindByField;

const idRef = (kind: string): fc.Arbitrary<IdRef> =>
  fc.nat({ max: 1000 }).map((pick) => ({ $idref: kind, pick }));

/** Service identifiers the mock knows (so that some generated polls and sessions go deep). */
const SOURCE_TYPES = ['icloud.account', 'mocks.mock', 'rirelay.instance', 'rirelay.source', 'nope.nothing'];
const DATA_TYPES = [
  'callkit.calls',
  'messages.sms',
  'ios_photos.photos',
  'ios_notes.notes',
  'unknown.type',
  '*',
];
const INFO_TYPES = ['account.info', 'account.devices', '*', 'no.such'];

export interface GenContext {
  /** The operation, for field-specific overrides. */
  op?: Operation;
  /** The property name of the value being generated. */
  field?: string;
  depth: number;
  /** The document `$ref`s resolve in (default: the operation's, else the ricloud spec). */
  doc?: Json;
  /** Per-field generators that take precedence (the property test's bounds, e.g. how far the clock may move). */
  overrides?: Record<string, fc.Arbitrary<unknown>>;
}

function safeUrlFor(op: Operation | undefined): fc.Arbitrary<string> | undefined {
  if (!op) return undefined;
  if (op.path.startsWith('/configs/storage')) {
    return fc.oneof(
      fc.constantFrom('s3://fuzz-bucket/prefix', 'gs://fuzz-bucket', 's3://b/a/b/c'),
      fc
        .constantFrom('a', 'b/c', 'x/../y', 'sp ace', 'ünï')
        .map((sub) => `local://${FUZZ_LOCAL_ROOT.path}/${sub}`),
    );
  }
  if (op.path.startsWith('/configs/webhook')) {
    // Port 9 (discard) on loopback: nothing listens, deliveries fail fast, nothing leaves the machine.
    return fc.constantFrom('http://127.0.0.1:9/hooks', 'http://127.0.0.1:9/a?b=c', 'https://127.0.0.1:9/x');
  }
  return undefined;
}

/**
 * A valid value for a schema (with ids as `IdRef`s the runner resolves). Covers what the ricloud spec uses:
 * $ref, enum, const, anyOf/oneOf, type arrays, strings with formats and the spec's patterns, numbers with
 * bounds, arrays, objects with required/optional properties and additionalProperties maps.
 */
export function validArb(schemaIn: Schema, g: GenContext = { depth: 0 }): fc.Arbitrary<unknown> {
  const doc = g.doc ?? g.op?.doc ?? spec;
  const schema = deref<Schema>(schemaIn, doc);
  const field = g.field;
  const override = field ? g.overrides?.[`${g.op?.id}.${field}`] : undefined;
  if (override) return override;
  if (doc !== spec) return schemaArb(schema, g);
  if (field === 'url') {
    const safe = safeUrlFor(g.op);
    if (safe) return safe;
  }
  const kind = field === undefined ? undefined : REF_FIELDS.get(field);
  if (kind !== undefined && g.depth <= 2) {
    if (field === 'source' && schema.type === 'object') {
      // createSession's `source` is an object, not a reference.
    } else {
      return idRef(kind);
    }
  }
  if (field === 'type' && g.op?.id === 'createSession') return fc.constantFrom(...SOURCE_TYPES);
  if (field === 'identifier' && g.op?.id === 'createSession') {
    return fc.constantFrom('jane+no2fa@example.com', 'john.appleseed@reincubate.com', 'x@example.com');
  }
  if (field === 'password')
    return fc.constantFrom('abcd1234', 'secret', 'wrong-password', 'locked', 'unavailable');
  if (field === 'code') return fc.constantFrom('123456', '000000', '654321', 'PAIR-1');
  if (field === 'data_types') return fc.array(fc.constantFrom(...DATA_TYPES), { maxLength: 3 });
  if (field === 'info_types') return fc.array(fc.constantFrom(...INFO_TYPES), { maxLength: 2 });
  if (field === 'ids') return fc.array(idRef('result'), { minLength: 1, maxLength: 3 });
  if (field === 'interval') return fc.constantFrom(3600, 86400, 7200.5);
  return schemaArb(schema, g);
}

/** A valid value from the schema alone (no field-specific choices above this level). */
function schemaArb(schema: Schema, g: GenContext): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const alts = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alts) return fc.oneof(...alts.map((s) => validArb(s, g)));
  if (Array.isArray(schema.type)) {
    return fc.oneof(...(schema.type as string[]).map((t) => validArb({ ...schema, type: t }, g)));
  }
  switch (schema.type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min = (schema.minimum as number | undefined) ?? -1000;
      const max = (schema.maximum as number | undefined) ?? Math.max(min, 0) + 100_000;
      return fc.oneof(fc.constantFrom(min, max), fc.integer({ min, max }));
    }
    case 'number': {
      const exMin = schema.exclusiveMinimum as number | undefined;
      const min = (schema.minimum as number | undefined) ?? (exMin !== undefined ? exMin + 0.001 : -1e6);
      const max = (schema.maximum as number | undefined) ?? min + 1e6;
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    }
    case 'string':
      return stringArb(schema);
    case 'array': {
      const items = (schema.items as Schema | undefined) ?? {};
      const minLength = (schema.minItems as number | undefined) ?? 0;
      const maxLength = Math.min((schema.maxItems as number | undefined) ?? 3, minLength + 3);
      return fc.array(validArb(items, { ...g, depth: g.depth + 1, field: undefined }), {
        minLength,
        maxLength,
      });
    }
    case 'object':
    case undefined: {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const required = (schema.required ?? []) as string[];
      const names = Object.keys(props);
      const extra = schema.additionalProperties;
      if (names.length === 0 && extra && typeof extra === 'object') {
        // A map (Scopes): keys from propertyNames' pattern.
        const keyArb = fc
          .tuple(
            fc.constantFrom('source_type', 'task_type', 'data_type', 'info_type', 'file_type'),
            fc.constantFrom('*', 'icloud.*', 'icloud.account', 'callkit.calls'),
          )
          .map(([a, b]) => `${a}:${b}`);
        return fc.dictionary(
          keyArb,
          validArb(extra as Schema, { ...g, depth: g.depth + 1, field: undefined }),
          {
            maxKeys: 3,
          },
        );
      }
      if (names.length === 0) return fc.constant({});
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const n of names) model[n] = validArb(props[n] as Schema, { ...g, depth: g.depth + 1, field: n });
      return fc.record(model, { requiredKeys: required });
    }
    default:
      return fc.constant(null);
  }
}

/** Real instants between 2000 and 2099 (so every generated date is a calendar date). */
const instantArb = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2099-12-31T23:59:59Z'),
  noInvalidDate: true,
});

/**
 * The ways of writing an instant that RFC 3339 / ISO 8601 readers agree on: a date, a UTC date-time (with or without
 * fractions), one with a numeric offset, and the space-separated minute form. A schema's pattern then filters them,
 * so a tighter pattern (or a `format`) narrows what is generated without touching this list.
 */
const isoForms = (d: Date): string[] => {
  const iso = d.toISOString(); // 2026-01-01T00:00:00.000Z
  const day = iso.slice(0, 10);
  const hm = iso.slice(11, 16);
  const shifted = new Date(d.getTime() + 90 * 60_000).toISOString();
  return [
    day,
    `${iso.slice(0, 19)}Z`,
    iso,
    `${shifted.slice(0, 19)}.123456+01:30`,
    `${day} ${hm}`,
    `${day}T${hm}Z`,
  ];
};

/** Whether a pattern starts with an ISO 8601 calendar date (`^\d{4}-\d{2}-\d{2}`): its strings denote instants. */
const isIsoDatePattern = (pattern: string) => pattern.startsWith('^\\d{4}-\\d{2}-\\d{2}');

/** Strings matching a pattern (fast-check's regex generator), or a constant placeholder when there is none. */
function fromPattern(pattern: string | undefined): fc.Arbitrary<string> {
  if (!pattern) return fc.constant('x');
  try {
    return fc.stringMatching(new RegExp(pattern, 'u'), { size: 'small' });
  } catch {
    return fc.constant('x');
  }
}

function stringArb(schema: Schema): fc.Arbitrary<string> {
  const pattern = schema.pattern as string | undefined;
  const fits = (s: string) => !pattern || new RegExp(pattern, 'u').test(s);
  if (schema.format === 'uuid') return fc.uuid();
  // Instants written in every form the schema's pattern (if any) admits; the pattern alone if it admits none.
  const instants = (forms: (d: Date) => string[]) =>
    instantArb.chain((d) => {
      const ok = forms(d).filter(fits);
      return ok.length ? fc.constantFrom(...ok) : fromPattern(pattern);
    });
  if (schema.format === 'date') return instants((d) => [d.toISOString().slice(0, 10)]);
  if (schema.format === 'date-time') return instants((d) => isoForms(d).slice(1, 4));
  if (pattern && isIsoDatePattern(pattern)) return instants(isoForms);
  if (pattern === '^[1-9][0-9]*$') return fc.integer({ min: 1, max: 10_000 }).map(String);
  if (pattern) {
    const examples = ((schema.examples as string[] | undefined) ?? []).filter(fits);
    let matching: fc.Arbitrary<string> | undefined;
    try {
      matching = fc.stringMatching(new RegExp(pattern, 'u'), { size: 'small' });
      fc.sample(matching, { numRuns: 1, seed: 1 });
    } catch {
      // fast-check cannot generate from every regex (lookaheads): the schema's examples stand in.
      matching = undefined;
    }
    const minLength = (schema.minLength as number | undefined) ?? 0;
    const maxLength = (schema.maxLength as number | undefined) ?? Number.POSITIVE_INFINITY;
    const sized = matching?.filter((s) => s.length >= minLength && s.length <= maxLength);
    if (sized && examples.length) return fc.oneof(fc.constantFrom(...examples), sized);
    if (sized) return sized;
    return examples.length ? fc.constantFrom(...examples) : fc.constant('x').filter(fits);
  }
  const minLength = (schema.minLength as number | undefined) ?? 0;
  const maxLength = Math.min((schema.maxLength as number | undefined) ?? 40, 40);
  return fc.string({ unit: 'grapheme', minLength, maxLength: Math.max(minLength, maxLength) });
}

/** One way to break a body object (the result may still be valid by chance; the runner checks with ajv). */
export type BodyMutation =
  | { kind: 'drop'; field: number }
  | { kind: 'extra'; name: string; value: unknown }
  | { kind: 'retype'; field: number; value: unknown; nested: boolean };

export const bodyMutationArb: fc.Arbitrary<BodyMutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), field: fc.nat() }),
  fc.record({
    kind: fc.constant('extra' as const),
    name: fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'extra', 'id', 'state', 'organisation'),
      fc.string(),
    ),
    value: garbage,
  }),
  fc.record({ kind: fc.constant('retype' as const), field: fc.nat(), value: garbage, nested: fc.boolean() }),
);

/** Applies a mutation to a (valid) body; returns a new object. */
export function mutateBody(body: Json, m: BodyMutation, op: Operation): Json {
  const copy = structuredClone(body);
  const props = Object.keys((op.body?.properties as Json | undefined) ?? {});
  switch (m.kind) {
    case 'drop': {
      const req = (op.body?.required as string[] | undefined) ?? props;
      const name = req[m.field % Math.max(1, req.length)];
      if (name) delete copy[name];
      return copy;
    }
    case 'extra':
      Object.defineProperty(copy, m.name, {
        value: m.value,
        enumerable: true,
        configurable: true,
        writable: true,
      });
      return copy;
    case 'retype': {
      const name = props[m.field % Math.max(1, props.length)];
      if (!name) return copy;
      const current = copy[name];
      if (m.nested && current && typeof current === 'object' && !Array.isArray(current)) {
        const inner = Object.keys(current as Json);
        const k = inner[m.field % Math.max(1, inner.length)] ?? 'x';
        (current as Json)[k] = m.value;
      } else {
        copy[name] = m.value;
      }
      return copy;
    }
  }
}
