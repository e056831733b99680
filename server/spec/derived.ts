// The lists that code, tests, the console and the fuzzer would otherwise keep by hand, derived from a spec document:
// operation ids, each path's resource kind (`x-resource-kind` on the path item), the collections and their kinds,
// each kind's id shape (its schema's `id`: SeqId or Uuid), what a list operation lists, the request fields that hold
// another record's id (`x-resource-kind` on a parameter or body property), and the session errors.
// A documented endpoint is then the spec, a handler and a test: nothing here names one (test/derived-lists.test.ts
// adds an endpoint to a copy of the spec and sees it in every list).
import type { CompiledSpec } from './compile.ts';

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** How a kind's ids look: decimal strings from a sequence (`SeqId`), or v4 UUIDs (`Uuid`). */
export type IdShape = 'seq' | 'uuid';

/** The schemas an id may reference, and the shape each stands for. */
const ID_SCHEMAS: Readonly<Record<string, IdShape>> = {
  '#/components/schemas/SeqId': 'seq',
  '#/components/schemas/Uuid': 'uuid',
};

export interface DerivedLists {
  /** Every operationId, in the document's order. */
  readonly operationIds: readonly string[];
  /** Path template → the kind of resource it addresses (`/configs/storage/{id}/test` → `storage_config`). */
  readonly kindByPath: ReadonlyMap<string, string>;
  /**
   * The collections, in the document's order: a path without parameters that lists its records (GET) and has a
   * `<path>/{id}`, with its kind (`['/configs/storage', 'storage_config']`).
   */
  readonly kindByPrefix: readonly (readonly [prefix: string, kind: string])[];
  /** What each list operation (a GET answering `{data: [...]}`) lists: the `resource` of its items. */
  readonly listKindByOperation: ReadonlyMap<string, string>;
  /** The id shape of every kind a list returns. */
  readonly idShapeByKind: ReadonlyMap<string, IdShape>;
  /**
   * The request fields (query parameters, body properties at any depth) that hold the id of another record, by name,
   * with its kind: the parameters and properties the spec marks with `x-resource-kind` (`parent` → `source`).
   */
  readonly refKindByField: ReadonlyMap<string, string>;
  /** The kinds whose ids are sequence numbers (`idShapeByKind` = `seq`). */
  readonly seqKinds: ReadonlySet<string>;
  /** Why a session failed (`components/schemas/SessionFailureError`), in the spec's order; empty if absent. */
  readonly sessionFailureErrors: readonly string[];
  /** What expired a session (`components/schemas/SessionExpiryTrigger`), in the spec's order; empty if absent. */
  readonly sessionExpiryTriggers: readonly string[];
}

function deref(doc: Json, node: unknown): Json | undefined {
  let current = node as Json | undefined;
  for (let i = 0; i < 10 && current && typeof current.$ref === 'string'; i++) {
    current = (current.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((acc, k) => (acc as Json | undefined)?.[k], doc) as Json | undefined;
  }
  return current;
}

const stringEnum = (schema: Json | undefined): string[] =>
  Array.isArray(schema?.enum) ? (schema.enum as unknown[]).map(String) : [];

/**
 * The session errors a spec states (both specs do): `components/schemas/SessionFailureError` and
 * `SessionExpiryTrigger`, each in the spec's order (empty if absent). The console's outcome choices come from here.
 */
export function sessionErrors(doc: Json): { failures: string[]; expiryTriggers: string[] } {
  const schemas = ((doc.components as Json | undefined)?.schemas ?? {}) as Json;
  return {
    failures: stringEnum(schemas.SessionFailureError as Json | undefined),
    expiryTriggers: stringEnum(schemas.SessionExpiryTrigger as Json | undefined),
  };
}

/** Adds every `x-resource-kind` a schema's properties carry (nested objects, combinators and items included). */
function collectRefs(doc: Json, schema: unknown, into: Map<string, string>, seen = new Set<unknown>()): void {
  const node = deref(doc, schema);
  if (!node || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  for (const [name, prop] of Object.entries((node.properties ?? {}) as Json)) {
    const kind = (prop as Json | undefined)?.['x-resource-kind'];
    if (typeof kind === 'string') addRef(into, name, kind);
    collectRefs(doc, prop, into, seen);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf'])
    for (const branch of (node[key] as unknown[] | undefined) ?? []) collectRefs(doc, branch, into, seen);
  for (const key of ['items', 'if', 'then', 'else']) collectRefs(doc, node[key], into, seen);
}

function addRef(into: Map<string, string>, field: string, kind: string): void {
  const known = into.get(field);
  if (known !== undefined && known !== kind) throw new Error(`${field}: refers to both ${known} and ${kind}`);
  into.set(field, kind);
}

/** The list items' schema of an operation's 200 answer, if it answers a list (`{data: [items]}`). */
function listItems(doc: Json, operation: Json): Json | undefined {
  const ok = deref(doc, (operation.responses as Json | undefined)?.['200']);
  const schema = deref(
    doc,
    ((ok?.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema,
  );
  const data = (schema?.properties as Json | undefined)?.data as Json | undefined;
  return data?.items ? deref(doc, data.items) : undefined;
}

/**
 * Derives the lists from a spec document (the ricloud spec). Throws when the document does not state what they
 * need: a path without `x-resource-kind`, list items without a `resource` const, or an id that is neither a SeqId
 * nor a Uuid (or two shapes for one kind).
 */
export function deriveLists(doc: Json): DerivedLists {
  const paths = (doc.paths ?? {}) as Record<string, Json>;
  const operationIds: string[] = [];
  const kindByPath = new Map<string, string>();
  const listKindByOperation = new Map<string, string>();
  const idShapeByKind = new Map<string, IdShape>();
  const refKindByField = new Map<string, string>();
  for (const [path, item] of Object.entries(paths)) {
    const kind = item['x-resource-kind'];
    if (typeof kind !== 'string' || !kind) throw new Error(`${path}: the path item has no x-resource-kind`);
    kindByPath.set(path, kind);
    for (const method of METHODS) {
      const operation = item[method] as Json | undefined;
      if (!operation) continue;
      const id = String(operation.operationId);
      operationIds.push(id);
      const params = [
        ...((item.parameters as unknown[] | undefined) ?? []),
        ...((operation.parameters as unknown[] | undefined) ?? []),
      ];
      for (const param of params.map((p) => deref(doc, p))) {
        const kind = param?.['x-resource-kind'];
        if (typeof kind === 'string' && param?.in !== 'path')
          addRef(refKindByField, String(param?.name), kind);
      }
      const body = deref(doc, operation.requestBody);
      collectRefs(
        doc,
        ((body?.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema,
        refKindByField,
      );
      if (method !== 'get') continue;
      const items = listItems(doc, operation);
      if (!items) continue;
      const props = (items.properties ?? {}) as Json;
      const itemKind = (props.resource as Json | undefined)?.const;
      if (typeof itemKind !== 'string') throw new Error(`${id}: its list items have no resource const`);
      listKindByOperation.set(id, itemKind);
      const idRef = (props.id as Json | undefined)?.$ref;
      const shape = typeof idRef === 'string' ? ID_SCHEMAS[idRef] : undefined;
      if (!shape) throw new Error(`${id}: the id of its ${itemKind} items is neither a SeqId nor a Uuid`);
      const known = idShapeByKind.get(itemKind);
      if (known && known !== shape) throw new Error(`${itemKind}: ids are both ${known} and ${shape}`);
      idShapeByKind.set(itemKind, shape);
    }
  }
  const kindByPrefix = Object.entries(paths)
    .filter(([path, item]) => !path.includes('{') && item.get && paths[`${path}/{id}`])
    .filter(([, item]) => listKindByOperation.has(String((item.get as Json).operationId)))
    .map(([path]) => [path, kindByPath.get(path) as string] as const);
  const sessions = sessionErrors(doc);
  return {
    operationIds,
    kindByPath,
    kindByPrefix,
    listKindByOperation,
    idShapeByKind,
    refKindByField,
    seqKinds: new Set([...idShapeByKind].filter(([, shape]) => shape === 'seq').map(([kind]) => kind)),
    sessionFailureErrors: sessions.failures,
    sessionExpiryTriggers: sessions.expiryTriggers,
  };
}

/** The kind of resource a path template addresses; throws for a path the spec does not have. */
export function resourceKindOf(lists: DerivedLists, path: string): string {
  const kind = lists.kindByPath.get(path);
  if (kind === undefined) throw new Error(`${path}: no such path in the spec`);
  return kind;
}

/** What a list operation lists (the kind its `after_id`/`before_id` name); throws for any other operation. */
export function listKindOf(lists: DerivedLists, operationId: string): string {
  const kind = lists.listKindByOperation.get(operationId);
  if (kind === undefined) throw new Error(`${operationId}: not a list operation of the spec`);
  return kind;
}

const cache = new WeakMap<CompiledSpec, DerivedLists>();

/** The lists of a compiled spec, derived once per spec (at start-up: the ricloud pipeline asks when it is built). */
export function derivedLists(spec: CompiledSpec): DerivedLists {
  let lists = cache.get(spec);
  if (!lists) {
    lists = deriveLists(spec.document);
    cache.set(spec, lists);
  }
  return lists;
}
