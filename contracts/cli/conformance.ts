// `ricloud-mock conformance client|receiver`: the command line of the kit. Only commander is loaded up front;
// the kit itself is imported when the command runs. Exit codes: 0 every check passed, 1 one failed, 2 bad usage.
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';

/** `--check a --check b` and `--check a,b` both select a and b. */
const collect = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

function positiveInt(label: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${label} must be a whole number ≥ 1`);
    return n;
  };
}

/** Bad usage: one line on stderr, exit 2, no stack trace. */
function usage(message: string): never {
  process.stderr.write(`ricloud-mock conformance: ${message}\n`);
  process.exit(2);
}

/** Commander's own parse errors (unknown option, missing value) exit 2 as well; --help exits 0. */
function exitTwoOnParseErrors(cmd: Command): Command {
  return cmd.exitOverride((err) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
}

async function finish(
  report: import('../conformance/report.ts').ConformanceReport,
  flags: { junit?: string; json?: string },
): Promise<void> {
  const { renderJUnit, renderJson, renderTable } = await import('../conformance/report.ts');
  process.stdout.write(renderTable(report));
  try {
    if (flags.junit) writeFileSync(flags.junit, renderJUnit(report));
    if (flags.json) writeFileSync(flags.json, renderJson(report));
  } catch (err) {
    usage(`cannot write the report: ${(err as Error).message}`);
  }
  process.exitCode = report.ok ? 0 : 1;
}

async function guarded(run: () => Promise<void>): Promise<void> {
  const { UsageError } = await import('../conformance/client.ts');
  try {
    await run();
  } catch (err) {
    if (err instanceof UsageError) usage(err.message);
    throw err;
  }
}

/** The `conformance` command with its two subcommands (contracts/CONFORMANCE.md). */
export function conformanceCommand(): Command {
  const cmd = exitTwoOnParseErrors(
    new Command('conformance').description(
      'judge how a client library or a webhook receiver behaves (retries, Retry-After, pagination, 2FA, signatures...)',
    ),
  );
  cmd.addCommand(
    exitTwoOnParseErrors(
      new Command('client')
        .description('run the client checks against a driver command (contracts/CONFORMANCE.md)')
        .requiredOption('--client <command>', 'driver command, run through the shell once per check')
        .option('--check <name>', 'run only this check (repeatable, or comma-separated)', collect)
        .option('--junit <file>', 'write a JUnit XML report')
        .option('--json <file>', 'write a JSON report')
        .option('--timeout <seconds>', 'wall-clock limit of one driver run', positiveInt('--timeout'), 30)
        .option('--jobs <n>', 'checks run at the same time', positiveInt('--jobs'), 4)
        .action(
          async (flags: {
            client: string;
            check?: string[];
            junit?: string;
            json?: string;
            timeout: number;
            jobs: number;
          }) =>
            guarded(async () => {
              const { runClientConformance } = await import('../conformance/client.ts');
              const report = await runClientConformance({
                client: flags.client,
                checks: flags.check,
                timeoutMs: flags.timeout * 1000,
                concurrency: flags.jobs,
              });
              await finish(report, flags);
            }),
        ),
    ),
  );
  cmd.addCommand(
    exitTwoOnParseErrors(
      new Command('receiver')
        .description('send signed deliveries to a webhook receiver and judge its answers')
        .requiredOption('--url <url>', "the receiver's url (deliveries go to <url>/<event id>)")
        .requiredOption('--secret <secret>', 'the webhook secret the receiver verifies with')
        .option(
          '--tolerance <seconds>',
          'the largest timestamp age the receiver accepts',
          positiveInt('--tolerance'),
          600,
        )
        .option('--junit <file>', 'write a JUnit XML report')
        .option('--json <file>', 'write a JSON report')
        .action(
          async (flags: { url: string; secret: string; tolerance: number; junit?: string; json?: string }) =>
            guarded(async () => {
              const { runReceiverConformance } = await import('../conformance/receiver.ts');
              const report = await runReceiverConformance({
                url: flags.url,
                secret: flags.secret,
                toleranceSeconds: flags.tolerance,
              });
              await finish(report, flags);
            }),
        ),
    ),
  );
  return cmd;
}
