// Cassettes: each exchange the proxy records is one HAR 1.2 file (http://www.softwareishard.com/blog/har-12-spec/)
// in the cassette folder, `000001.har`, `000002.har`, ...: a log with one entry, so a crash loses at most the
// exchange in flight and every file opens in any HAR viewer. Loading a cassette reads the files in name order (or
// one HAR file with many entries, e.g. exported from a browser). The mapping is documented in docs/proxy.md.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { PersonalDataFaker, Redactor } from './redact.ts';

export interface HarHeader {
  name: string;
  value: string;
}

export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    cookies: [];
    headers: HarHeader[];
    queryString: HarHeader[];
    postData?: { mimeType: string; text: string; encoding?: 'base64'; comment?: string };
    headersSize: -1;
    bodySize: number;
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    cookies: [];
    headers: HarHeader[];
    content: { size: number; mimeType: string; text?: string; encoding?: 'base64'; comment?: string };
    redirectURL: string;
    headersSize: -1;
    bodySize: number;
  };
  cache: Record<string, never>;
  timings: { send: number; wait: number; receive: number };
  /** ricloud-mock's own fields (HAR allows custom fields starting with `_`). */
  _ricloud: {
    /** Path and query as the client sent them to the proxy (redacted): what replay and drift match on. */
    target: string;
    /** The spec's operationId, when one matches. */
    operation?: string;
    /** How many spec mismatches the proxy found in this exchange. */
    mismatches: number;
    /** Whether personal data was replaced with seeded fakes. */
    fakes: boolean;
  };
}

export interface HarLog {
  log: { version: '1.2'; creator: { name: string; version: string }; entries: HarEntry[] };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** How a body is written: JSON redacted (and faked) field by field; other text scrubbed; binary as base64. */
export function bodyText(
  bytes: Uint8Array,
  redactor: Redactor,
  faker: PersonalDataFaker | undefined,
): { text: string; encoding?: 'base64' } {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { text: Buffer.from(bytes).toString('base64'), encoding: 'base64' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { text: redactor.text(text) };
  }
  let out = redactor.json(value);
  if (faker) out = faker.json(out);
  // Unchanged JSON keeps its own bytes (only secret values seen elsewhere are scrubbed from it).
  if (JSON.stringify(out) === JSON.stringify(value)) return { text: redactor.text(text) };
  return { text: JSON.stringify(out) };
}

/** The bytes a recorded response body stands for. */
export function contentBytes(content: HarEntry['response']['content']): Uint8Array {
  if (content.text === undefined) return new Uint8Array(0);
  return content.encoding === 'base64'
    ? Buffer.from(content.text, 'base64')
    : Buffer.from(content.text, 'utf8');
}

/** A stable digest of a request body: JSON by its canonical form (keys sorted), anything else by its bytes. */
export function bodyDigest(text: string | undefined): string {
  if (!text) return '';
  let canonical = text;
  try {
    canonical = JSON.stringify(sortKeys(JSON.parse(text)));
  } catch {
    // not JSON: the text itself
  }
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}

/** Writes one HAR file per exchange into a folder, numbered after any file already there. */
export class CassetteWriter {
  private next: number;
  constructor(
    readonly dir: string,
    private readonly creatorVersion: string,
  ) {
    mkdirSync(dir, { recursive: true });
    const numbers = readdirSync(dir)
      .map((f) => /^(\d+)\.har$/.exec(f)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    this.next = numbers.length ? Math.max(...numbers) + 1 : 1;
  }

  write(entry: HarEntry): string {
    const file = join(this.dir, `${String(this.next++).padStart(6, '0')}.har`);
    const log: HarLog = {
      log: {
        version: '1.2',
        creator: { name: 'ricloud-mock', version: this.creatorVersion },
        entries: [entry],
      },
    };
    // Write then rename: a reader (replay, drift) never sees half a file.
    writeFileSync(`${file}.tmp`, `${JSON.stringify(log, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    return file;
  }
}

/** Every entry of a cassette: a folder of `.har` files (name order), or one `.har` file. */
export function loadCassette(path: string): HarEntry[] {
  if (!existsSync(path)) throw new Error(`no cassette at ${path}`);
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith('.har'))
        .sort()
        .map((f) => join(path, f))
    : [path];
  const entries: HarEntry[] = [];
  for (const file of files) {
    let log: HarLog;
    try {
      log = JSON.parse(readFileSync(file, 'utf8')) as HarLog;
    } catch (err) {
      throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
    }
    if (!Array.isArray(log?.log?.entries)) throw new Error(`${file}: not a HAR file (no log.entries)`);
    entries.push(...log.log.entries);
  }
  return entries;
}

/** The path and query an entry was sent to (the proxy's own `_ricloud.target`, else its url's). */
export function targetOf(entry: HarEntry): string {
  if (entry._ricloud?.target) return entry._ricloud.target;
  const url = new URL(entry.request.url);
  return `${url.pathname}${url.search}`;
}
