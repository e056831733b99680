// `ricloud-mock check-pacts`: every pact interaction's request and response checked against the ricloud spec.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { CliError } from '../../server/runtime/cli-errors.ts';
import { ajvErrorsToParams, compileSpec } from '../../server/spec/compile.ts';
import { createResponseValidator, describeErrors } from '../../server/spec/responses.ts';

type Json = Record<string, unknown>;

/** Expands directories into their `*.json` files; keeps urls as they are. */
export function expandPactSources(sources: string[]): { files: string[]; urls: string[] } {
  const files: string[] = [];
  const urls: string[] = [];
  for (const source of sources) {
    if (/^https?:\/\//.test(source)) {
      urls.push(source);
      continue;
    }
    const path = resolve(source);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) throw new CliError(`no pact file or directory at ${source}`);
    if (stat.isDirectory()) {
      const found = readdirSync(path)
        .sort()
        .filter((name) => name.endsWith('.json'));
      // An empty folder is a mistake (a wrong path, pacts not written yet), never a silent pass.
      if (found.length === 0) throw new CliError(`no pact files (*.json) in the directory ${source}`);
      for (const name of found) files.push(join(path, name));
    } else files.push(path);
  }
  return { files, urls };
}

/** A pact file's JSON; a file that is not JSON or not a pact is a one-line usage error naming it. */
export function readPactFile(file: string): { interactions?: Json[]; messages?: Json[] } {
  const rel = relative(process.cwd(), file);
  const where = rel && !rel.startsWith('..') ? rel : file;
  let pact: unknown;
  try {
    pact = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`${where} is not a pact file: not valid JSON (${(err as Error).message})`);
  }
  const p = pact as { interactions?: unknown; messages?: unknown } | null;
  if (!p || typeof p !== 'object' || !(Array.isArray(p.interactions) || Array.isArray(p.messages))) {
    throw new CliError(`${where} is not a pact file: no "interactions" or "messages" list`);
  }
  return p as { interactions?: Json[]; messages?: Json[] };
}

/** One interaction that asks for something the API does not have. */
export interface PactFinding {
  file: string;
  interaction: string;
  problems: string[];
}

export interface CheckReport {
  checked: number;
  /** Message interactions are not HTTP: listed, not checked against the paths. */
  skipped: number;
  findings: PactFinding[];
}

interface PactRequest {
  method?: string;
  path?: string;
  query?: string | Record<string, string | string[]>;
  headers?: Record<string, string | string[]>;
  body?: unknown;
}

interface PactResponse {
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: unknown;
}

/** V4 wraps bodies as `{content, contentType, encoded}`; V2/V3 put the JSON in place. */
function bodyOf(body: unknown): unknown {
  if (body && typeof body === 'object' && !Array.isArray(body) && 'content' in (body as Json)) {
    const b = body as { content: unknown; encoded?: unknown; contentType?: string };
    if (b.encoded === 'base64' && typeof b.content === 'string') {
      const text = Buffer.from(b.content, 'base64').toString('utf8');
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    }
    if (b.encoded === 'json' && typeof b.content === 'string') return JSON.parse(b.content);
    return b.content;
  }
  return body;
}

function headerValue(headers: PactRequest['headers'], name: string): string | undefined {
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() === name.toLowerCase()) return Array.isArray(v) ? v.join(', ') : v;
  }
  return undefined;
}

function queryOf(query: PactRequest['query']): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof query === 'string') {
    for (const [k, v] of new URLSearchParams(query)) out[k] = v;
    return out;
  }
  for (const [k, v] of Object.entries(query ?? {}))
    out[k] = Array.isArray(v) ? String(v[0] ?? '') : String(v);
  return out;
}

/**
 * Checks one interaction's request (route, method, query, path parameters, headers, body) and response
 * (status, body under its matchers' example values, fields checked but not required) against the spec.
 */
export function checkInteraction(request: PactRequest, response: PactResponse): string[] {
  const spec = compileSpec();
  const problems: string[] = [];
  const method = (request.method ?? 'GET').toUpperCase();
  const path = request.path ?? '/';
  const match = spec.match(method, path);
  if (match.kind === 'none') return [`${method} ${path}: the API has no such route`];
  if (match.kind === 'method-not-allowed') {
    return [
      `${method} ${path}: the API does not allow ${method} here (allowed: ${match.allowed.join(', ')})`,
    ];
  }
  const { op, params } = match;
  const where = `${method} ${path} (${op.id})`;
  if (!op.validatePath(structuredClone(params))) {
    for (const [k, v] of Object.entries(ajvErrorsToParams(op.validatePath.errors))) {
      problems.push(`${where}: path parameter ${k} ${v}`);
    }
  }
  const query = queryOf(request.query);
  if (!op.validateQuery(query)) {
    for (const [k, v] of Object.entries(ajvErrorsToParams(op.validateQuery.errors))) {
      problems.push(
        `${where}: query parameter ${k} ${v === 'is not a known field' ? 'is not a known parameter' : v}`,
      );
    }
  }
  const auth = headerValue(request.headers, 'authorization');
  if (auth === undefined && response.status !== 401) {
    problems.push(`${where}: no Authorization header, so the API answers 401, not ${response.status}`);
  } else if (auth !== undefined && !/^Token \S+$/.test(auth)) {
    problems.push(`${where}: Authorization must be "Token <key token>", not ${JSON.stringify(auth)}`);
  }
  const wait = headerValue(request.headers, 'ricloud-await');
  if (wait !== undefined && !/^[0-9]+(\.[0-9]+)?$/.test(wait)) {
    problems.push(`${where}: Ricloud-Await must be a number of seconds, not ${JSON.stringify(wait)}`);
  }
  const body = bodyOf(request.body);
  if (body !== undefined && body !== null && body !== '') {
    const type = headerValue(request.headers, 'content-type');
    if (type && !/^application\/json\b/i.test(type))
      problems.push(`${where}: the API takes JSON bodies, not ${type}`);
    if (op.body === 'none') problems.push(`${where}: the API takes no request body here`);
    else if (op.validateBody && !op.validateBody(structuredClone(body))) {
      for (const line of describeErrors(op.validateBody.errors))
        problems.push(`${where}: request body ${line}`);
    }
  } else if (op.body === 'required' && response.status !== undefined && response.status < 400) {
    problems.push(`${where}: the API requires a JSON body here`);
  }
  const status = response.status ?? 200;
  const responseBody = bodyOf(response.body);
  const lines = partialValidator().validate(op.id, status, responseBody === undefined ? {} : responseBody);
  for (const line of lines) problems.push(`${where} → ${status}: ${line}`);
  return problems;
}

let validator: ReturnType<typeof createResponseValidator> | undefined;
function partialValidator() {
  validator ??= createResponseValidator({ partial: true });
  return validator;
}

/** Checks every HTTP interaction of the pact files (files or directories). */
export function checkPacts(sources: string[]): CheckReport {
  const { files, urls } = expandPactSources(sources);
  if (urls.length > 0) throw new CliError('check-pacts reads local pact files (download them first)');
  const report: CheckReport = { checked: 0, skipped: 0, findings: [] };
  for (const file of files) {
    const pact = readPactFile(file);
    report.skipped += pact.messages?.length ?? 0;
    for (const interaction of pact.interactions ?? []) {
      const type = String(interaction.type ?? 'Synchronous/HTTP');
      if (type !== 'Synchronous/HTTP' || !interaction.request) {
        report.skipped += 1;
        continue;
      }
      report.checked += 1;
      const problems = checkInteraction(
        interaction.request as PactRequest,
        (interaction.response ?? {}) as PactResponse,
      );
      if (problems.length > 0) {
        report.findings.push({
          file,
          interaction: String(interaction.description ?? '(no description)'),
          problems,
        });
      }
    }
  }
  return report;
}

/**
 * The CLI: prints a readable report; returns the exit code (1 when any interaction is off-spec). A bad pact
 * source throws a CliError (one line on stderr, exit 2).
 */
export function checkPactsCommand(
  sources: string[],
  write = (line: string) => process.stdout.write(`${line}\n`),
): number {
  const report = checkPacts(sources);
  for (const f of report.findings) {
    write(`✘ ${f.interaction}  (${relative(process.cwd(), f.file) || f.file})`);
    for (const p of f.problems) write(`    ${p}`);
  }
  const skipped = report.skipped ? `, ${report.skipped} message interaction(s) not checked` : '';
  if (report.findings.length === 0) {
    write(`✔ ricloud-mock check-pacts: ${report.checked} interaction(s) match the ricloud spec${skipped}`);
    return 0;
  }
  write(
    `✘ ricloud-mock check-pacts: ${report.findings.length} of ${report.checked} interaction(s) ask for something the API does not have${skipped}`,
  );
  return 1;
}
