// How the command line fails: one readable line on stderr and a documented exit code (docs/cli.md).
import { MissingDependencyError } from './optional-deps.ts';

/** The exit codes of `ricloud-mock` (docs/cli.md: keep the two in step). */
export const EXIT = {
  ok: 0,
  /** verify or check-pacts ran and the pacts do not pass (a failed interaction, an unknown provider state). */
  failed: 1,
  /** A usage mistake: unknown flag or command, bad flag value, missing argument, bad or empty pact source. */
  usage: 2,
  /** The config file or the state file cannot be used. */
  config: 3,
  /** The server cannot listen: the port is in use, the address is not available or not allowed. */
  listen: 4,
  /** A file or directory the server writes cannot be written: --state-file, --data-dir, --ready-file. */
  files: 5,
  /** Anything else: a bug in ricloud-mock (rerun with --debug for the stack). */
  internal: 70,
} as const;

/** A mistake the person at the command line can fix; `message` is the whole story, on one line. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
  }
}

/** The listen failures people meet, as one line naming the fix. */
export function listenError(err: NodeJS.ErrnoException, host: string, port: number): CliError {
  const where = `${host}:${port}`;
  const reasons: Record<string, string> = {
    EADDRINUSE: `port ${port} on ${host} is already in use: stop what holds it, or pick another with --port (0: any free port)`,
    EADDRNOTAVAIL: `cannot bind ${where}: the address ${host} is not one of this machine's (--host)`,
    EACCES: `cannot bind ${where}: not allowed (ports below 1024 need privileges; use --port 0 or a higher one)`,
    ENOTFOUND: `cannot bind ${where}: the host name ${host} does not resolve (--host)`,
  };
  return new CliError(reasons[err.code ?? ''] ?? `cannot listen on ${where}: ${err.message}`, EXIT.listen);
}

/**
 * Prints one line for the error and returns the exit code: known mistakes by their message alone, anything else
 * as an internal error; the stack only with `debug`.
 */
export function reportCliError(err: unknown, debug: boolean, write = (s: string) => process.stderr.write(s)) {
  // A ConfigError is a CliError (exit 3); a missing optional peer is a usage mistake (install it).
  const known = err instanceof CliError || err instanceof MissingDependencyError;
  const exitCode =
    err instanceof CliError
      ? err.exitCode
      : err instanceof MissingDependencyError
        ? EXIT.usage
        : EXIT.internal;
  const message = err instanceof Error ? err.message : String(err);
  // One line: a message that spans lines (a JSON parser's excerpt...) is folded.
  const line = message.replace(/\s*\n\s*/g, ' ').trim();
  const hint = !known && !debug ? ' (this is a bug in ricloud-mock: rerun with --debug for the stack)' : '';
  write(`ricloud-mock: ${known ? '' : 'internal error: '}${line}${hint}\n`);
  if (debug && err instanceof Error && err.stack) write(`${err.stack}\n`);
  return exitCode;
}
