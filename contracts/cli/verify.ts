// `ricloud-mock verify`: verifies consumer pacts against an in-process mock with the shipped provider states.
import type { AddressInfo } from 'node:net';
import { relative } from 'node:path';
import { serve } from '@hono/node-server';
import { createMock } from '../../server/app.ts';
import { CliError } from '../../server/runtime/cli-errors.ts';
import { loadOptional, PACT, PACT_FEATURE } from '../../server/runtime/optional-deps.ts';
import {
  PROVIDER_STATES,
  ProviderWorld,
  resolveProviderState,
  UnknownProviderStateError,
} from '../provider-states.ts';
import { expandPactSources, readPactFile } from './check-pacts.ts';

/** Options of `verifyPacts`; the broker ones are passed through to Pact's Verifier unchanged. */
export interface VerifyOptions {
  /** Pact files, directories of pact files (`*.json`), or urls. */
  pacts: string[];
  /** Provider name (used to fetch pacts from a broker); default `ricloud`. */
  provider?: string;
  brokerUrl?: string;
  brokerToken?: string;
  brokerUsername?: string;
  brokerPassword?: string;
  providerVersion?: string;
  providerBranch?: string;
  /** Publish the verification results to the broker (needs providerVersion). */
  publish?: boolean;
  consumerVersionTags?: string[];
  enablePending?: boolean;
  /** Seed of the mock's ids, tokens and data. */
  seed?: string;
  /** Pact's own log level (default warn). */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** Where the readable report goes (default: stdout). */
  write?: (line: string) => void;
  /** Where a refusal before running goes, as one line (default: stderr). */
  writeError?: (line: string) => void;
}

/** `verify --list-states`: the shipped provider states, one a line, with their parameters. */
export function listProviderStates(write = (line: string) => process.stdout.write(`${line}\n`)): void {
  for (const d of PROVIDER_STATES) {
    const params = d.params.map((p) => `${p.name}${p.role === 'output' ? ' (returned)' : ''}`).join(', ');
    write(`${d.name}${params ? `    [${params}]` : ''}`);
  }
}

export interface VerifyReport {
  ok: boolean;
  /** Interactions Pact verified, and those that failed (from Pact's result JSON). */
  failures: string[];
  /** Unknown states and states that could not be set up. */
  problems: string[];
}

interface PactFile {
  interactions?: { description?: string; providerStates?: { name: string }[]; providerState?: string }[];
  messages?: { description?: string; providerStates?: { name: string }[] }[];
}

/** The provider state names a local pact file asks for that the catalogue does not have. */
export function unknownStatesIn(file: string): string[] {
  const pact = readPactFile(file) as PactFile;
  const names = new Set<string>();
  for (const i of [...(pact.interactions ?? []), ...(pact.messages ?? [])]) {
    for (const s of i.providerStates ?? []) names.add(s.name);
    if ('providerState' in i && typeof i.providerState === 'string') names.add(i.providerState);
  }
  return [...names].filter((name) => {
    try {
      resolveProviderState(name);
      return false;
    } catch {
      return true;
    }
  });
}

type Middleware = (
  req: { path: string; body?: unknown; headers: Record<string, string | string[] | undefined> },
  res: {
    json(v: unknown): void;
    status(n: number): { json(v: unknown): void };
    on(e: string, f: () => void): void;
  },
  next: () => void,
) => void;

function summarise(raw: string): string[] {
  try {
    const parsed = JSON.parse(raw) as { errors?: { interaction?: string; mismatch?: unknown }[] };
    return (parsed.errors ?? []).map((e) => {
      const m = e.mismatch as {
        message?: string;
        mismatches?: { mismatch?: string; description?: string }[];
      };
      const details =
        m?.mismatches
          ?.map((x) => x.mismatch ?? x.description)
          .filter(Boolean)
          .join('; ') ??
        m?.message ??
        '';
      return `${e.interaction ?? '(interaction)'}${details ? ` — ${details}` : ''}`;
    });
  } catch {
    return raw ? [raw.slice(0, 2000)] : [];
  }
}

/**
 * Starts the mock in-process on a random loopback port and verifies the pacts with the shipped provider
 * states (each interaction in a fresh tenant whose token replaces the pact's Authorization header).
 * @see contracts/README.md
 */
export async function verifyPacts(options: VerifyOptions): Promise<VerifyReport> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  // An optional peer dependency: a missing one is a one-line MissingDependencyError naming what to install.
  const pactModule = await loadOptional(PACT, PACT_FEATURE, () => import('@pact-foundation/pact'));
  process.env.PACT_DO_NOT_TRACK ??= 'true';
  const { files, urls } = expandPactSources(options.pacts);
  if (files.length + urls.length === 0 && !options.brokerUrl) {
    throw new CliError('verify needs --pact <file|dir|url> or --broker-url <url>');
  }

  const problems: string[] = [];
  for (const file of files) {
    for (const name of unknownStatesIn(file)) {
      const rel = relative(process.cwd(), file);
      const where = rel && !rel.startsWith('..') ? rel : file;
      problems.push(`${where}: ${new UnknownProviderStateError(name).message}`);
    }
  }
  if (problems.length > 0) {
    // Refused before running: one line on stderr (several unknown states share it).
    const writeError = options.writeError ?? ((line: string) => process.stderr.write(`${line}\n`));
    writeError(`ricloud-mock verify: ${problems.join('; ')}`);
    return { ok: false, failures: [], problems };
  }

  const mock = createMock({ seed: options.seed ?? 'ricloud-mock-verify' });
  const world = new ProviderWorld(mock);
  const server = serve({ fetch: mock.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((ok) => (server.listening ? ok() : server.once('listening', () => ok())));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  const sources = files.length + urls.length;
  write(
    `ricloud-mock verify: ${sources ? `${sources} pact source(s)` : `the pacts of ${options.brokerUrl}`} against the mock at ${baseUrl}`,
  );

  const requestFilter: Middleware = (req, res, next) => {
    if (req.path === '/_pactSetup') {
      const body = (req.body ?? {}) as { action?: string; state?: string; params?: Record<string, unknown> };
      if (body.action !== 'setup' || !body.state) {
        res.json({});
        return;
      }
      world.setup(body.state, body.params).then(
        (values) => res.json(values),
        (err: Error) => res.status(500).json({ error: err.message }),
      );
      return;
    }
    const tenant = world.tenant();
    if (req.headers.authorization !== undefined) req.headers.authorization = `Token ${tenant.token}`;
    res.on('finish', () => world.finishInteraction());
    next();
  };

  // Any message description is served from the tenant's events (see ProviderWorld.webhookMessage).
  const messageProviders = new Proxy(
    {},
    {
      get: (_t, description) => {
        // JSON.stringify, promises and inspection probe the object; only real descriptions get a handler.
        if (
          typeof description !== 'string' ||
          ['toJSON', 'then', 'constructor', 'inspect'].includes(description)
        ) {
          return undefined;
        }
        return async () => {
          const m = await world.webhookMessage(String(description));
          return { __pactMessageMetadata: m.metadata, message: m.body };
        };
      },
    },
  );

  const verifierOptions = {
    provider: options.provider ?? 'ricloud',
    providerBaseUrl: baseUrl,
    pactUrls: [...files, ...urls],
    pactBrokerUrl: options.brokerUrl,
    pactBrokerToken: options.brokerToken,
    pactBrokerUsername: options.brokerUsername,
    pactBrokerPassword: options.brokerPassword,
    providerVersion: options.providerVersion,
    providerVersionBranch: options.providerBranch,
    publishVerificationResult: options.publish || undefined,
    consumerVersionTags: options.consumerVersionTags,
    enablePending: options.enablePending,
    logLevel: options.logLevel ?? 'warn',
    requestFilter: requestFilter as never,
    messageProviders: messageProviders as never,
  };
  // Pact rejects keys that are present but undefined (e.g. an unset broker url).
  for (const [k, v] of Object.entries(verifierOptions)) {
    if (v === undefined) delete (verifierOptions as Record<string, unknown>)[k];
  }
  const verifier = new pactModule.Verifier(verifierOptions);

  let failures: string[] = [];
  let ok = true;
  try {
    await verifier.verifyProvider();
  } catch (err) {
    ok = false;
    failures = summarise((err as Error).message);
  } finally {
    mock.close();
    await new Promise<void>((done) => server.close(() => done()));
  }
  problems.push(...world.problems);
  if (problems.length > 0) ok = false;

  write('');
  write(
    ok ? '✔ ricloud-mock verify: every interaction passed' : '✘ ricloud-mock verify: verification FAILED',
  );
  for (const f of failures) write(`  ✘ ${f}`);
  for (const p of problems) write(`  ✘ ${p}`);
  return { ok, failures, problems };
}
