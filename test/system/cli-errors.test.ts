// Every command-line mistake is one line on stderr with a documented exit code (docs/cli.md), no stack.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../server/runtime/cli-errors.ts';
import { type CliRun, runCli } from '../helpers/spawn-mock.ts';

const dir = mkdtempSync(join(tmpdir(), 'ricloud-mock-cli-errors-'));
let busy: Server;
let busyPort = 0;

beforeAll(async () => {
  writeFileSync(join(dir, 'unknown-field.json'), JSON.stringify({ seed: 'x', colour: 'red' }));
  writeFileSync(join(dir, 'broken.json'), '{"seed": "x",\n');
  writeFileSync(join(dir, 'bad-clock-start.json'), JSON.stringify({ clock: 'manual', clockStart: 'soon' }));
  writeFileSync(join(dir, 'bad.pact.json'), 'this is not json');
  writeFileSync(join(dir, 'not-a-pact.json'), '{"hello": "world"}');
  mkdirSync(join(dir, 'empty'));
  busy = createServer();
  await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
  busyPort = (busy.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((ok) => busy.close(() => ok()));
  rmSync(dir, { recursive: true, force: true });
});

/** The run printed exactly one line on stderr, with no stack frame and no source excerpt. */
function oneLine(run: CliRun): string {
  const lines = run.stderr.split('\n').filter((l) => l !== '');
  expect(lines, run.stderr).toHaveLength(1);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  return lines[0] as string;
}

describe.concurrent('command-line mistakes: one line on stderr and an exit code', { timeout: 60_000 }, () => {
  it.each([
    [
      ['serve', '--port', 'abc'],
      'ricloud-mock: invalid --port "abc": expected a whole number from 0 to 65535',
    ],
    [['--port', '70000'], 'ricloud-mock: invalid --port "70000": expected a whole number from 0 to 65535'],
    [
      ['serve', '--journal-size', '0'],
      'ricloud-mock: invalid --journal-size "0": expected a whole number from 1 to',
    ],
    [
      ['serve', '--rate-limit', 'lots'],
      'ricloud-mock: invalid --rate-limit "lots": expected a whole number from 1',
    ],
    [
      ['serve', '--time-scale', 'fast'],
      'ricloud-mock: invalid --time-scale "fast": expected a number above 0',
    ],
    [['serve', '--preset', 'nope'], "ricloud-mock: option '--preset <name>' argument 'nope' is invalid."],
    [
      ['serve', '--log-format', 'xml'],
      "ricloud-mock: option '--log-format <format>' argument 'xml' is invalid.",
    ],
    [['serve', '--bogus'], "ricloud-mock: unknown option '--bogus'"],
    [
      ['serve', '--clock', 'manual', '--clock-start', '2026-02-30T00:00:00Z'],
      'ricloud-mock: invalid --clock-start "2026-02-30T00:00:00Z": expected an RFC 3339 date-time such as 2026-01-01T00:00:00Z',
    ],
    [
      ['serve', '--clock', 'real', '--clock-start', '2026-01-01T00:00:00Z'],
      'ricloud-mock: --clock-start needs --clock manual or scaled (a real clock follows wall time)',
    ],
    [['check-pacts'], "ricloud-mock: missing required argument 'paths'"],
    [
      ['verfy', '--pact', 'x.json'],
      "ricloud-mock: unknown command 'verfy' (commands: serve, verify, check-pacts, conformance, proxy, drift)",
    ],
    [['proxy'], "ricloud-mock: required option '--upstream <url>' not specified"],
    [
      ['proxy', '--upstream', 'ftp://example.com'],
      'ricloud-mock: invalid --upstream "ftp://example.com": expected an http:// or https:// url',
    ],
    [['drift'], "ricloud-mock: missing required argument 'cassette'"],
    [['verify'], 'ricloud-mock: verify needs --pact <file|dir|url> (repeatable) or --broker-url <url>'],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    // Each fails before the server would listen.
    const run = await runCli(args);
    expect(oneLine(run).startsWith(message), run.stderr).toBe(true);
    expect(run.code).toBe(EXIT.usage);
  });

  it('a busy port names the port and the fix (exit 4)', async () => {
    const run = await runCli(['serve', '--port', String(busyPort), '--host', '127.0.0.1']);
    expect(oneLine(run)).toBe(
      `ricloud-mock: port ${busyPort} on 127.0.0.1 is already in use: stop what holds it, or pick another with --port (0: any free port)`,
    );
    expect(run.code).toBe(EXIT.listen);
  });

  it('a config file with an unknown field, one that is not JSON, one that is missing (exit 3)', async () => {
    const unknown = await runCli(['serve', '--port', '0', '--config', join(dir, 'unknown-field.json')]);
    expect(oneLine(unknown)).toBe(
      `ricloud-mock: ${join(dir, 'unknown-field.json')}: colour is not a known field`,
    );
    expect(unknown.code).toBe(EXIT.config);
    const broken = await runCli(['serve', '--port', '0', '--config', join(dir, 'broken.json')]);
    expect(oneLine(broken)).toMatch(/^ricloud-mock: \S+broken\.json: not valid JSON \(.+\)$/);
    expect(broken.code).toBe(EXIT.config);
    const badStart = await runCli(['serve', '--port', '0', '--config', join(dir, 'bad-clock-start.json')]);
    expect(oneLine(badStart)).toBe(
      `ricloud-mock: ${join(dir, 'bad-clock-start.json')}: clockStart must be an RFC 3339 date-time string (e.g. 2026-01-01T00:00:00Z)`,
    );
    expect(badStart.code).toBe(EXIT.config);
    const missing = await runCli(['serve', '--port', '0', '--config', join(dir, 'nope.json')]);
    expect(oneLine(missing)).toBe(`ricloud-mock: ${join(dir, 'nope.json')}: file not found`);
    expect(missing.code).toBe(EXIT.config);
  });

  it('a state file that is not JSON (exit 3)', async () => {
    const run = await runCli(['serve', '--port', '0', '--state-file', join(dir, 'broken.json')]);
    expect(oneLine(run)).toMatch(/^ricloud-mock: \S+broken\.json: not a usable state file \(.+\)$/);
    expect(run.code).toBe(EXIT.config);
  });

  it('verify and check-pacts: a pact that is not JSON, not a pact, a missing path, an empty folder (exit 2)', async () => {
    const cases: [string[], string][] = [
      [
        ['verify', '--pact', join(dir, 'bad.pact.json')],
        `${join(dir, 'bad.pact.json')} is not a pact file: not valid JSON`,
      ],
      [
        ['verify', '--pact', join(dir, 'not-a-pact.json')],
        'is not a pact file: no "interactions" or "messages" list',
      ],
      [
        ['verify', '--pact', join(dir, 'absent.json')],
        `no pact file or directory at ${join(dir, 'absent.json')}`,
      ],
      [
        ['verify', '--pact', join(dir, 'empty')],
        `no pact files (*.json) in the directory ${join(dir, 'empty')}`,
      ],
      [['check-pacts', join(dir, 'empty')], `no pact files (*.json) in the directory ${join(dir, 'empty')}`],
      [['check-pacts', join(dir, 'bad.pact.json')], 'is not a pact file: not valid JSON'],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect(oneLine(run), args.join(' ')).toContain(message);
      expect(oneLine(run).startsWith('ricloud-mock: ')).toBe(true);
      expect(run.code, args.join(' ')).toBe(EXIT.usage);
    }
  });

  it('verify: an unknown provider state is refused in one line with a "did you mean" (exit 1)', async () => {
    const run = await runCli(['verify', '--pact', 'contracts/fixtures/unknown-state.pact.json']);
    expect(oneLine(run)).toBe(
      'ricloud-mock verify: contracts/fixtures/unknown-state.pact.json: unknown provider state ' +
        '"an organisation with a pony exists" (did you mean "an organisation exists"?); ' +
        '`ricloud-mock verify --list-states` lists the 9 states ricloud-mock ships',
    );
    expect(run.stdout).toBe('');
    expect(run.code).toBe(EXIT.failed);
    const list = await runCli(['verify', '--list-states']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')).toContain('an organisation exists    [name, configured]');
    expect(list.stdout.trim().split('\n')).toHaveLength(9);
  });

  it('--debug adds the stack to the one line; without it there is none', async () => {
    const plain = await runCli(['serve', '--port', 'abc']);
    expect(plain.stderr).not.toContain('CliError');
    const debug = await runCli(['serve', '--debug', '--port', 'abc']);
    const lines = debug.stderr.trim().split('\n');
    expect(lines[0]).toBe('ricloud-mock: invalid --port "abc": expected a whole number from 0 to 65535');
    expect(lines[1]).toMatch(/^CliError: invalid --port/);
    expect(lines.slice(2).every((l) => /^\s+at /.test(l))).toBe(true);
    expect(debug.code).toBe(EXIT.usage);
  });

  it('--version prints the package version; --help exits 0', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default;
    const run = await runCli(['--version']);
    expect(run).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--log-format <format>');
    expect(help.stdout).toContain('--ready-file <file>');
  });

  it('verify --broker-url alone gets past the arguments and reports an unreachable broker as one failure line', async () => {
    // A loopback port with nothing listening: the broker cannot be reached, without any network.
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((ok) => closed.close(() => ok()));
    const run = await runCli(['verify', '--broker-url', `http://127.0.0.1:${port}`]);
    expect(run.stderr + run.stdout).not.toContain('verify needs --pact');
    expect(run.stdout).toContain(`the pacts of http://127.0.0.1:${port} against the mock`);
    const failure = run.stdout.split('\n').filter((l) => l.startsWith('  ✘ '));
    expect(failure).toHaveLength(1);
    expect(failure[0]).toContain(`pact broker 'http://127.0.0.1:${port}'`);
    expect(run.code).toBe(EXIT.failed);
  });
});
