import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrganisation } from '../server/domain/presets.ts';
import { applyTaskEvent } from '../server/domain/task.ts';
import { testMock } from './helpers/api.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ricloud-mock-storage-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const GS_CREDENTIALS = {
  type: 'service_account',
  project_id: 'my-project',
  private_key: '-----BEGIN PRIVATE KEY-----\nSECRET-GS-KEY\n-----END PRIVATE KEY-----\n',
  client_email: 'mock@my-project.iam.gserviceaccount.com',
};
const S3_CREDENTIALS = { access_key_id: 'AKIAEXAMPLE', secret_access_key: 'SECRET-S3-KEY' };

describe('storage config lifecycle', () => {
  it('a local folder config goes new → valid, activates the organisation and becomes its default', async () => {
    const t = testMock({ preset: 'getting-started' });
    const dir = join(tempDir(), 'nested', 'results');
    const res = await t.post('/configs/storage', { url: `local://${dir}` });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      resource: 'storage_config',
      organisation: '1',
      type: 'local',
      url: `local://${dir}`,
      credentials: null,
      signed_urls_enabled: false,
      state: 'new',
    });
    const tasks = (await t.get('/tasks?type=storage_config.test')).body;
    expect(tasks.data[0]).toMatchObject({
      type: 'storage_config.test',
      target: res.body.id,
      state: 'pending',
    });
    expect((await t.get('/organisation')).body.state).toBe('unconfigured');

    await t.advance(t.mock.ctx.options.timings.configTestMs / 1000);
    expect((await t.get(`/configs/storage/${res.body.id}`)).body.state).toBe('valid');
    expect((await t.get(`/tasks/${tasks.data[0].id}`)).body.state).toBe('succeeded');
    const org = (await t.get('/organisation')).body;
    expect(org.state).toBe('active');
    expect(org.storage_config_default).toBe(res.body.id);
    expect(org.storage_configs.data.map((s: { id: string }) => s.id)).toEqual([res.body.id]);
  });

  it('an unwritable local folder is invalid and leaves the organisation unconfigured', async () => {
    const t = testMock({ preset: 'getting-started' });
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'not a folder');
    const res = await t.post('/configs/storage', { url: `local://${file}/results` });
    await t.advance(5);
    expect((await t.get(`/configs/storage/${res.body.id}`)).body.state).toBe('invalid');
    const task = (await t.get('/tasks?type=storage_config.test')).body.data[0];
    expect(task).toMatchObject({ state: 'failed', error: 'storage-config-invalid' });
    const org = (await t.get('/organisation')).body;
    expect(org).toMatchObject({ state: 'unconfigured', storage_config_default: null });
  });

  const shapes: { name: string; body: Record<string, unknown>; want: 'valid' | 'invalid' }[] = [
    {
      name: 'gs with service-account JSON',
      body: { url: 'gs://bucket/results', credentials: GS_CREDENTIALS },
      want: 'valid',
    },
    {
      name: 'gs without private_key',
      body: { url: 'gs://bucket/results', credentials: { ...GS_CREDENTIALS, private_key: undefined } },
      want: 'invalid',
    },
    { name: 'gs without credentials', body: { url: 'gs://bucket' }, want: 'invalid' },
    {
      name: 's3 with access keys',
      body: { url: 's3://bucket/results', credentials: S3_CREDENTIALS },
      want: 'valid',
    },
    {
      name: 's3 without the secret',
      body: { url: 's3://bucket/results', credentials: { access_key_id: 'AKIA' } },
      want: 'invalid',
    },
    {
      name: 's3 with gs credentials',
      body: { url: 's3://bucket', credentials: GS_CREDENTIALS },
      want: 'invalid',
    },
  ];
  for (const { name, body, want } of shapes) {
    it(`checks credential shape: ${name} → ${want}`, async () => {
      const t = testMock({ preset: 'getting-started' });
      const res = await t.post('/configs/storage', body);
      expect(res.status).toBe(201);
      expect(res.body.type).toBe(String(body.url).slice(0, 2));
      await t.advance(5);
      expect((await t.get(`/configs/storage/${res.body.id}`)).body.state).toBe(want);
      expect((await t.get('/organisation')).body.state).toBe(want === 'valid' ? 'active' : 'unconfigured');
    });
  }

  it('takes the documented GCS service-account JSON and the AWS CSV export as the client reads it; signed urls default off', async () => {
    const t = testMock({ preset: 'getting-started' });
    // Every field of the page's service-account format (https://reincubate.com/support/ricloud/storage-configs).
    const serviceAccount = {
      type: 'service_account',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      client_id: '1234567890',
      token_uri: 'https://oauth2.googleapis.com/token',
      project_id: 'my-project',
      private_key: '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n',
      client_email: 'ricloud-sa@my-project.iam.gserviceaccount.com',
      private_key_id: 'abcdef',
      client_x509_cert_url: 'https://www.googleapis.com/robot/v1/metadata/x509/ricloud-sa',
    };
    // ricloud-py StorageConfig.read_credentials_file turns the IAM CSV's header into lower-case snake keys.
    const awsCsvRow = {
      user_name: 'ricloud',
      password: '',
      access_key_id: 'AKIAEXAMPLE',
      secret_access_key: 'SECRET',
      console_login_link: 'https://example.signin.aws.amazon.com/console',
    };
    const gs = await t.post('/configs/storage', {
      url: 'gs://my-bucket/results',
      credentials: serviceAccount,
    });
    const s3 = await t.post('/configs/storage', { url: 's3://my-bucket/results', credentials: awsCsvRow });
    for (const res of [gs, s3]) {
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ state: 'new', signed_urls_enabled: false, credentials: null });
    }
    expect(gs.body.type).toBe('gs');
    expect(s3.body.type).toBe('s3');
    await t.advance(5);
    expect((await t.get(`/configs/storage/${gs.body.id}`)).body.state).toBe('valid');
    expect((await t.get(`/configs/storage/${s3.body.id}`)).body.state).toBe('valid');
  });

  it('never echoes credentials and never logs them', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (s: string) => void lines.push(s) });
    const t = testMock({ logger });
    const created = await t.post('/configs/storage', { url: 'gs://bucket/r', credentials: GS_CREDENTIALS });
    await t.advance(5);
    await t.post(`/configs/storage/${created.body.id}`, { credentials: S3_CREDENTIALS, url: 's3://b/r' });
    await t.advance(5);
    const seen = [
      created.text,
      (await t.get(`/configs/storage/${created.body.id}`)).text,
      (await t.get('/configs/storage')).text,
      (await t.get('/organisation')).text,
      lines.join('\n'),
    ];
    for (const text of seen) {
      expect(text).not.toContain('SECRET-GS-KEY');
      expect(text).not.toContain('SECRET-S3-KEY');
    }
    expect(created.body.credentials).toBeNull();
  });

  it('update puts the config back to new and retests it; an organisation with no valid config left is unconfigured', async () => {
    const t = testMock({ preset: 'getting-started' });
    const res = await t.post('/configs/storage', { url: 's3://bucket/r', credentials: S3_CREDENTIALS });
    await t.advance(5);
    expect((await t.get('/organisation')).body.state).toBe('active');
    const upd = await t.post(`/configs/storage/${res.body.id}`, {
      credentials: { access_key_id: 'x' },
      signed_urls_enabled: true,
      signed_urls_expiry: 60,
    });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ state: 'new', signed_urls_enabled: true, signed_urls_expiry: 60 });
    await t.advance(5);
    expect((await t.get(`/configs/storage/${res.body.id}`)).body.state).toBe('invalid');
    expect((await t.get('/organisation')).body.state).toBe('unconfigured');
  });

  it('the first valid config becomes the default only when there is none', async () => {
    const t = testMock();
    expect((await t.get('/organisation')).body.storage_config_default).toBe('1');
    await t.post('/configs/storage', { url: 's3://other/r', credentials: S3_CREDENTIALS });
    await t.advance(5);
    expect((await t.get('/organisation')).body.storage_config_default).toBe('1');
  });

  it('DELETE deactivates and keeps the config, hands the default to the next valid one, and refuses a test', async () => {
    const t = testMock();
    const second = await t.post('/configs/storage', { url: 's3://other/r', credentials: S3_CREDENTIALS });
    await t.advance(5);
    const del = await t.del('/configs/storage/1');
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ id: '1', resource: 'storage_config', state: 'deactivated' });
    expect((await t.get('/configs/storage/1')).body).toMatchObject({ id: '1', state: 'deactivated' });
    expect((await t.get('/organisation')).body).toMatchObject({
      state: 'active',
      storage_config_default: second.body.id,
    });
    const test = await t.post('/configs/storage/1/test');
    expect(test.status).toBe(409);
    expect(test.body).toMatchObject({ error: 'invalid-state', params: { state: 'deactivated' } });
    await t.del(`/configs/storage/${second.body.id}`);
    expect((await t.get('/organisation')).body).toMatchObject({
      state: 'unconfigured',
      storage_config_default: null,
    });
    const again = await t.del(`/configs/storage/${second.body.id}`);
    expect(again.status).toBe(200);
    expect(again.body.state).toBe('deactivated');
    // An update brings a deleted config back: new, tested, valid again, and the default once more.
    await t.post(`/configs/storage/${second.body.id}`, { credentials: S3_CREDENTIALS });
    await t.advance(5);
    expect((await t.get('/organisation')).body).toMatchObject({
      state: 'active',
      storage_config_default: second.body.id,
    });
  });

  it('POST /configs/storage/{id}/test answers the test task, pending until the manual clock moves', async () => {
    const t = testMock();
    const res = await t.post('/configs/storage/1/test');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      resource: 'task',
      type: 'storage_config.test',
      target: '1',
      state: 'pending',
    });
    expect((await t.get('/configs/storage/1')).body.state).toBe('new');
    await t.advance(5);
    expect((await t.get(`/tasks/${res.body.id}`)).body.state).toBe('succeeded');
    expect((await t.get('/configs/storage/1')).body.state).toBe('valid');
    expect((await t.post('/configs/storage/999/test')).status).toBe(404);
  });

  it('with Ricloud-Await on a scaled clock, the test answers once the config is tested', async () => {
    const t = testMock({ clock: { mode: 'scaled', scale: 1000 } });
    try {
      const res = await t.post('/configs/storage/1/test', undefined, { headers: { 'Ricloud-Await': '10' } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ type: 'storage_config.test', state: 'succeeded' });
      expect(res.body.date_completed).not.toBeNull();
      expect((await t.get('/configs/storage/1')).body.state).toBe('valid');
    } finally {
      t.mock.close();
    }
  });

  it('a second test supersedes one still running', async () => {
    const t = testMock();
    const first = await t.post('/configs/storage/1/test');
    const second = await t.post('/configs/storage/1/test');
    await t.advance(5);
    expect((await t.get(`/tasks/${first.body.id}`)).body).toMatchObject({
      state: 'failed',
      error: 'superseded',
    });
    expect((await t.get(`/tasks/${second.body.id}`)).body.state).toBe('succeeded');
  });

  // The one rule for superseding config tests (server/domain/task.ts supersedeEarlierTests), as for webhook configs.
  it('a second test supersedes one already running: it fails `superseded` and the newest decides', async () => {
    const t = testMock();
    const first = await t.post('/configs/storage/1/test');
    const org = t.mock.ctx.world.orgs.get(1)!;
    // A local probe finishes inside its job: start the task through the task runner, as a slow bucket probe would.
    expect(applyTaskEvent(t.mock.ctx, org, org.tasks.get(first.body.id)!, { type: 'start' })).toBe(true);
    expect((await t.get(`/tasks/${first.body.id}`)).body.state).toBe('processing');
    const second = await t.post('/configs/storage/1/test');
    expect((await t.get(`/tasks/${first.body.id}`)).body).toMatchObject({
      state: 'failed',
      error: 'superseded',
    });
    expect((await t.get('/configs/storage/1')).body.state).toBe('new');
    await t.advance(5);
    expect((await t.get(`/tasks/${first.body.id}`)).body).toMatchObject({
      state: 'failed',
      error: 'superseded',
    });
    expect((await t.get(`/tasks/${second.body.id}`)).body.state).toBe('succeeded');
    expect((await t.get('/configs/storage/1')).body.state).toBe('valid');
  });
});

describe('storage config validation', () => {
  it('rejects urls that climb out of their folder or are not absolute, and creates nothing', async () => {
    const t = testMock();
    const dir = tempDir();
    for (const url of [
      `local://${dir}/../escape`,
      `local://${dir}/./x`,
      'local://relative/path',
      's3://bucket/a/../b',
    ]) {
      const res = await t.post('/configs/storage', { url });
      expect(res.status, url).toBe(400);
      expect(res.body.error).toBe('invalid-parameters');
      expect(res.body.params).toHaveProperty('url');
    }
    const bad = await t.post('/configs/storage', { url: 'ftp://x/y' });
    expect(bad.status).toBe(400);
    expect((await t.get('/configs/storage')).body.total_count).toBe(1);
    const upd = await t.post('/configs/storage/1', { url: `local://${dir}/../../etc` });
    expect(upd.status).toBe(400);
    expect((await t.get('/configs/storage/1')).body).toMatchObject({
      url: 's3://ricloud-mock/results',
      state: 'valid',
    });
  });

  it('lists with a state filter; unknown and foreign ids are 404', async () => {
    const t = testMock();
    await t.post('/configs/storage', { url: 'gs://b/r' });
    const list = await t.get('/configs/storage');
    expect(list.body.data.map((s: { state: string }) => s.state)).toEqual(['new', 'valid']);
    expect((await t.get('/configs/storage?state=valid')).body.total_count).toBe(1);
    expect((await t.get('/configs/storage?state=new')).body.total_count).toBe(1);
    const other = createOrganisation(t.mock.ctx, { name: 'Other' });
    expect((await t.get('/configs/storage/1', { token: other.key.token })).status).toBe(404);
    expect((await t.del('/configs/storage/1', { token: other.key.token })).status).toBe(404);
    expect((await t.get('/configs/storage/1')).body.state).toBe('valid');
  });
});
