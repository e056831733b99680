// `ricloud-mock drift DIR`: replays a recorded cassette against a fresh in-process mock and reports where the mock
// answers differently from the upstream that was recorded: shape (fields present or missing, types), states and
// their order, errors (status and error code), and timing classes ("reached completed after N reads"). The mock's
// clock follows the cassette's timeline (each request is sent at its recorded offset from the first), ids the two
// sides assign differently are mapped by position, and each difference links to fidelity-ledger entries whose spec
// pointers cover it: the report is what a user attaches to a fidelity issue.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLedger } from '../../scripts/ledger.ts';
import { createMock } from '../../server/app.ts';
import { compileSpec, packageFile } from '../../server/spec/compile.ts';
import { type HarEntry, targetOf } from './har.ts';

export interface LedgerLink {
  id: string;
  status: string;
  file: string;
}

export interface DriftDifference {
  kind: 'shape' | 'state' | 'error' | 'timing';
  /** The spec's operationId of the exchange (or `METHOD /path`). */
  operation: string;
  /** Shape: where in the body (array items as `*`); state and timing: the resource (`poll <recorded id>`). */
  at: string;
  /** What the recorded upstream sent, and what the mock answered. */
  upstream: unknown;
  mock: unknown;
  /** In words. */
  message: string;
  /** The cassette's exchanges (1-based) where it was seen. */
  exchanges: number[];
  /** Fidelity-ledger entries whose spec pointers cover it. */
  ledger: LedgerLink[];
}

export interface DriftReport {
  cassette: string;
  exchanges: number;
  /** Ids mapped from the upstream's to the mock's. */
  mappedIds: number;
  differences: DriftDifference[];
}

export interface DriftOptions {
  seed?: string;
  preset?: string;
  /** The fidelity ledger folder (default: the package's `fidelity/ledger`, when present). */
  ledger?: string;
}

type Json = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ID_KEY =
  /^(id|.+_id|user|source|organisation|key|session|poll|task|subscription|parent|storage_config|webhook_config|result|event)$/;
const escapeToken = (t: string) => t.replaceAll('~', '~0').replaceAll('/', '~1');
const unescapeToken = (t: string) => t.replaceAll('~1', '/').replaceAll('~0', '~');

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function parse(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Maps ids by position: where the upstream's answer had id X and the mock's has Y at the same pointer, X → Y. */
function mapIds(upstream: unknown, mock: unknown, ids: Map<string, string>, key = ''): void {
  if (Array.isArray(upstream) && Array.isArray(mock)) {
    upstream.forEach((u, i) => {
      mapIds(u, mock[i], ids, key);
    });
    return;
  }
  if (upstream && mock && typeof upstream === 'object' && typeof mock === 'object') {
    for (const [k, v] of Object.entries(upstream)) mapIds(v, (mock as Json)[k], ids, k);
    return;
  }
  if (typeof upstream !== 'string' || typeof mock !== 'string' || upstream === mock) return;
  const both = (re: RegExp) => re.test(upstream) && re.test(mock);
  if (both(UUID) || (ID_KEY.test(key) && both(/^\d+$/))) if (!ids.has(upstream)) ids.set(upstream, mock);
}

/** A recorded request with the mapped ids put in: path segments, query values and JSON values. */
function substitute(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === 'string') return ids.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => substitute(v, ids));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, ids)]));
  return value;
}

function substituteTarget(target: string, ids: Map<string, string>): string {
  const q = target.indexOf('?');
  const path = (q < 0 ? target : target.slice(0, q))
    .split('/')
    .map((s) => {
      const mapped = ids.get(decodeURIComponent(s));
      return mapped === undefined ? s : encodeURIComponent(mapped);
    })
    .join('/');
  if (q < 0) return path;
  const params = new URLSearchParams(target.slice(q + 1));
  for (const [k, v] of [...params]) {
    const mapped = ids.get(v);
    if (mapped !== undefined) params.set(k, mapped);
  }
  return `${path}?${params.toString()}`;
}

/** Schema-level differences: fields one side has and the other lacks, and different types (null matches any). */
function shapeDiff(
  upstream: unknown,
  mock: unknown,
  pointer: string,
  out: { at: string; upstream: string; mock: string }[],
): void {
  if (upstream === null || mock === null || upstream === undefined || mock === undefined) return;
  const a = kindOf(upstream);
  const b = kindOf(mock);
  if (a !== b) {
    out.push({ at: pointer || '/', upstream: a, mock: b });
    return;
  }
  if (a === 'array') {
    const n = Math.min((upstream as unknown[]).length, (mock as unknown[]).length);
    for (let i = 0; i < n; i++)
      shapeDiff((upstream as unknown[])[i], (mock as unknown[])[i], `${pointer}/*`, out);
    return;
  }
  if (a !== 'object') return;
  const u = upstream as Json;
  const m = mock as Json;
  for (const k of Object.keys(u)) {
    const p = `${pointer}/${escapeToken(k)}`;
    if (!(k in m)) out.push({ at: p, upstream: kindOf(u[k]), mock: '(absent)' });
    else shapeDiff(u[k], m[k], p, out);
  }
  for (const k of Object.keys(m))
    if (!(k in u)) out.push({ at: `${pointer}/${escapeToken(k)}`, upstream: '(absent)', mock: kindOf(m[k]) });
}

/** The states a resource went through (consecutive repeats folded), and when each side first reached its last. */
interface Track {
  operation: string;
  resource: string;
  upstream: string[];
  mock: string[];
  /** Per read (GET) of the resource: the state each side answered. */
  reads: { upstream: string; mock: string }[];
  exchanges: number[];
}

const fold = (states: string[]) => states.filter((s, i) => i === 0 || s !== states[i - 1]);

/** The fidelity ledger's entries by spec pointer (`#/components/...`). */
function loadLedger(dir: string | undefined): { pointer: string; link: LedgerLink }[] {
  const folder =
    dir ??
    (() => {
      try {
        return packageFile('fidelity/ledger');
      } catch {
        return undefined;
      }
    })();
  if (!folder || !existsSync(folder)) return [];
  const files = readdirSync(folder)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ slug: f.replace(/\.yaml$/, ''), text: readFileSync(join(folder, f), 'utf8') }));
  const out: { pointer: string; link: LedgerLink }[] = [];
  for (const file of parseLedger(files).files)
    for (const entry of file.entries)
      for (const ref of entry.spec) {
        const [doc, pointer] = ref.split('#');
        if (doc === 'openapi/ricloud-v3.yaml' && pointer !== undefined)
          out.push({
            pointer: `#${pointer}`,
            link: { id: entry.id, status: entry.status, file: `fidelity/ledger/${file.slug}.yaml` },
          });
      }
  return out;
}

/** Replays a cassette's entries against a fresh mock; what differs. */
export async function runDrift(
  entries: readonly HarEntry[],
  cassette: string,
  options: DriftOptions = {},
): Promise<DriftReport> {
  const spec = compileSpec();
  const doc = spec.document as Json;
  const resolve = (pointer: string): unknown =>
    pointer
      .replace(/^#\//, '')
      .split('/')
      .map(unescapeToken)
      .reduce<unknown>((o, k) => (o as Json | undefined)?.[k], doc);
  const first = entries[0] ? Date.parse(entries[0].startedDateTime) : Number.NaN;
  const mock = createMock({
    seed: options.seed ?? 'ricloud-mock',
    preset: options.preset ?? 'default',
    clock: { mode: 'manual', ...(Number.isFinite(first) ? { start: first } : {}) },
  });
  const ledger = loadLedger(options.ledger);
  const ids = new Map<string, string>();
  const found = new Map<string, DriftDifference>();
  const tracks = new Map<string, Track>();
  let clock = first;

  /** Schema pointers covering `at` in the answer of `op` with `status`: the property's, and its $ref target's. */
  const pointersOf = (opPointer: string | undefined, status: number, at: string): string[] => {
    if (!opPointer) return [];
    const out = [opPointer];
    const responses = resolve(`${opPointer}/responses`) as Json | undefined;
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find(
      (k) => responses && k in responses,
    );
    if (!key) return out;
    let pointer = `${opPointer}/responses/${escapeToken(key)}`;
    const follow = () => {
      for (let i = 0; i < 10; i++) {
        const node = resolve(pointer) as Json | undefined;
        if (typeof node?.$ref !== 'string') return;
        pointer = node.$ref;
        out.push(pointer);
      }
    };
    follow();
    pointer += '/content/application~1json/schema';
    follow();
    for (const seg of at.split('/').filter(Boolean)) {
      const node = resolve(pointer) as Json | undefined;
      if (!node) break;
      if (seg === '*' && node.items) pointer += '/items';
      else if ((node.properties as Json | undefined)?.[unescapeToken(seg)] !== undefined)
        pointer += `/properties/${seg}`;
      else break;
      out.push(pointer);
      follow();
    }
    return out;
  };
  const linksOf = (pointers: string[]): LedgerLink[] => {
    const seen = new Map<string, LedgerLink>();
    const [op, ...rest] = pointers;
    // The field's own schema and the one its $ref names (the last two pointers of the walk), and their parts.
    const leaf = rest.slice(-2);
    for (const { pointer, link } of ledger) {
      const hit =
        pointer === op ||
        (op !== undefined && pointer.startsWith(`${op}/`)) ||
        leaf.some((p) => pointer === p || pointer.startsWith(`${p}/`));
      if (hit) seen.set(link.id, link);
    }
    return [...seen.values()];
  };
  const add = (d: Omit<DriftDifference, 'exchanges' | 'ledger'>, exchange: number, pointers: string[]) => {
    const key = JSON.stringify([d.kind, d.operation, d.at, d.upstream, d.mock]);
    const known = found.get(key);
    if (known) {
      if (!known.exchanges.includes(exchange)) known.exchanges.push(exchange);
      return;
    }
    found.set(key, { ...d, exchanges: [exchange], ledger: linksOf(pointers) });
  };

  try {
    for (const [i, entry] of entries.entries()) {
      const n = i + 1;
      const at = Date.parse(entry.startedDateTime);
      if (Number.isFinite(at) && at > clock) {
        await mock.advance((at - clock) / 1000);
        clock = at;
      }
      const recordedTarget = targetOf(entry);
      const target = substituteTarget(recordedTarget, ids);
      const method = entry.request.method.toUpperCase();
      const match = spec.match(method, recordedTarget.split('?')[0] ?? '/');
      const op = match.kind === 'operation' ? match.op : undefined;
      const operation = op?.id ?? `${method} ${recordedTarget.split('?')[0]}`;
      const opPointer = op ? `#/paths/${escapeToken(op.path)}/${op.method.toLowerCase()}` : undefined;
      const requestText = entry.request.postData?.text;
      const requestJson = parse(requestText);
      const headers: Record<string, string> = { Authorization: `Token ${mock.token}` };
      const type = entry.request.headers.find((h) => h.name.toLowerCase() === 'content-type')?.value;
      if (type) headers['Content-Type'] = type;
      const res = await mock.app.request(target, {
        method,
        headers,
        ...(requestText !== undefined && method !== 'GET' && method !== 'HEAD'
          ? { body: requestJson === undefined ? requestText : JSON.stringify(substitute(requestJson, ids)) }
          : {}),
      });
      const mockJson = parse(await res.text());
      const upstreamJson = parse(
        entry.response.content.encoding === 'base64' ? undefined : entry.response.content.text,
      );
      const status = entry.response.status;
      const errorOf = (s: number, body: unknown) =>
        s >= 400 ? `${s} ${String((body as Json | undefined)?.error ?? '')}`.trim() : String(s);
      if (
        status !== res.status ||
        (status >= 400 && errorOf(status, upstreamJson) !== errorOf(res.status, mockJson))
      ) {
        add(
          {
            kind: 'error',
            operation,
            at: `${method} ${recordedTarget.split('?')[0]}`,
            upstream: errorOf(status, upstreamJson),
            mock: errorOf(res.status, mockJson),
            message: `the upstream answered ${errorOf(status, upstreamJson)}, the mock ${errorOf(res.status, mockJson)}`,
          },
          n,
          opPointer ? [opPointer, `${opPointer}/responses`] : [],
        );
        continue;
      }
      if (status >= 400) continue;
      mapIds(upstreamJson, mockJson, ids);
      const shapes: { at: string; upstream: string; mock: string }[] = [];
      shapeDiff(upstreamJson, mockJson, '', shapes);
      for (const s of shapes)
        add(
          {
            kind: 'shape',
            operation,
            ...s,
            message:
              s.mock === '(absent)'
                ? `the upstream sends ${s.at} (${s.upstream}), the mock does not`
                : s.upstream === '(absent)'
                  ? `the mock sends ${s.at} (${s.mock}), the upstream does not`
                  : `${s.at} is ${s.upstream} upstream, ${s.mock} in the mock`,
          },
          n,
          pointersOf(opPointer, status, s.at),
        );
      // States: a single resource's answers, tracked under its upstream id.
      const u = upstreamJson as Json | undefined;
      const m = mockJson as Json | undefined;
      if (
        u &&
        typeof u.state === 'string' &&
        typeof u.resource === 'string' &&
        u.id !== undefined &&
        m &&
        typeof m.state === 'string'
      ) {
        const key = `${u.resource} ${String(u.id)}`;
        const track = tracks.get(key) ?? {
          operation,
          resource: key,
          upstream: [],
          mock: [],
          reads: [],
          exchanges: [],
        };
        track.upstream.push(u.state);
        track.mock.push(m.state);
        if (method === 'GET') track.reads.push({ upstream: u.state, mock: m.state });
        track.exchanges.push(n);
        if (method === 'GET') track.operation = operation;
        tracks.set(key, track);
        (track as Track & { pointers?: string[] }).pointers = pointersOf(opPointer, status, '/state');
      }
    }
  } finally {
    mock.close();
  }

  for (const t of tracks.values()) {
    const pointers = (t as Track & { pointers?: string[] }).pointers ?? [];
    const up = fold(t.upstream);
    const mk = fold(t.mock);
    const last = t.exchanges[t.exchanges.length - 1] as number;
    if (JSON.stringify(up) !== JSON.stringify(mk)) {
      add(
        {
          kind: 'state',
          operation: t.operation,
          at: t.resource,
          upstream: up,
          mock: mk,
          message: `${t.resource} went ${up.join(' → ')} upstream, ${mk.join(' → ')} in the mock`,
        },
        last,
        pointers,
      );
    }
    // Timing class: the read at which each side first showed the state it ended in.
    const finalUp = up[up.length - 1];
    const finalMock = mk[mk.length - 1];
    if (finalUp !== undefined && finalUp === finalMock && t.reads.length) {
      const readsUp = t.reads.findIndex((r) => r.upstream === finalUp) + 1;
      const readsMock = t.reads.findIndex((r) => r.mock === finalMock) + 1;
      if (readsUp > 0 && readsMock > 0 && readsUp !== readsMock) {
        add(
          {
            kind: 'timing',
            operation: t.operation,
            at: t.resource,
            upstream: `${finalUp} after ${readsUp} reads`,
            mock: `${finalMock} after ${readsMock} reads`,
            message: `${t.resource} was ${finalUp} after ${readsUp} reads upstream, after ${readsMock} in the mock`,
          },
          last,
          pointers,
        );
      }
    }
  }
  return { cassette, exchanges: entries.length, mappedIds: ids.size, differences: [...found.values()] };
}

const cell = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v)).replaceAll('|', '\\|');

/** The readable drift report: what a fidelity issue quotes. */
export function renderDriftMarkdown(report: DriftReport): string {
  const lines = [
    '# ricloud-mock drift report',
    '',
    `Cassette: ${report.cassette}  `,
    `Exchanges replayed: ${report.exchanges}; ids mapped: ${report.mappedIds}; differences: ${report.differences.length}.`,
    '',
  ];
  const titles = {
    shape: 'Shape',
    state: 'States and their order',
    error: 'Errors',
    timing: 'Timing classes',
  } as const;
  for (const kind of ['shape', 'state', 'error', 'timing'] as const) {
    const ds = report.differences.filter((d) => d.kind === kind);
    if (!ds.length) continue;
    lines.push(
      `## ${titles[kind]}`,
      '',
      '| operation | at | upstream | mock | exchanges | ledger |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const d of ds)
      lines.push(
        `| ${cell(d.operation)} | \`${cell(d.at)}\` | ${cell(d.upstream)} | ${cell(d.mock)} | ${d.exchanges.join(', ')} | ${d.ledger.map((l) => `${l.id} (${l.status})`).join(', ')} |`,
      );
    lines.push('');
  }
  if (!report.differences.length)
    lines.push('The mock answered every exchange as the upstream did (shape, states, errors, timing).', '');
  return lines.join('\n');
}
