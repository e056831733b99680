// The only impure entry: reads flags and env, starts the real clock, listens on a socket, handles signals.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { pino } from 'pino';
import { conformanceCommand } from '../contracts/cli/conformance.ts';
import type { Mock } from '../server/app.ts';
import { CONTROL_SPEC_PATH } from '../server/control/routes.ts';
import { PRESET_NAMES } from '../server/domain/presets.ts';
import { exportState, importState, type MockState } from '../server/domain/snapshot.ts';
import { CliError, EXIT, listenError, reportCliError } from '../server/runtime/cli-errors.ts';
import type { ClockMode } from '../server/runtime/clock.ts';
import { parseDateTime } from '../server/runtime/dates.ts';
import { ajvErrorsToParams, compileSpec } from '../server/spec/compile.ts';
import { type MockServer, startMockServer } from '../server/start.ts';
import { controlOptionsOf, loadConfigFile } from './config-file.ts';
import { claimDataDir } from './data-dir.ts';
import { driftCommand, proxyCommand, replayServe } from './proxy/commands.ts';
import {
  checkControlToken,
  checkDataDir,
  checkHttpUrl,
  checkKeyToken,
  checkWritableFile,
  isLoopbackHost,
} from './startup-checks.ts';

interface ServeFlags {
  port: string;
  host: string;
  seed: string;
  token?: string;
  preset: string;
  logLevel: string;
  logFormat: 'text' | 'json';
  readyFile?: string;
  clock: ClockMode;
  clockStart?: string;
  timeScale: string;
  dataDir: string;
  s3Endpoint?: string;
  publicUrl?: string;
  config?: string;
  stateFile?: string;
  controlToken?: string;
  journalSize?: string;
  journalBodies?: boolean;
  rateLimit?: string | boolean;
  allowedHost?: string[];
  storageRoot?: string[];
  webhookTarget?: string[];
  replay?: string;
}

/**
 * A state file, parsed and checked against the control spec's MockState schema (the same check as PUT
 * /_mock/state); importState then checks the invariants. Throws one line naming what is wrong and where.
 */
function readStateFile(file: string): MockState {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`not valid JSON: ${(err as Error).message}`);
  }
  const validate = compileSpec(CONTROL_SPEC_PATH).operations.get('importState')?.validateBody;
  if (validate && !validate(value)) {
    const problems = Object.entries(ajvErrorsToParams(validate.errors)).map(
      ([k, v]) => `${k === '' || k === 'body' ? 'the state' : k} ${v}`,
    );
    throw new Error(problems.join('; ') || 'does not match the MockState schema');
  }
  return value as MockState;
}

/**
 * The Host names the server answers besides loopback names and IP literals (the DNS-rebinding guard): every
 * --allowed-host (or RICLOUD_MOCK_ALLOWED_HOSTS, comma-separated), the config file's `allowedHosts`, and the
 * address bound by --host when it is a name. `*` answers any Host.
 */
function allowedHostsOf(flags: ServeFlags, configured: string[] | undefined): string[] | true {
  const given = [...(flags.allowedHost ?? []), ...(configured ?? [])]
    .flatMap((h) => h.split(','))
    .map((h) => h.trim())
    .filter(Boolean);
  if (given.includes('*')) return true;
  return [...given, flags.host];
}

/** A repeatable flag whose env var may also list values, comma-separated. */
function listFlag(values: string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

/** Flags the user did not set fall back to the config file, then to their defaults. */
function fromConfig<T>(cmd: Command, name: string, flag: T, configured: T | undefined): T {
  return cmd.getOptionValueSource(name) === 'default' && configured !== undefined ? configured : flag;
}

/** The package's version, from the package.json one level above server/ (and dist/). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** A whole number flag within bounds, else a one-line usage error naming the flag. */
function intFlag(name: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CliError(
      `invalid ${name} ${JSON.stringify(value)}: expected a whole number from ${min} to ${max}`,
    );
  }
  return n;
}

function makeLogger(level: string, format: 'text' | 'json') {
  if (format === 'text' && process.stdout.isTTY && !process.env.CI) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } },
    });
  }
  return pino({ level });
}

async function serveCommand(flags: ServeFlags, cmd: Command): Promise<void> {
  const port = intFlag('--port', flags.port, 0, 65535);
  const { file: configFile, config } = loadConfigFile(flags.config);
  flags.seed = fromConfig(cmd, 'seed', flags.seed, config.seed);
  flags.preset = fromConfig(cmd, 'preset', flags.preset, config.preset);
  flags.clock = fromConfig(cmd, 'clock', flags.clock, config.clock);
  flags.timeScale = fromConfig(cmd, 'timeScale', flags.timeScale, config.timeScale?.toString());
  flags.token ??= config.token;
  const scale = Number(flags.timeScale);
  if (!(Number.isFinite(scale) && scale > 0)) {
    throw new CliError(`invalid --time-scale ${JSON.stringify(flags.timeScale)}: expected a number above 0`);
  }
  const clockStart = flags.clockStart ?? config.clockStart;
  let start: number | undefined;
  if (clockStart !== undefined) {
    start = parseDateTime(clockStart);
    if (start === undefined) {
      throw new CliError(
        `invalid --clock-start ${JSON.stringify(clockStart)}: expected an RFC 3339 date-time such as 2026-01-01T00:00:00Z`,
      );
    }
    if (flags.clock === 'real') {
      throw new CliError('--clock-start needs --clock manual or scaled (a real clock follows wall time)');
    }
  }
  const control = controlOptionsOf(config);
  if (flags.controlToken) control.token = flags.controlToken;
  if (flags.journalSize !== undefined || flags.journalBodies) {
    const size =
      flags.journalSize === undefined
        ? control.journal?.size
        : intFlag('--journal-size', flags.journalSize, 1);
    control.journal = {
      ...control.journal,
      ...(size ? { size } : {}),
      ...(flags.journalBodies ? { bodies: true } : {}),
    };
  }
  if (flags.rateLimit !== undefined && flags.rateLimit !== false) {
    const limit = flags.rateLimit === true ? undefined : intFlag('--rate-limit', flags.rateLimit, 1);
    control.rateLimit = { ...control.rateLimit, enabled: true, ...(limit ? { limit } : {}) };
  }
  const stateFile = flags.stateFile ?? config.stateFile;
  // What cannot work is refused now, each with one line (cli/startup-checks.ts), not found at shutdown.
  checkKeyToken(flags.token, flags.token === config.token ? `token in ${configFile}` : '--token');
  checkControlToken(control.token, '--control-token');
  checkHttpUrl(flags.publicUrl, '--public-url');
  checkHttpUrl(flags.s3Endpoint, '--s3-endpoint');
  for (const target of listFlag(flags.webhookTarget ?? [])) checkHttpUrl(target, '--webhook-target');
  checkDataDir(flags.dataDir);
  checkWritableFile(stateFile, '--state-file');
  checkWritableFile(flags.readyFile, '--ready-file');
  const allowedHosts = allowedHostsOf(flags, config.allowedHosts);
  const logger = makeLogger(flags.logLevel, flags.logFormat);
  // Two mocks in the same folder never share a data dir: a later one takes <data dir>/instances/<n> (data-dir.ts).
  let data: ReturnType<typeof claimDataDir>;
  try {
    data = claimDataDir(flags.dataDir);
  } catch (err) {
    throw new CliError(`--data-dir: ${(err as Error).message}`, EXIT.config);
  }
  process.once('exit', () => data.release());
  const dataDir = data.dir;
  // A ready file left by an earlier run must not announce this one before it listens.
  if (flags.readyFile) rmSync(flags.readyFile, { force: true });
  const readyFile = flags.readyFile;
  let server: MockServer | undefined;
  const saveState = (mock: Mock) => {
    if (!stateFile) return;
    // Write then rename: a crash mid-write never leaves a half-written state file.
    // The state holds every key token, webhook secret and storage credential: owner-only (0600), like ~/.ssh.
    mkdirSync(dirname(resolve(stateFile)), { recursive: true });
    const tmp = `${stateFile}.${process.pid}.tmp`;
    rmSync(tmp, { force: true });
    writeFileSync(tmp, JSON.stringify(exportState(mock.ctx)), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, stateFile);
    logger.info({ stateFile }, 'state saved');
  };
  // Handlers from the start: a signal that comes while the socket opens stops the server cleanly too (once it is
  // up: there is nothing to save or close before).
  let pending: string | undefined;
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping || (!server && pending)) {
      // A second Ctrl-C: stop now (the state was saved by the first).
      process.exit(130);
    }
    if (!server) {
      pending = reason;
      return;
    }
    stopping = true;
    logger.info({ reason }, 'shutting down');
    server.mock.close();
    try {
      saveState(server.mock);
    } catch (err) {
      logger.error({ err, stateFile }, 'could not save the state');
      process.exitCode = EXIT.config;
    }
    if (readyFile) rmSync(readyFile, { force: true });
    void server.close({ drain: true }).then(() => process.exit());
    // Keep-alive sockets and held Ricloud-Await answers may hold close() open; do not wait for them forever.
    setTimeout(() => process.exit(), 2000).unref();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));
  watchNpmParent(() => shutdown('parent-exit'));
  try {
    server = await startMockServer({
      port,
      host: flags.host,
      seed: flags.seed,
      // An empty --token or RICLOUD_MOCK_TOKEN='' means "not set": never a key with an empty token.
      token: flags.token || undefined,
      preset: flags.preset,
      clock: { mode: flags.clock, scale, start },
      timings: config.timings,
      control,
      storageUrl: `local://${resolve(dataDir, 'storage')}`,
      s3Endpoint: flags.s3Endpoint,
      // Without --public-url, the bound address (startMockServer: 0.0.0.0 reads as 127.0.0.1).
      publicUrl: flags.publicUrl,
      allowedHosts,
      // The data dir holds the preset's own results: always a storage root when an allow-list is given.
      storageRoots: flags.storageRoot?.length ? [...listFlag(flags.storageRoot), dataDir] : undefined,
      webhookTargets: flags.webhookTarget?.length ? listFlag(flags.webhookTarget) : undefined,
      logger,
      prepare: (mock) => {
        if (!stateFile || !existsSync(stateFile)) return;
        try {
          importState(mock.ctx, readStateFile(stateFile));
        } catch (err) {
          throw new CliError(
            `${resolve(stateFile)}: not a usable state file (${(err as Error).message})`,
            EXIT.config,
          );
        }
        logger.info({ stateFile }, 'state loaded');
      },
    });
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw listenError(err as NodeJS.ErrnoException, flags.host, port);
  }
  if (pending) return shutdown(pending);
  const { mock, url } = server;
  if (readyFile) {
    // Before the ready line, so that whoever saw the line finds the file; write then rename: whoever polls
    // for the file never reads half a url.
    try {
      mkdirSync(dirname(resolve(readyFile)), { recursive: true });
      writeFileSync(`${readyFile}.tmp`, `${url}\n`);
      renameSync(`${readyFile}.tmp`, readyFile);
    } catch (err) {
      // Checked at start; still, a file that became unwritable since stops the server rather than leaving
      // whoever waits for it waiting forever.
      void server.close();
      throw new CliError(
        `cannot write --ready-file ${resolve(readyFile)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        EXIT.files,
      );
    }
  }
  if (!control.token && !isLoopbackHost(flags.host)) {
    process.stderr.write(
      `ricloud-mock: warning: listening on ${flags.host} without --control-token: the ricloud API is open to the network${flags.token ? '' : ' with a key token derived from the seed (the same on every install with the same --seed)'}, /_mock answers loopback peers only\n`,
    );
  }

  if (flags.logFormat === 'json') {
    // The machine-readable ready line: printed whatever the log level, one JSON object on one line.
    process.stdout.write(
      `${JSON.stringify({ event: 'listening', url, token: mock.token, control: `${url}/_mock`, health: `${url}/_mock/health`, data: dataDir })}\n`,
    );
  } else {
    process.stdout.write(
      [
        `ricloud-mock listening on ${url}`,
        `  token:   ${mock.token}`,
        `  preset:  ${flags.preset}   seed: ${flags.seed}   clock: ${flags.clock}${flags.clock === 'scaled' ? ` ×${flags.timeScale}` : ''}${clockStart === undefined ? '' : ` from ${clockStart}`}`,
        `  control: ${url}/_mock${control.token ? '   (control token required)' : '   (loopback only)'}`,
        `  health:  ${url}/_mock/health`,
        `  console: ${url}/_mock/ui${control.token ? '?token=<control token>' : ''}`,
        ...(dataDir !== data.requested
          ? [
              `  data:    ${dataDir} (${data.requested} is in use by another mock${data.heldBy ? `, pid ${data.heldBy}` : ''})`,
            ]
          : []),
        ...(configFile ? [`  config:  ${configFile}`] : []),
        ...(stateFile ? [`  state:   ${resolve(stateFile)} (loaded at start, saved on shutdown)`] : []),
        ...(control.rateLimit?.enabled
          ? [`  rate limit: ${control.rateLimit.limit ?? 10000} requests/hour/organisation`]
          : []),
        `  try:     curl -H 'Authorization: Token ${mock.token}' ${url}/organisation`,
        '',
      ].join('\n'),
    );
  }
}

/**
 * Under npm (`npx ricloud-mock`, `npm run <script>`) the server runs below `sh -c`: npm forwards SIGTERM only to
 * that shell, which dies without passing it on, and the server would live on holding its port. So when npm
 * started us and our parent goes away (we are re-parented), we stop as if signalled.
 */
function watchNpmParent(stop: () => void): void {
  if (process.env.npm_lifecycle_event === undefined || process.env.RICLOUD_MOCK_WATCH_PARENT === '0') return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      stop();
    }
  }, 200);
  timer.unref();
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `verify` and `check-pacts`: the contract kit (contracts/README.md); loaded on use so `serve` stays lean. */
function addContractCommands(program: Command): void {
  program
    .command('verify')
    .description(
      'verify consumer pacts against the mock with its shipped provider states (exit 1 on failure)',
    )
    .option('--pact <file|dir|url>', 'pact file, directory of pact files, or url (repeatable)', collect)
    .option('--provider <name>', 'provider name in the pacts / broker', 'ricloud')
    .option('--broker-url <url>', 'Pact Broker to fetch pacts from (passed to Pact)')
    .option('--broker-token <token>', 'Pact Broker bearer token')
    .option('--broker-username <name>', 'Pact Broker basic-auth user')
    .option('--broker-password <password>', 'Pact Broker basic-auth password')
    .option('--provider-version <version>', 'provider version to publish results under')
    .option('--provider-branch <branch>', 'provider branch to publish results under')
    .option('--consumer-version-tag <tag>', 'consumer version tag to fetch (repeatable)', collect)
    .option('--enable-pending', 'pending pacts do not fail the build')
    .option('--publish', 'publish verification results to the broker')
    .option('--seed <seed>', "seed of the mock's ids and data", 'ricloud-mock-verify')
    .option('--log-level <level>', "Pact's log level", 'warn')
    .option('--list-states', 'list the provider states the mock ships, and exit')
    .action(async (flags: Record<string, unknown>) => {
      const { verifyPacts, listProviderStates } = await import('../contracts/cli/verify.ts');
      if (flags.listStates) {
        listProviderStates();
        return;
      }
      if (!flags.pact && !flags.brokerUrl) {
        throw new CliError('verify needs --pact <file|dir|url> (repeatable) or --broker-url <url>');
      }
      const report = await verifyPacts({
        pacts: (flags.pact as string[] | undefined) ?? [],
        provider: flags.provider as string,
        brokerUrl: flags.brokerUrl as string | undefined,
        brokerToken: flags.brokerToken as string | undefined,
        brokerUsername: flags.brokerUsername as string | undefined,
        brokerPassword: flags.brokerPassword as string | undefined,
        providerVersion: flags.providerVersion as string | undefined,
        providerBranch: flags.providerBranch as string | undefined,
        consumerVersionTags: flags.consumerVersionTag as string[] | undefined,
        enablePending: Boolean(flags.enablePending),
        publish: Boolean(flags.publish),
        seed: flags.seed as string,
        logLevel: flags.logLevel as 'warn',
      });
      process.exitCode = report.ok ? 0 : 1;
    });
  program
    .command('check-pacts')
    .description(
      'check every interaction of the pacts against the ricloud OpenAPI spec (exit 1 if any is off-spec)',
    )
    .argument('<paths...>', 'pact files or directories')
    .action(async (paths: string[]) => {
      const { checkPactsCommand } = await import('../contracts/cli/check-pacts.ts');
      process.exitCode = checkPactsCommand(paths);
    });
}

/** The `ricloud-mock` command line. */
export function buildProgram(): Command {
  const program = new Command('ricloud-mock')
    .description("A stateful mock of Reincubate's ricloud v3 API and a contract test kit.")
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .option('--debug', 'print the stack of an error (any command)')
    // Commander's own usage errors become a thrown CommanderError (its one line is already printed).
    .exitOverride()
    .configureOutput({
      outputError: (message, write) => write(`ricloud-mock: ${message.replace(/^error: /, '')}`),
    });
  const serveCmd = program
    .command('serve', { isDefault: true })
    .description('start the mock server (the default command)')
    .addOption(new Option('-p, --port <port>', 'port to listen on').env('PORT').default('8787'))
    .addOption(new Option('--host <host>', 'address to bind').env('HOST').default('127.0.0.1'))
    .addOption(
      new Option('--seed <seed>', 'seed for ids, tokens and data')
        .env('RICLOUD_MOCK_SEED')
        .default('ricloud-mock'),
    )
    .addOption(new Option('--token <token>', "fixed token for the preset's key").env('RICLOUD_MOCK_TOKEN'))
    .addOption(
      new Option('--preset <name>', 'organisation to boot with')
        .choices([...PRESET_NAMES])
        .env('RICLOUD_MOCK_PRESET')
        .default('default'),
    )
    .addOption(
      new Option('--log-level <level>', 'pino log level')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .env('LOG_LEVEL')
        .default('info'),
    )
    .addOption(
      new Option(
        '--log-format <format>',
        'text: a banner and logs for people; json: JSON log lines and a ready line',
      )
        .choices(['text', 'json'])
        .env('RICLOUD_MOCK_LOG_FORMAT')
        .default('text'),
    )
    .addOption(
      new Option(
        '--ready-file <file>',
        'write the url to this file once listening (removed on shutdown)',
      ).env('RICLOUD_MOCK_READY_FILE'),
    )
    .addOption(
      new Option('--clock <mode>', 'real, scaled or manual time')
        .choices(['real', 'scaled', 'manual'])
        .env('RICLOUD_MOCK_CLOCK')
        .default('real'),
    )
    .addOption(
      new Option(
        '--clock-start <datetime>',
        'start of the manual or scaled clock, RFC 3339 (default: 2026-01-01T00:00:00Z manual, wall time scaled)',
      ).env('RICLOUD_MOCK_CLOCK_START'),
    )
    .addOption(
      new Option('--time-scale <factor>', 'mock seconds per wall second with --clock scaled')
        .env('RICLOUD_MOCK_TIME_SCALE')
        .default('100'),
    )
    .addOption(
      new Option('--data-dir <dir>', 'where local:// results and state files go')
        .env('RICLOUD_MOCK_DATA_DIR')
        .default('.ricloud-mock'),
    )
    .addOption(
      new Option('--s3-endpoint <url>', 'S3-compatible endpoint for s3:// storage configs').env(
        'RICLOUD_MOCK_S3_ENDPOINT',
      ),
    )
    .addOption(
      new Option('--public-url <url>', 'base url that signed urls point at').env('RICLOUD_MOCK_PUBLIC_URL'),
    )
    .addOption(
      new Option(
        '--config <file>',
        'config file: tenants, scenarios, timings, faults (default ./ricloud-mock.config.json)',
      ).env('RICLOUD_MOCK_CONFIG'),
    )
    .addOption(
      new Option(
        '--state-file <file>',
        'load the whole state from this file at start, save it on shutdown',
      ).env('RICLOUD_MOCK_STATE_FILE'),
    )
    .addOption(
      new Option(
        '--control-token <token>',
        'require this token on /_mock (else /_mock answers loopback peers only)',
      ).env('RICLOUD_MOCK_CONTROL_TOKEN'),
    )
    .addOption(
      new Option(
        '--allowed-host <host>',
        'answer this Host name too (repeatable; .example.com: a domain and its subdomains; *: any)',
      )
        .env('RICLOUD_MOCK_ALLOWED_HOSTS')
        .argParser(collect),
    )
    .addOption(
      new Option(
        '--storage-root <dir>',
        'allow local:// storage configs only inside this folder (repeatable; default: any absolute path)',
      )
        .env('RICLOUD_MOCK_STORAGE_ROOTS')
        .argParser(collect),
    )
    .addOption(
      new Option(
        '--webhook-target <url-prefix>',
        'allow webhook configs only to urls starting with this prefix (repeatable; default: any http(s) url)',
      )
        .env('RICLOUD_MOCK_WEBHOOK_TARGETS')
        .argParser(collect),
    )
    .addOption(
      new Option('--journal-size <n>', 'requests kept in the /_mock/requests journal (default 1000)').env(
        'RICLOUD_MOCK_JOURNAL_SIZE',
      ),
    )
    .addOption(
      new Option(
        '--journal-bodies',
        'record request and response bodies in the journal (redacted, capped)',
      ).env('RICLOUD_MOCK_JOURNAL_BODIES'),
    )
    .addOption(
      new Option(
        '--rate-limit [n]',
        'enforce the rate limit: n (default 10000) requests per hour per organisation',
      ).env('RICLOUD_MOCK_RATE_LIMIT'),
    )
    .addOption(
      new Option(
        '--replay <cassette>',
        'answer the requests of a recorded cassette (ricloud-mock proxy --record) with its recorded bytes, instead of the mock',
      ).env('RICLOUD_MOCK_REPLAY'),
    )
    .action((flags: ServeFlags, cmd: Command) =>
      flags.replay ? replayServe({ ...flags, replay: flags.replay }) : serveCommand(flags, cmd),
    );
  // `ricloud-mock --help` shows the default command's flags (each with its env var) too.
  program.addHelpText('after', () => `\n${serveCmd.helpInformation()}`);
  addContractCommands(program);
  program.addCommand(conformanceCommand());
  // The proxy kit's commands take the program's error handling (exitOverride, one-line output).
  program.addCommand(proxyCommand(packageVersion()).copyInheritedSettings(program));
  program.addCommand(driftCommand().copyInheritedSettings(program));
  return program;
}

/** Runs the command line; every failure is one line on stderr and an exit code (cli-errors.ts). */
async function main(argv: string[]): Promise<void> {
  const debug = argv.includes('--debug') || process.env.RICLOUD_MOCK_DEBUG === '1';
  try {
    const program = buildProgram();
    // `serve` is the default command, so commander would call a mistyped command "too many arguments for serve".
    const first = argv[2];
    const commands = program.commands.map((c) => c.name());
    if (first !== undefined && !first.startsWith('-') && ![...commands, 'help'].includes(first)) {
      throw new CliError(`unknown command '${first}' (commands: ${commands.join(', ')})`);
    }
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too (exit 0); a usage mistake was printed by commander on one line.
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    process.exitCode = reportCliError(err, debug);
  }
}

await main(process.argv);
