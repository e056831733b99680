// Webhook configs: create/update/deactivate, and the webhook_config.test task that decides valid or invalid.

import { toIso } from '../runtime/clock.ts';
import type { Job } from '../runtime/scheduler.ts';
import type { MockContext } from './context.ts';
import { sendEvent } from './delivery.ts';
import { Errors } from './errors.ts';
import { recordEvent } from './events.ts';
import { presentWebhookConfig } from './presenters.ts';
import type { KeyRecord, OrgState, TaskRecord, WebhookConfigRecord } from './store.ts';

export const WEBHOOK_TEST_JOB = 'webhook_config.test';
export const WEBHOOK_TEST_TASK_TYPE = 'webhook_config.test';

/**
 * Rejects what the schema's `uri` format may let through and that must never reach an HTTP request line or header:
 * control characters (CR/LF header injection), whitespace, credentials, and schemes other than http(s).
 */
export function validateWebhookUrl(url: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u0020\u007f]/.test(url))
    throw Errors.invalidParameters({ url: 'must not contain whitespace or control characters' });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw Errors.invalidParameters({ url: 'must be an absolute http or https url' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw Errors.invalidParameters({ url: 'must be an http or https url' });
  }
  if (parsed.username || parsed.password)
    throw Errors.invalidParameters({ url: 'must not carry credentials' });
  if (!parsed.hostname) throw Errors.invalidParameters({ url: 'must have a host' });
  return url;
}

/**
 * Creates a config in `new` with a seeded secret and starts its test.
 * @see ../shared/api/docs/webhook-configs.md (Create)
 */
export function createWebhookConfig(
  ctx: MockContext,
  org: OrgState,
  key: KeyRecord,
  url: string,
): { config: WebhookConfigRecord; task: TaskRecord } {
  validateWebhookUrl(url);
  const config: WebhookConfigRecord = {
    id: ctx.ids.next('webhook_config'),
    resource: 'webhook_config',
    organisation: String(org.id),
    url,
    secret: ctx.ids.secret(),
    state: 'new',
    date_created: toIso(ctx.clock.now()),
  };
  org.webhookConfigs.insert(config);
  const task = startWebhookConfigTest(ctx, org, key, config);
  return { config, task };
}

/** Update (url): back to `new` and tested again; the secret stays. A deactivated config comes back this way. */
export function updateWebhookConfig(
  ctx: MockContext,
  org: OrgState,
  key: KeyRecord,
  config: WebhookConfigRecord,
  url: string | undefined,
): WebhookConfigRecord {
  if (url !== undefined) validateWebhookUrl(url);
  if (url !== undefined) config.url = url;
  config.state = 'new';
  startWebhookConfigTest(ctx, org, key, config);
  return config;
}

/**
 * DELETE: the config is `deactivated` (kept, so that its id still answers) and stops receiving events; it is no
 * longer any key's override, and when it was the default the oldest remaining valid config takes over.
 */
export function deactivateWebhookConfig(
  ctx: MockContext,
  org: OrgState,
  config: WebhookConfigRecord,
): WebhookConfigRecord {
  // DIVERGENCE: the docs list `deactivated` ("turned off by the owning organisation") but not what DELETE does;
  // the mock deactivates and keeps the record, like DELETE /sessions keeps an expired session.
  config.state = 'deactivated';
  // As for storage configs: the oldest remaining valid config takes over as the default (else none).
  if (org.organisation.webhook_config_default === config.id) {
    org.organisation.webhook_config_default = org.webhookConfigs.find((w) => w.state === 'valid')?.id ?? null;
  }
  for (const k of org.keys.values()) if (k.webhook_config === config.id) k.webhook_config = null;
  ctx.scheduler.cancel((j) => j.kind === WEBHOOK_TEST_JOB && j.org === org.id && j.args.config === config.id);
  return config;
}

/**
 * Starts a `webhook_config.test` task: after `timings.configTestMs` it sends one `webhook_config.test` event to the
 * config (whatever its state), with no retries: 2xx → `valid`, else `invalid`.
 * @see ../shared/api/docs/webhook-configs.md
 */
export function startWebhookConfigTest(
  ctx: MockContext,
  org: OrgState,
  key: KeyRecord,
  config: WebhookConfigRecord,
): TaskRecord {
  const task = {
    id: ctx.ids.uuid(),
    resource: 'task',
    organisation: String(org.id),
    key: key.id,
    user: null,
    source: null,
    session: null,
    poll: null,
    source_type: null,
    type: WEBHOOK_TEST_TASK_TYPE,
    target: config.id,
    state: 'pending',
    error: null,
    date_created: toIso(ctx.clock.now()),
    date_started: null,
    date_completed: null,
  } as TaskRecord;
  org.tasks.insert(task);
  // A new test supersedes any earlier one still waiting for this config (as storage config tests do).
  ctx.scheduler.cancel((j) => j.kind === WEBHOOK_TEST_JOB && j.org === org.id && j.args.config === config.id);
  for (const t of org.tasks.filter((t) => t.type === WEBHOOK_TEST_TASK_TYPE && t.target === config.id)) {
    if (t.id !== task.id && t.state === 'pending') {
      t.state = 'failed';
      t.error = 'superseded';
      t.date_completed = task.date_created;
    }
  }
  config.state = 'new';
  ctx.scheduler.schedule(
    WEBHOOK_TEST_JOB,
    org.id,
    { task: task.id, config: config.id, url: config.url },
    ctx.options.timings.configTestMs,
  );
  return task;
}

function runTest(ctx: MockContext, job: Job): Promise<void> | undefined {
  const org = job.org === null ? undefined : ctx.world.orgs.get(job.org);
  const task = org?.tasks.get(String(job.args.task));
  const config = org?.webhookConfigs.get(String(job.args.config));
  if (!org || !task || task.state !== 'pending') return;
  const now = toIso(ctx.clock.now());
  task.state = 'processing';
  task.date_started = now;
  if (!config) {
    finishTask(ctx, task, false);
    return;
  }
  // DIVERGENCE: config test tasks do not emit task.* events (the docs only describe them for poll tasks).
  const event = recordEvent(
    ctx,
    org,
    {
      type: 'webhook_config',
      action: 'test',
      data: presentWebhookConfig(ctx, config) as never,
      keyId: task.key,
    },
    config.id,
  );
  return sendEvent(ctx, org, event, config, 'test', 1).then(({ result }) => {
    event.state = result.ok ? 'delivered' : 'failed';
    if (result.ok) event.date_delivered = toIso(ctx.clock.now());
    finishTask(ctx, task, result.ok);
    // A later update or test supersedes this one; a deactivated config stays deactivated.
    if (config.url !== job.args.url || config.state === 'deactivated') return;
    if (ctx.scheduler.pending().some((j) => j.kind === WEBHOOK_TEST_JOB && j.args.config === config.id))
      return;
    config.state = result.ok ? 'valid' : 'invalid';
    if (result.ok && !org.webhookConfigs.get(org.organisation.webhook_config_default)) {
      org.organisation.webhook_config_default = config.id;
    }
  });
}

function finishTask(ctx: MockContext, task: TaskRecord, ok: boolean): void {
  task.state = ok ? 'succeeded' : 'failed';
  // DIVERGENCE: the error code of a failed webhook test is the mock's choice: `webhook-unreachable`.
  task.error = ok ? null : 'webhook-unreachable';
  task.date_completed = toIso(ctx.clock.now());
}

/** Registers the config test job. */
export function registerWebhookConfigJobs(ctx: MockContext): void {
  ctx.scheduler.register(WEBHOOK_TEST_JOB, (job) => runTest(ctx, job));
}
