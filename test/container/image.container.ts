// The container image, as CI services run it: built from the repository's Dockerfile by test/container/stage.sh
// (which also sets up podman), then started with podman on the bridge network, each test with a container of its own.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { waitFor } from '../helpers/processes.ts';
import { ROOT } from '../helpers/spawn-mock.ts';

const IMAGE = process.env.RICLOUD_MOCK_IMAGE ?? 'localhost/ricloud-mock:test';
const LABEL = process.env.RICLOUD_MOCK_TEST_LABEL ?? 'ricloud-mock-test=1';
const RECIPES = join(ROOT, 'docs', 'recipes');
const CONTROL_TOKEN = 'container-test-control-token';

/** Runs podman and returns its stdout (its stderr carries harmless "unable to get systemd connection" noise). */
function podman(...args: string[]): string {
  return execFileSync('podman', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

const started: string[] = [];
afterEach(() => {
  if (started.length) podman('rm', '-f', '-t', '0', ...started.splice(0));
});

interface Started {
  id: string;
  /** The host port that the container's port is published on (127.0.0.1 only). */
  port: number;
}

/**
 * Starts the image on the bridge network with the container port published on a free loopback port, and the
 * environment given (nothing else: a CI service takes no command), then waits until health answers on that port.
 */
async function startImage(env: Record<string, string>, containerPort = 8787): Promise<Started> {
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const id = podman(
    'run',
    '-d',
    '--label',
    LABEL,
    '--network',
    'bridge',
    '-p',
    `127.0.0.1::${containerPort}`,
    ...envArgs,
    IMAGE,
  );
  started.push(id);
  // `podman port` prints "127.0.0.1:43210".
  const port = Number(podman('port', id, `${containerPort}/tcp`).split(':').pop());
  await waitFor(
    'health on the published port',
    async () => (await get(port, '/_mock/health').catch(() => undefined))?.status === 200,
    20_000,
  );
  return { id, port };
}

interface Answer {
  status: number;
  body: string;
}

/** A GET to the published port with the Host header a client of the service sends (default: 127.0.0.1:port). */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

interface ImageConfig {
  User: string;
  ExposedPorts?: Record<string, unknown>;
  Cmd: string[];
  Entrypoint?: string[] | null;
  Env: string[];
}

/** podman's view of the image: the OCI config, and the HEALTHCHECK beside it (kept by `--format docker`). */
function imageInspect(): { Size: number; Config: ImageConfig; Healthcheck?: { Test: string[] } } {
  return JSON.parse(podman('image', 'inspect', IMAGE))[0];
}

describe('the container image (Dockerfile)', () => {
  it('declares port 8787, a non-root user, a HEALTHCHECK on /_mock/health and `node dist/main.js serve` as its command', () => {
    const { Config, Healthcheck } = imageInspect();
    expect(Object.keys(Config.ExposedPorts ?? {})).toEqual(['8787/tcp']);
    expect(Config.User).toBe('1000:1000');
    expect(Config.Entrypoint ?? []).toEqual([]);
    expect(Config.Cmd).toEqual(['node', 'dist/main.js', 'serve']);
    expect(Healthcheck?.Test[0]).toBe('CMD');
    expect(Healthcheck?.Test.join(' ')).toContain('/_mock/health');
    expect(Config.Env).toContain('HOST=0.0.0.0');
  });

  it('is at most 250 MB', () => {
    expect(imageInspect().Size).toBeLessThanOrEqual(250_000_000);
  });

  it('answers health on a port published through the bridge network', async () => {
    const { id, port } = await startImage({});
    expect(podman('inspect', '--format', '{{.HostConfig.NetworkMode}}', id)).toBe('bridge');
    const health = await get(port, '/_mock/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
  });

  it('its HEALTHCHECK passes inside the container (podman healthcheck run)', async () => {
    const { id } = await startImage({});
    // Exit code 0 is "healthy"; execFileSync throws on any other.
    expect(() => podman('healthcheck', 'run', id)).not.toThrow();
    expect(podman('inspect', '--format', '{{.State.Health.Status}}', id)).toBe('healthy');
  });

  it('with RICLOUD_MOCK_CONTROL_TOKEN, the control API answers a bridged client that sends it and refuses one that does not', async () => {
    const { port } = await startImage({ RICLOUD_MOCK_CONTROL_TOKEN: CONTROL_TOKEN });
    const withToken = await get(port, '/_mock/clock', { Authorization: `Bearer ${CONTROL_TOKEN}` });
    expect(withToken.status).toBe(200);
    expect(JSON.parse(withToken.body).mode).toBe('real');
    const without = await get(port, '/_mock/clock');
    expect(without.status).toBe(401);
    expect(JSON.parse(without.body).error).toBe('unauthorized');
    const wrong = await get(port, '/_mock/clock', { Authorization: 'Bearer not-the-token' });
    expect(wrong.status).toBe(401);
  });

  it('without a control token, the control API refuses a bridged client (it is not loopback)', async () => {
    const { port } = await startImage({});
    const answer = await get(port, '/_mock/clock');
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).error).toBe('permission-denied');
  });

  it('runs node as PID 1 under a non-root uid', async () => {
    const { id } = await startImage({});
    const pid = podman('inspect', '--format', '{{.State.Pid}}', id);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    expect(/^Name:\s+(\S+)$/m.exec(status)?.[1]).toBe('node');
    // Uid: real, effective, saved, filesystem: all 1000.
    expect(/^Uid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/)).toEqual(['1000', '1000', '1000', '1000']);
    // PID 1 inside the container's own pid namespace: NSpid lists the host's pid, then 1.
    expect(/^NSpid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/).pop()).toBe('1');
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    expect(argv).toEqual(['node', 'dist/main.js', 'serve']);
  });

  it('stops on `podman stop -t 10` within 5 s with exit code 0 (node handles SIGTERM)', async () => {
    const { id } = await startImage({});
    const t0 = performance.now();
    podman('stop', '-t', '10', id);
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeLessThanOrEqual(5000);
    expect(podman('inspect', '--format', '{{.State.ExitCode}}', id)).toBe('0');
  });
});

describe('the image recipes, run with podman', () => {
  it('GitHub Actions: the service starts from its env block alone, and the job reaches it at its url with its tokens', async () => {
    const workflow = parse(readFileSync(join(RECIPES, 'github-actions-image.yml'), 'utf8'));
    const job = workflow.jobs.test;
    const service = job.services['ricloud-mock'];
    // "8787:8787": the runner publishes the container's port on the runner's own port.
    const containerPort = Number(String(service.ports[0]).split(':').pop());
    const { port } = await startImage(service.env, containerPort);
    // The job's tests send the Host of RICLOUD_MOCK_URL (localhost:8787): here the same name, on the published port.
    const host = `${new URL(job.env.RICLOUD_MOCK_URL).hostname}:${port}`;
    const org = await get(port, '/organisation', {
      Host: host,
      Authorization: `Token ${job.env.RICLOUD_MOCK_TOKEN}`,
    });
    expect(org.status).toBe(200);
    expect(JSON.parse(org.body).resource).toBe('organisation');
    const clock = await get(port, '/_mock/clock', {
      Host: host,
      Authorization: `Bearer ${job.env.RICLOUD_MOCK_CONTROL_TOKEN}`,
    });
    expect(clock.status).toBe(200);
    expect((await get(port, '/_mock/clock', { Host: host })).status).toBe(401);
  });

  it('GitLab CI: the service (job variables and its own) answers the job at its alias with its tokens, and no other name', async () => {
    const job = parse(readFileSync(join(RECIPES, 'gitlab-ci-image.yml'), 'utf8')).test;
    const service = job.services[0];
    // GitLab passes the job's variables to every service, then the service's own.
    const { port } = await startImage({ ...job.variables, ...service.variables });
    const url = new URL(job.variables.RICLOUD_MOCK_URL);
    expect(url.hostname).toBe(service.alias);
    const host = `${service.alias}:${url.port}`;
    const org = await get(port, '/organisation', {
      Host: host,
      Authorization: `Token ${job.variables.RICLOUD_MOCK_TOKEN}`,
    });
    expect(org.status).toBe(200);
    expect(JSON.parse(org.body).resource).toBe('organisation');
    const clock = await get(port, '/_mock/clock', {
      Host: host,
      Authorization: `Bearer ${job.variables.RICLOUD_MOCK_CONTROL_TOKEN}`,
    });
    expect(clock.status).toBe(200);
    // The Host guard still holds: a name that neither the alias nor the allowed hosts give is refused.
    const other = await get(port, '/organisation', {
      Host: `elsewhere.example:${url.port}`,
      Authorization: `Token ${job.variables.RICLOUD_MOCK_TOKEN}`,
    });
    expect(other.status).toBe(403);
  });
});
