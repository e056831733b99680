// The only impure entry: reads flags and env, starts the real clock, listens on a socket, handles signals.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { Command, Option } from 'commander';
import { pino } from 'pino';
import { createMock } from './app.ts';
import { controlOptionsOf, loadConfigFile } from './config-file.ts';
import type { ClockMode } from './engine/clock.ts';
import { PRESET_NAMES } from './presets.ts';
import { exportState, importState, type MockState } from './snapshot.ts';

interface ServeFlags {
  port: string;
  host: string;
  seed: string;
  token?: string;
  preset: string;
  logLevel: string;
  clock: ClockMode;
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
}

/** Flags the user did not set fall back to the config file, then to their defaults. */
function fromConfig<T>(cmd: Command, name: string, flag: T, configured: T | undefined): T {
  return cmd.getOptionValueSource(name) === 'default' && configured !== undefined ? configured : flag;
}

function makeLogger(level: string) {
  if (process.stdout.isTTY && !process.env.CI) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } },
    });
  }
  return pino({ level });
}

async function serveCommand(flags: ServeFlags, cmd: Command): Promise<void> {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${flags.port}`);
  const { file: configFile, config } = loadConfigFile(flags.config);
  flags.seed = fromConfig(cmd, 'seed', flags.seed, config.seed);
  flags.preset = fromConfig(cmd, 'preset', flags.preset, config.preset);
  flags.clock = fromConfig(cmd, 'clock', flags.clock, config.clock);
  flags.timeScale = fromConfig(cmd, 'timeScale', flags.timeScale, config.timeScale?.toString());
  flags.token ??= config.token;
  const control = controlOptionsOf(config);
  if (flags.controlToken) control.token = flags.controlToken;
  if (flags.journalSize !== undefined || flags.journalBodies) {
    const size = flags.journalSize === undefined ? control.journal?.size : Number(flags.journalSize);
    if (size !== undefined && !(Number.isInteger(size) && size >= 1))
      throw new Error(`invalid --journal-size ${flags.journalSize}`);
    control.journal = {
      ...control.journal,
      ...(size ? { size } : {}),
      ...(flags.journalBodies ? { bodies: true } : {}),
    };
  }
  if (flags.rateLimit !== undefined && flags.rateLimit !== false) {
    const limit = flags.rateLimit === true ? undefined : Number(flags.rateLimit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1))
      throw new Error(`invalid --rate-limit ${flags.rateLimit}`);
    control.rateLimit = { ...control.rateLimit, enabled: true, ...(limit ? { limit } : {}) };
  }
  const stateFile = flags.stateFile ?? config.stateFile;
  const logger = makeLogger(flags.logLevel);
  const dataDir = resolve(flags.dataDir);
  const mock = createMock({
    seed: flags.seed,
    // An empty --token or RICLOUD_MOCK_TOKEN='' means "not set": never a key with an empty token.
    token: flags.token || undefined,
    preset: flags.preset,
    clock: { mode: flags.clock, scale: Number(flags.timeScale) },
    timings: config.timings,
    control,
    storageUrl: `local://${resolve(dataDir, 'storage')}`,
    s3Endpoint: flags.s3Endpoint,
    publicUrl: flags.publicUrl ?? `http://${flags.host === '0.0.0.0' ? '127.0.0.1' : flags.host}:${port}`,
    logger,
  });
  if (stateFile && existsSync(stateFile)) {
    importState(mock.ctx, JSON.parse(readFileSync(stateFile, 'utf8')) as MockState);
    logger.info({ stateFile }, 'state loaded');
  }
  const saveState = () => {
    if (!stateFile) return;
    // Write then rename: a crash mid-write never leaves a half-written state file.
    mkdirSync(dirname(resolve(stateFile)), { recursive: true });
    writeFileSync(`${stateFile}.tmp`, JSON.stringify(exportState(mock.ctx)));
    renameSync(`${stateFile}.tmp`, stateFile);
    logger.info({ stateFile }, 'state saved');
  };
  const server = serve({ fetch: mock.app.fetch, port, hostname: flags.host }, (info) => {
    const url = `http://${flags.host.includes(':') ? `[${flags.host}]` : flags.host}:${info.port}`;
    // With --port 0 the real port is known only now: signed urls must point at it.
    if (!flags.publicUrl) {
      mock.ctx.options.publicUrl = `http://${flags.host === '0.0.0.0' ? '127.0.0.1' : flags.host.includes(':') ? `[${flags.host}]` : flags.host}:${info.port}`;
    }
    process.stdout.write(
      [
        `ricloud-mock listening on ${url}`,
        `  token:   ${mock.token}`,
        `  preset:  ${flags.preset}   seed: ${flags.seed}   clock: ${flags.clock}${flags.clock === 'scaled' ? ` ×${flags.timeScale}` : ''}`,
        `  control: ${url}/_mock${control.token ? '   (control token required)' : '   (loopback only)'}`,
        `  console: ${url}/_mock/ui${control.token ? '?token=<control token>' : ''}`,
        ...(configFile ? [`  config:  ${configFile}`] : []),
        ...(stateFile ? [`  state:   ${resolve(stateFile)} (loaded at start, saved on shutdown)`] : []),
        ...(control.rateLimit?.enabled
          ? [`  rate limit: ${control.rateLimit.limit ?? 10000} requests/hour/organisation`]
          : []),
        `  try:     curl -H 'Authorization: Token ${mock.token}' ${url}/organisation`,
        '',
      ].join('\n'),
    );
  });
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    mock.close();
    try {
      saveState();
    } catch (err) {
      logger.error({ err, stateFile }, 'could not save the state');
    }
    server.close(() => process.exit(0));
    // Keep-alive sockets may hold close() open; do not wait for them forever.
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `verify` and `check-pacts`: the contract kit (contracts/README.md); loaded on use so `serve` stays lean. */
function addContractCommands(program: Command): void {
  program
    .command('verify')
    .description(
      'verify consumer pacts against the mock with its shipped provider states (exit 1 on failure)',
    )
    .requiredOption(
      '--pact <file|dir|url>',
      'pact file, directory of pact files, or url (repeatable)',
      collect,
    )
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
    .action(async (flags: Record<string, unknown>) => {
      const { verifyPacts } = await import('./verify.ts');
      const report = await verifyPacts({
        pacts: flags.pact as string[],
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
      const { checkPactsCommand } = await import('./check-pacts.ts');
      process.exitCode = checkPactsCommand(paths);
    });
}

/** The `ricloud-mock` command line. */
export function buildProgram(): Command {
  const program = new Command('ricloud-mock').description(
    "A stateful mock of Reincubate's ricloud v3 API and a contract test kit.",
  );
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
      new Option('--clock <mode>', 'real, scaled or manual time')
        .choices(['real', 'scaled', 'manual'])
        .env('RICLOUD_MOCK_CLOCK')
        .default('real'),
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
    .action((flags: ServeFlags, cmd: Command) => serveCommand(flags, cmd));
  // `ricloud-mock --help` shows the default command's flags (each with its env var) too.
  program.addHelpText('after', () => `\n${serveCmd.helpInformation()}`);
  addContractCommands(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
