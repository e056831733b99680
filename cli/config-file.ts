// ricloud-mock.config.json: tenants, preset, scenarios, timings, faults and journal for the CLI, checked at load.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FaultInput } from '../server/control/faults.ts';
import type { RateLimitConfig } from '../server/control/rate-limit.ts';
import { CONTROL_SPEC_PATH, namedScenarios } from '../server/control/routes.ts';
import type { ControlOptions, TenantInput } from '../server/control/state.ts';
import type { Timings } from '../server/domain/context.ts';
import { DEFAULT_TIMINGS } from '../server/domain/context.ts';
import { PRESET_NAMES } from '../server/domain/presets.ts';
import { CliError, EXIT } from '../server/runtime/cli-errors.ts';
import type { ClockMode } from '../server/runtime/clock.ts';
import { parseDateTime } from '../server/runtime/dates.ts';
import { ajvErrorsToParams, compileSpec } from '../server/spec/compile.ts';

/** The config file's shape; every field is optional and flags given on the command line win. */
export interface ConfigFile {
  seed?: string;
  preset?: string;
  token?: string;
  clock?: ClockMode;
  /** Start of the manual or scaled clock, RFC 3339 (`--clock-start`). */
  clockStart?: string;
  timeScale?: number;
  /** Mock-clock durations (MockOptions.timings), milliseconds. */
  timings?: Partial<Timings>;
  tenants?: TenantInput[];
  /** Named scenarios (fixtures/scenarios) loaded at start and after every reset. */
  scenarios?: string[];
  faults?: FaultInput[];
  rateLimit?: Partial<RateLimitConfig>;
  journal?: { size?: number; bodies?: boolean };
  controlToken?: string;
  stateFile?: string;
  /** Host names the server answers besides loopback names and IP literals (as --allowed-host). */
  allowedHosts?: string[];
}

/** The default file name, looked up in the working directory. */
export const CONFIG_FILE_NAME = 'ricloud-mock.config.json';

const KNOWN = new Set([
  'seed',
  'preset',
  'token',
  'clock',
  'clockStart',
  'timeScale',
  'timings',
  'tenants',
  'scenarios',
  'faults',
  'rateLimit',
  'journal',
  'controlToken',
  'stateFile',
  'allowedHosts',
  '$schema',
]);

/** A config file that cannot be used: the message names the file and every bad field. */
/** A config file that cannot be used: one line naming the file and every problem, exit code 3. */
export class ConfigError extends CliError {
  override readonly name: string = 'ConfigError';
  constructor(file: string, problems: string[]) {
    super(`${file}: ${problems.join('; ')}`, EXIT.config);
  }
}

/**
 * Checks a parsed config: unknown fields, types, and faults and tenants against the control API's own schemas
 * (the same validation as POST /_mock/faults and POST /_mock/organisations).
 */
export function validateConfig(file: string, value: unknown): ConfigFile {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(file, ['must be a JSON object']);
  const cfg = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(cfg)) if (!KNOWN.has(k)) problems.push(`${k} is not a known field`);
  const str = (k: string) =>
    cfg[k] !== undefined && typeof cfg[k] !== 'string' && problems.push(`${k} must be a string`);
  for (const k of ['seed', 'token', 'controlToken', 'stateFile']) str(k);
  if (
    cfg.allowedHosts !== undefined &&
    !(Array.isArray(cfg.allowedHosts) && cfg.allowedHosts.every((h) => typeof h === 'string' && h.trim()))
  ) {
    problems.push('allowedHosts must be an array of host names');
  }
  if (cfg.preset !== undefined && !PRESET_NAMES.includes(cfg.preset as 'default')) {
    problems.push(`preset must be one of ${PRESET_NAMES.join(', ')}`);
  }
  if (cfg.clock !== undefined && !['real', 'scaled', 'manual'].includes(cfg.clock as string)) {
    problems.push('clock must be real, scaled or manual');
  }
  if (cfg.clockStart !== undefined && parseDateTime(String(cfg.clockStart)) === undefined) {
    problems.push('clockStart must be an RFC 3339 date-time string (e.g. 2026-01-01T00:00:00Z)');
  }
  if (cfg.timeScale !== undefined && !(typeof cfg.timeScale === 'number' && cfg.timeScale > 0)) {
    problems.push('timeScale must be a number > 0');
  }
  if (cfg.timings !== undefined) {
    const t = cfg.timings as Record<string, unknown>;
    if (!t || typeof t !== 'object') problems.push('timings must be an object');
    else
      for (const [k, v] of Object.entries(t)) {
        if (!(k in DEFAULT_TIMINGS)) problems.push(`timings.${k} is not a known timing`);
        else if (!(v === null || (typeof v === 'number' && v >= 0)))
          problems.push(`timings.${k} must be ms >= 0 or null`);
      }
  }
  const spec = compileSpec(CONTROL_SPEC_PATH);
  const checkList = (field: string, operationId: string) => {
    const list = cfg[field];
    if (list === undefined) return;
    if (!Array.isArray(list)) return problems.push(`${field} must be an array`);
    const validate = spec.operations.get(operationId)?.validateBody;
    list.forEach((item, i) => {
      if (validate && !validate(item)) {
        for (const [k, reason] of Object.entries(ajvErrorsToParams(validate.errors))) {
          problems.push(`${field}[${i}].${k} ${reason}`);
        }
      }
    });
  };
  checkList('faults', 'addFault');
  checkList('tenants', 'createOrganisation');
  if (
    cfg.scenarios !== undefined &&
    !(Array.isArray(cfg.scenarios) && cfg.scenarios.every((s) => typeof s === 'string'))
  ) {
    problems.push('scenarios must be an array of scenario names');
  } else {
    const known = namedScenarios();
    for (const name of (cfg.scenarios as string[] | undefined) ?? []) {
      if (!known.has(name))
        problems.push(`scenarios: unknown scenario ${name} (known: ${[...known.keys()].join(', ')})`);
    }
  }
  if (cfg.rateLimit !== undefined) {
    const validate = spec.operations.get('setRateLimit')?.validateBody;
    if (validate && !validate(cfg.rateLimit))
      problems.push(`rateLimit ${validate.errors?.[0]?.message ?? 'is invalid'}`);
  }
  if (cfg.journal !== undefined) {
    const j = cfg.journal as Record<string, unknown>;
    if (!j || typeof j !== 'object') problems.push('journal must be an object');
    else {
      if (j.size !== undefined && !(Number.isInteger(j.size) && (j.size as number) >= 1)) {
        problems.push('journal.size must be an integer >= 1');
      }
      if (j.bodies !== undefined && typeof j.bodies !== 'boolean')
        problems.push('journal.bodies must be a boolean');
    }
  }
  if (problems.length) throw new ConfigError(file, problems);
  return cfg as ConfigFile;
}

/**
 * Loads the config: `path` when given (it must exist), else `ricloud-mock.config.json` in `cwd` when present,
 * else an empty config.
 */
export function loadConfigFile(
  path: string | undefined,
  cwd = process.cwd(),
): { file?: string; config: ConfigFile } {
  const file = path ? resolve(cwd, path) : resolve(cwd, CONFIG_FILE_NAME);
  if (!existsSync(file)) {
    if (path) throw new ConfigError(file, ['file not found']);
    return { config: {} };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(file, [`not valid JSON (${(err as Error).message})`]);
  }
  return { file, config: validateConfig(file, parsed) };
}

/** The control-plane part of a config (MockOptions.control). */
export function controlOptionsOf(config: ConfigFile): ControlOptions {
  return {
    ...(config.controlToken ? { token: config.controlToken } : {}),
    ...(config.journal ? { journal: config.journal } : {}),
    ...(config.faults ? { faults: config.faults } : {}),
    ...(config.rateLimit ? { rateLimit: config.rateLimit } : {}),
    ...(config.tenants ? { tenants: config.tenants } : {}),
    ...(config.scenarios ? { scenarios: config.scenarios } : {}),
  };
}
