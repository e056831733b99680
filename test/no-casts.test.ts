// No handler on either plane casts its input: handlers read the validated body, query and path parameters through
// the one `input(c)` (server/spec/input.ts), typed from the spec's generated types, and never read the variable the
// validation middleware stores, nor cast what they read. A lint over the handler files' source text.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const HANDLER_DIRS = ['server/control/', 'server/http/routes/'];

/** The handler files of both planes: those that declare handlers keyed by operationId. */
function handlerFiles(): string[] {
  return HANDLER_DIRS.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `${dir}${f}`)
      .filter((file) => /\b(ControlHandlers|RouteHandlers)\b/.test(readFileSync(file, 'utf8'))),
  );
}

/**
 * Casts in handler files that are not of a request's input, each with why it is sound. The lint fails on any other
 * ` as ` (but `as const`), and on an entry here that no longer matches (so the list cannot go stale).
 */
const ALLOWED: { file: string; text: string; why: string }[] = [
  {
    file: 'server/control/input.ts',
    text: 'return body as FaultInput;',
    why: "faultInputOf: the schema's if/then (kind → status/latency) that generated types cannot express",
  },
  {
    file: 'server/control/input.ts',
    text: 'return body as unknown as MockState;',
    why: 'mockStateOf: the four-item rng state (minItems = maxItems) that generated types cannot express',
  },
  {
    file: 'server/control/routes.ts',
    text: "JSON.parse(readFileSync(`${SCENARIOS_DIR}${f}`, 'utf8')) as NamedScenario",
    why: "the package's own scenario files, not a request",
  },
  {
    file: 'server/control/inspect.ts',
    text: 'const as = <T>(r: AnyRecord) => r as unknown as T;',
    why: "a stored record handed to its collection's presenter",
  },
  {
    file: 'server/control/inspect.ts',
    text: 'org[name] as unknown as Table<AnyRecord>',
    why: 'a table of the store read as a table of records',
  },
  {
    file: 'server/control/inspect.ts',
    text: '(r.x as { initTask?: string } | undefined)',
    why: "a stored session's private state",
  },
  {
    file: 'server/control/inspect.ts',
    text: 'published.bytes as Uint8Array<ArrayBuffer>',
    why: 'a published file for the response body',
  },
  {
    file: 'server/http/routes/results.ts',
    text: 'published.bytes as Uint8Array<ArrayBuffer>',
    why: 'a published file for the response body',
  },
  { file: 'server/http/routes/keys.ts', text: '} as KeyRecord;', why: 'a new record built by the handler' },
  {
    file: 'server/http/routes/permissions.ts',
    text: '} as PermissionsRecord;',
    why: 'a new record built by the handler',
  },
  {
    file: 'server/http/routes/sessions.ts',
    text: '} as SourceRecord);',
    why: 'a new record built by the handler',
  },
  {
    file: 'server/http/routes/sources.ts',
    text: '} as SourceRecord);',
    why: 'a new record built by the handler',
  },
  { file: 'server/http/routes/users.ts', text: '} as UserRecord;', why: 'a new record built by the handler' },
];

/** A cast (`x as T`, `x as unknown as T`), but not `as const`. */
const CAST = /\bas\s+(?!const\b)[\w{(<[]/;
/** A read of the variable the validation middleware stores, or of the variables it used to store. */
const RAW_READ =
  /\bc\.(get\(\s*['"](body|params|query|operationId|input)['"]\s*\)|var\.(body|params|query|input)\b)/;

/** The code of a line: comments and string literals blanked, so that prose ("as POST /sessions") is not a cast. */
function codeOf(line: string): string {
  return line
    .replace(/\/\/.*$/, '')
    .replace(/\/\*.*?(\*\/|$)/g, '')
    .replace(/^\s*\*.*$/, '')
    .replace(/'(?:[^'\\]|\\.)*'/g, "''")
    .replace(/"(?:[^"\\]|\\.)*"/g, '""');
}

describe('handlers read their input typed, never cast', () => {
  const files = handlerFiles();

  it('finds the handler files of both planes', () => {
    expect(files).toContain('server/control/routes.ts');
    expect(files).toContain('server/control/inspect.ts');
    expect(files).toContain('server/http/routes/sessions.ts');
  });

  it('no handler file reads the validated input but through input(c)', () => {
    const found = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (RAW_READ.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });

  it('no handler file casts but the listed casts of what is not a request input', () => {
    const found: string[] = [];
    const used = new Set<number>();
    for (const file of files) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const code = codeOf(line);
          if (!CAST.test(code)) return;
          const allowed = ALLOWED.findIndex((a) => a.file === file && line.includes(a.text));
          if (allowed >= 0) used.add(allowed);
          else found.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
    expect(ALLOWED.filter((_, i) => !used.has(i)).map((a) => `${a.file}: ${a.text}`)).toEqual([]);
  });

  it('the patterns catch a cast of input and a raw read, and pass `as const` and prose', () => {
    expect(codeOf('const s = body.source_identifier as string | undefined;')).toMatch(CAST);
    expect(codeOf('const b = input(c).body as unknown as MockState;')).toMatch(CAST);
    expect(codeOf('const k = [1, 2] as const;')).not.toMatch(CAST);
    expect(codeOf('// checked as POST /sessions does')).not.toMatch(CAST);
    expect(codeOf('/** A clock and its queue as GET /_mock/clock shows them. */')).not.toMatch(CAST);
    expect(codeOf("throw Errors.invalidParameters({ seconds: 'as many' });")).not.toMatch(CAST);
    expect("const q = c.get('query');").toMatch(RAW_READ);
    expect('const { body } = c.var.input;').toMatch(RAW_READ);
    expect("const org = c.get('org');").not.toMatch(RAW_READ);
  });
});
