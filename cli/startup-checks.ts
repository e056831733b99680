// Start-up checks of the serve command's flags: what cannot work is refused before the server listens, with one
// line naming the flag (docs/cli.md), never found at shutdown or reported as an internal error.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CONTROL_SPEC_PATH } from '../server/control/routes.ts';
import { CliError, EXIT } from '../server/runtime/cli-errors.ts';
import { loadSpecDocument } from '../server/spec/compile.ts';

/** The token pattern of the control spec's TenantInput (the one a config file's tenants are checked against). */
function tokenPattern(): RegExp {
  const doc = loadSpecDocument(CONTROL_SPEC_PATH) as {
    components: { schemas: { TenantInput: { properties: { token: { pattern: string } } } } };
  };
  return new RegExp(doc.components.schemas.TenantInput.properties.token.pattern);
}

/**
 * A key token given by --token, RICLOUD_MOCK_TOKEN or the config file: the same rule as a tenant's token in the
 * config file and POST /_mock/organisations, so a server never starts with a key no request can present.
 */
export function checkKeyToken(token: string | undefined, source: string): void {
  if (token === undefined || token === '') return;
  const pattern = tokenPattern();
  if (!pattern.test(token)) {
    throw new CliError(
      `invalid ${source}: a key token must match ${pattern.source} (8 to 200 of A-Z a-z 0-9 . _ ~ -)`,
    );
  }
}

/** A control token: printable ASCII without spaces, quotes, commas or semicolons (it travels in a header and a cookie). */
export function checkControlToken(token: string | undefined, source: string): void {
  if (token === undefined) return;
  if (!/^[\x21-\x7e]{1,200}$/.test(token) || /[",;\\]/.test(token)) {
    throw new CliError(
      `invalid ${source}: a control token must be 1 to 200 printable ASCII characters, without spaces, quotes, commas or semicolons`,
    );
  }
}

/** An http(s) url flag (--public-url, --s3-endpoint). */
export function checkHttpUrl(value: string | undefined, flag: string): void {
  if (value === undefined) return;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new CliError(`invalid ${flag} ${JSON.stringify(value)}: expected an http:// or https:// url`);
  }
}

/** The nearest path at or above `path` that exists (the one a later mkdir -p would create under). */
function nearestExisting(path: string): string {
  let at = resolve(path);
  for (;;) {
    try {
      statSync(at);
      return at;
    } catch {
      const up = dirname(at);
      if (up === at) return at;
      at = up;
    }
  }
}

/** Why a directory (existing or to be created) cannot be written, or undefined. Creates nothing. */
function unwritableDir(dir: string): string | undefined {
  const at = nearestExisting(dir);
  try {
    if (!statSync(at).isDirectory()) return `${at} is not a directory`;
    accessSync(at, constants.W_OK);
    return undefined;
  } catch (err) {
    return `${at} is not writable (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
}

/** A file the mock will write (--state-file, --ready-file): its directory must be writable, and the file too. */
export function checkWritableFile(file: string | undefined, flag: string): void {
  if (file === undefined) return;
  const full = resolve(file);
  let reason = unwritableDir(dirname(full));
  if (!reason) {
    try {
      const stat = statSync(full);
      if (stat.isDirectory()) reason = `${full} is a directory`;
      else accessSync(full, constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') reason = `${full} is not writable (${code ?? 'error'})`;
    }
  }
  if (reason) throw new CliError(`cannot use ${flag} ${full}: ${reason}`, EXIT.files);
}

/** The data dir (local:// results): it must be a writable directory, or one that can be created. */
export function checkDataDir(dir: string): void {
  const reason = unwritableDir(dir);
  if (reason) throw new CliError(`cannot use --data-dir ${resolve(dir)}: ${reason}`, EXIT.files);
}

const LOOPBACK_HOSTS = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/i;

/** Whether an address to bind is loopback only. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.test(host);
}
