// `ricloud-mock verify` and `check-pacts` as CLI processes over the fixture pacts in contracts/fixtures/.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = 'contracts/fixtures';

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/ricloud-mock.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, PACT_DO_NOT_TRACK: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe.concurrent('ricloud-mock check-pacts', { timeout: 90_000 }, () => {
  it('passes a pact that only asks for what the API has', async () => {
    const { code, out } = await run(['check-pacts', `${FIXTURES}/valid.pact.json`]);
    expect(out).toContain('✔ ricloud-mock check-pacts: 2 interaction(s) match the ricloud spec');
    expect(code).toBe(0);
  });

  it('fails a pact expecting a field, a query parameter and a method the API lacks, naming each', async () => {
    const { code, out } = await run(['check-pacts', `${FIXTURES}/unknown-field.pact.json`]);
    expect(out).toContain('$.data.0.nickname: the API has no such field');
    expect(out).toContain('query parameter sort is not a known parameter');
    expect(out).toContain('the API does not allow POST here (allowed: GET, DELETE)');
    expect(out).toContain('2 of 3 interaction(s) ask for something the API does not have');
    expect(out).not.toContain('✘ a request for the organisation');
    expect(code).toBe(1);
  });

  it('reads a whole directory', async () => {
    const { code, out } = await run(['check-pacts', FIXTURES]);
    expect(out).toContain('a request for users sorted by nickname');
    expect(code).toBe(1);
  });

  it('exits 2 with a message for a path that does not exist', async () => {
    const { code, out } = await run(['check-pacts', 'contracts/fixtures/nope.json']);
    expect(out).toContain('no pact file or directory at contracts/fixtures/nope.json');
    expect(code).toBe(2);
  });
});

describe.concurrent('ricloud-mock verify', { timeout: 90_000 }, () => {
  let server: Server;
  let pactUrl = '';
  beforeAll(async () => {
    const body = readFileSync(new URL(`../../${FIXTURES}/unknown-state.pact.json`, import.meta.url));
    server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    pactUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/unknown-state.pact.json`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('passes a pact the mock honours, with states set up per interaction', async () => {
    const { code, out } = await run(['verify', '--pact', `${FIXTURES}/valid.pact.json`]);
    expect(out).toContain('Given a user with identifier {identifier} exists');
    expect(out).toContain('✔ ricloud-mock verify: every interaction passed');
    expect(code).toBe(0);
  });

  it('fails a pact that expects a wrong status, saying which', async () => {
    const { code, out } = await run(['verify', '--pact', `${FIXTURES}/wrong-status.pact.json`]);
    expect(out).toContain('expected 200 but was 201');
    expect(out).toContain('✘ ricloud-mock verify: verification FAILED');
    expect(code).toBe(1);
  });

  it('refuses a pact file with an unknown provider state before running, saying which state was meant', async () => {
    const { code, out } = await run(['verify', '--pact', `${FIXTURES}/unknown-state.pact.json`]);
    expect(out).toContain('unknown provider state "an organisation with a pony exists"');
    expect(out).toContain('(did you mean "an organisation exists"?)');
    expect(out).not.toContain('against the mock at');
    expect(code).toBe(1);
  });

  it('fails an unknown provider state met during verification (a pact fetched from a url)', async () => {
    const { code, out } = await run(['verify', '--pact', pactUrl]);
    expect(out).toContain('unknown provider state "an organisation with a pony exists"');
    expect(out).toContain('✘ ricloud-mock verify: verification FAILED');
    expect(code).toBe(1);
  });
});
