// The command line of the proxy kit: `proxy`, `drift`, and `serve --replay` (a cassette answered byte for byte).
// Each action loads its module on use, so that `serve` stays lean.
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { CliError, EXIT, listenError } from '../../server/runtime/cli-errors.ts';
import { checkControlToken, checkHttpUrl, checkWritableFile, isLoopbackHost } from '../startup-checks.ts';

function port(value: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new CliError(`invalid --port ${JSON.stringify(value)}: expected a whole number from 0 to 65535`);
  return n;
}

/** Stops on the first signal (after `stop`), on the second at once. */
function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => {
      if (stopping) process.exit(130);
      stopping = true;
      stop().then(
        () => process.exit(),
        (err) => {
          process.stderr.write(`ricloud-mock: ${(err as Error).message}\n`);
          process.exit(EXIT.files);
        },
      );
    });
}

interface ProxyFlags {
  upstream: string;
  port: string;
  host: string;
  record?: string;
  report?: string;
  fakePersonalData?: boolean;
  seed: string;
  controlToken?: string;
}

/** `ricloud-mock proxy --upstream URL`. */
export function proxyCommand(version: string): Command {
  return new Command('proxy')
    .description(
      'forward requests to a ricloud API unchanged; check both directions against the spec; record with --record',
    )
    .addOption(
      new Option('--upstream <url>', 'the API to forward to').env('RICLOUD_UPSTREAM').makeOptionMandatory(),
    )
    .addOption(new Option('-p, --port <port>', 'port to listen on').env('PORT').default('8788'))
    .addOption(new Option('--host <host>', 'address to bind').env('HOST').default('127.0.0.1'))
    .option('--record <dir>', 'write each exchange to this cassette folder (HAR 1.2, credentials redacted)')
    .option(
      '--report <file>',
      'write the mismatch report here (JSON, plus a .md summary) on exit and on demand',
    )
    .option(
      '--fake-personal-data',
      'replace names, identifiers, emails, phone numbers and message text in the cassette',
    )
    .addOption(
      new Option('--seed <seed>', 'seed of the fakes').env('RICLOUD_MOCK_SEED').default('ricloud-mock'),
    )
    .addOption(
      new Option(
        '--control-token <token>',
        'require this token on /_mock/proxy (else loopback peers only)',
      ).env('RICLOUD_MOCK_CONTROL_TOKEN'),
    )
    .action(async (flags: ProxyFlags) => {
      checkHttpUrl(flags.upstream, '--upstream');
      checkControlToken(flags.controlToken, '--control-token');
      checkWritableFile(flags.report, '--report');
      const listen = port(flags.port);
      const { startProxy } = await import('./proxy.ts');
      let proxy: Awaited<ReturnType<typeof startProxy>>;
      try {
        proxy = await startProxy({
          upstream: flags.upstream,
          port: listen,
          host: flags.host,
          record: flags.record,
          report: flags.report,
          fakePersonalData: flags.fakePersonalData ? { seed: flags.seed } : undefined,
          controlToken: flags.controlToken,
          version,
        });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code)
          throw listenError(err as NodeJS.ErrnoException, flags.host, listen);
        throw new CliError((err as Error).message);
      }
      onSignals(async () => {
        await proxy.idle();
        await proxy.close();
        const r = proxy.report();
        process.stderr.write(
          `ricloud-mock proxy: ${r.exchanges} exchanges, ${r.mismatches.length} distinct spec mismatches${flags.report ? `; report: ${resolve(flags.report)}` : ''}\n`,
        );
      });
      if (!flags.controlToken && !isLoopbackHost(flags.host)) {
        process.stderr.write(
          `ricloud-mock: warning: the proxy listens on ${flags.host}: anyone who reaches it uses the upstream with their own key; /_mock/proxy answers loopback peers only\n`,
        );
      }
      process.stdout.write(
        [
          `ricloud-mock proxy listening on ${proxy.url} → ${flags.upstream}`,
          `  point your client at ${proxy.url} (RICLOUD_URL / the client's base url); your key passes through`,
          `  report:  ${proxy.url}/_mock/proxy/report   page: ${proxy.url}/_mock/proxy/ui${flags.report ? `   file: ${resolve(flags.report)}` : ''}`,
          ...(flags.record
            ? [`  record:  ${resolve(flags.record)} (HAR 1.2, one file per exchange, credentials redacted)`]
            : []),
          '',
        ].join('\n'),
      );
    });
}

/** `serve --replay DIR`: answers a cassette's requests with its recorded bytes, on --host and --port. */
export async function replayServe(flags: {
  replay: string;
  port: string;
  host: string;
  readyFile?: string;
}): Promise<void> {
  const listen = port(flags.port);
  const [
    { loadCassette },
    { createReplayer },
    { serve },
    { mkdirSync, renameSync, rmSync, writeFileSync },
    { dirname },
  ] = await Promise.all([
    import('./har.ts'),
    import('./replay.ts'),
    import('@hono/node-server'),
    import('node:fs'),
    import('node:path'),
  ]);
  let entries: ReturnType<typeof loadCassette>;
  try {
    entries = loadCassette(flags.replay);
  } catch (err) {
    throw new CliError(`--replay: ${(err as Error).message}`, EXIT.config);
  }
  const replayer = createReplayer(entries);
  const server = serve({ fetch: replayer.fetch, port: listen, hostname: flags.host });
  try {
    await new Promise<void>((ok, fail) => {
      server.once('listening', ok);
      server.once('error', fail);
    });
  } catch (err) {
    throw listenError(err as NodeJS.ErrnoException, flags.host, listen);
  }
  const address = server.address() as { port: number };
  const url = `http://${flags.host.includes(':') ? `[${flags.host}]` : flags.host}:${address.port}`;
  if (flags.readyFile) {
    mkdirSync(dirname(resolve(flags.readyFile)), { recursive: true });
    writeFileSync(`${flags.readyFile}.tmp`, `${url}\n`);
    renameSync(`${flags.readyFile}.tmp`, flags.readyFile);
  }
  onSignals(async () => {
    if (flags.readyFile) rmSync(flags.readyFile, { force: true });
    server.close();
  });
  process.stdout.write(
    `ricloud-mock replaying ${entries.length} recorded exchanges of ${resolve(flags.replay)} on ${url}\n`,
  );
}

/** `ricloud-mock drift <cassette>`. */
export function driftCommand(): Command {
  return new Command('drift')
    .description(
      'replay a recorded cassette against the mock and report where it answers differently (exit 1 if it does)',
    )
    .argument('<cassette>', 'a cassette folder (ricloud-mock proxy --record) or a .har file')
    .option('--report <file>', 'write the drift report here (JSON, plus a .md summary)')
    .option('--seed <seed>', "seed of the mock's ids and data", 'ricloud-mock')
    .option('--preset <name>', 'organisation the mock boots with', 'default')
    .option(
      '--ledger <dir>',
      'fidelity ledger to link differences to (default: the package’s fidelity/ledger)',
    )
    .action(
      async (cassette: string, flags: { report?: string; seed: string; preset: string; ledger?: string }) => {
        checkWritableFile(flags.report, '--report');
        const [
          { loadCassette },
          { runDrift, renderDriftMarkdown },
          { writeFileSync, mkdirSync, renameSync },
          { dirname },
        ] = await Promise.all([
          import('./har.ts'),
          import('./drift.ts'),
          import('node:fs'),
          import('node:path'),
        ]);
        let entries: ReturnType<typeof loadCassette>;
        try {
          entries = loadCassette(cassette);
        } catch (err) {
          throw new CliError(`drift: ${(err as Error).message}`, EXIT.config);
        }
        const report = await runDrift(entries, resolve(cassette), {
          seed: flags.seed,
          preset: flags.preset,
          ledger: flags.ledger,
        });
        const md = renderDriftMarkdown(report);
        if (flags.report) {
          const json = resolve(flags.report);
          const mdFile = /\.json$/i.test(json) ? json.replace(/\.json$/i, '.md') : `${json}.md`;
          mkdirSync(dirname(json), { recursive: true });
          for (const [file, text] of [
            [json, `${JSON.stringify(report, null, 2)}\n`],
            [mdFile, md],
          ] as const) {
            writeFileSync(`${file}.tmp`, text);
            renameSync(`${file}.tmp`, file);
          }
        }
        process.stdout.write(md);
        process.exitCode = report.differences.length ? 1 : 0;
      },
    );
}
