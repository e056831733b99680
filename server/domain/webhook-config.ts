// Webhook configs: create/update/deactivate, and the webhook_config.test task that decides valid or invalid.

import { toIso } from '../runtime/clock.ts';
import type { Job } from '../runtime/scheduler.ts';
import { CONFIG_EVENTS, CONFIG_STATES, type ConfigEvent, type ConfigState } from './config-machine.ts';
import { type MockContext, nowOf } from './context.ts';
import { sendEvent } from './delivery.ts';
import { Errors } from './errors.ts';
import { recordEvent } from './events.ts';
import { assertNever, type MachineDefinition, reject, rejection, type Transition } from './machine.ts';
import { presentWebhookConfig } from './presenters.ts';
import type { KeyRecord, OrgState, TaskRecord, WebhookConfigRecord } from './store.ts';
import { applyTaskEvent, newTask, supersedeEarlierTests } from './task.ts';

export const WEBHOOK_TEST_JOB = 'webhook_config.test';
export const WEBHOOK_TEST_TASK_TYPE = 'webhook_config.test';

// ---------------------------------------------------------------------------------------------------------------
// The webhook config machine

export type WebhookConfigState = ConfigState;
export type WebhookConfigEvent = ConfigEvent;

export type WebhookConfigEffect =
  /** Becomes the organisation's default when it has no (existing) default. */
  | { type: 'adopt-as-default' }
  /** When it was the default, the oldest remaining valid config takes over (else none). */
  | { type: 'hand-over-default' }
  /** No key keeps it as its override. */
  | { type: 'release-overrides' }
  /** Cancel the config's scheduled test. */
  | { type: 'cancel-tests' };

/**
 * The webhook config machine: a test puts any config (a deactivated one too: an update brings it back) in `new`;
 * its result makes it `valid` or `invalid`; DELETE makes it `deactivated` (again: the same, idempotent), which a
 * late test result does not undo.
 * @see https://reincubate.com/support/ricloud/webhook-configs
 */
export function webhookConfigTransition(
  state: WebhookConfigState,
  event: WebhookConfigEvent,
): Transition<WebhookConfigState, WebhookConfigEffect> {
  switch (event.type) {
    case 'test-started':
      return { state: 'new', effects: [] };
    case 'test-passed':
      if (state === 'deactivated') return reject(state, 'the config is deactivated');
      return { state: 'valid', effects: [{ type: 'adopt-as-default' }] };
    case 'test-failed':
      if (state === 'deactivated') return reject(state, 'the config is deactivated');
      return { state: 'invalid', effects: [] };
    case 'deactivate':
      return {
        state: 'deactivated',
        effects: [{ type: 'hand-over-default' }, { type: 'release-overrides' }, { type: 'cancel-tests' }],
      };
    default:
      return assertNever(event);
  }
}

export const webhookConfigMachine: MachineDefinition<
  WebhookConfigState,
  WebhookConfigEvent,
  WebhookConfigEffect
> = {
  initial: 'new',
  states: CONFIG_STATES,
  events: CONFIG_EVENTS,
  transition: webhookConfigTransition,
};

/** The webhook config runner: applies an event and runs its effects; false when the pair is illegal. */
function applyWebhookConfigEvent(
  ctx: MockContext,
  org: OrgState,
  config: WebhookConfigRecord,
  event: WebhookConfigEvent,
): boolean {
  const t = webhookConfigTransition(config.state, event);
  if (rejection(t) !== undefined) return false;
  config.state = t.state;
  for (const effect of t.effects) {
    switch (effect.type) {
      case 'adopt-as-default':
        if (!org.webhookConfigs.get(org.organisation.webhook_config_default)) {
          org.organisation.webhook_config_default = config.id;
        }
        break;
      case 'hand-over-default':
        // As for storage configs: the oldest remaining valid config takes over as the default (else none).
        if (org.organisation.webhook_config_default === config.id) {
          org.organisation.webhook_config_default =
            org.webhookConfigs.find((w) => w.state === 'valid')?.id ?? null;
        }
        break;
      case 'release-overrides':
        for (const k of org.keys.values()) if (k.webhook_config === config.id) k.webhook_config = null;
        break;
      case 'cancel-tests':
        ctx.scheduler.cancel(
          (j) => j.kind === WEBHOOK_TEST_JOB && j.org === org.id && j.args.config === config.id,
        );
        break;
      case 'reject':
        break;
      default:
        assertNever(effect);
    }
  }
  return true;
}

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

/** A new webhook config record of `org` in `state`, with a fresh id and secret, inserted into its table. */
export function insertWebhookConfig(
  ctx: MockContext,
  org: OrgState,
  url: string,
  state: WebhookConfigRecord['state'],
): WebhookConfigRecord {
  const config: WebhookConfigRecord = {
    id: ctx.ids.next('webhook_config'),
    resource: 'webhook_config',
    organisation: String(org.id),
    url,
    secret: ctx.ids.secret(),
    state,
    date_created: toIso(nowOf(ctx, org)),
  };
  org.webhookConfigs.insert(config);
  return config;
}

/**
 * Creates a config in `new` with a seeded secret and starts its test.
 * @see https://reincubate.com/support/ricloud/webhook-configs (Create)
 */
export function createWebhookConfig(
  ctx: MockContext,
  org: OrgState,
  key: KeyRecord,
  url: string,
): { config: WebhookConfigRecord; task: TaskRecord } {
  validateWebhookUrl(url);
  checkWebhookTarget(ctx, url);
  const config = insertWebhookConfig(ctx, org, url, 'new');
  const task = startWebhookConfigTest(ctx, org, key, config);
  return { config, task };
}

/**
 * With `--webhook-target`, a webhook url must start with one of the allowed prefixes (a 400 otherwise).
 * DIVERGENCE(mock-security.allow-lists): an opt-in allow-list of where the mock's host may send requests.
 */
function checkWebhookTarget(ctx: MockContext, url: string): void {
  const targets = ctx.options.webhookTargets;
  if (targets && !targets.some((prefix) => url.startsWith(prefix))) {
    throw Errors.invalidParameters({
      url: `must start with an allowed webhook target (${targets.join(', ')})`,
    });
  }
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
  if (url !== undefined) checkWebhookTarget(ctx, url);
  if (url !== undefined) config.url = url;
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
  // DIVERGENCE(webhooks.delete-deactivates): the docs list `deactivated` ("turned off by the owning organisation") but not what DELETE does;
  // the mock deactivates and keeps the record, like DELETE /sessions keeps an expired session.
  applyWebhookConfigEvent(ctx, org, config, { type: 'deactivate' });
  return config;
}

/**
 * Starts a `webhook_config.test` task: after `timings.configTestMs` it sends one `webhook_config.test` event to the
 * config (whatever its state), with no retries: 2xx → `valid`, else `invalid`.
 * @see https://reincubate.com/support/ricloud/webhook-configs
 */
export function startWebhookConfigTest(
  ctx: MockContext,
  org: OrgState,
  key: KeyRecord,
  config: WebhookConfigRecord,
): TaskRecord {
  const task = newTask(ctx, org, { key: key.id, type: WEBHOOK_TEST_TASK_TYPE, target: config.id });
  org.tasks.insert(task);
  // A new test supersedes every earlier one of this config that has not finished (the rule is in task.ts).
  ctx.scheduler.cancel((j) => j.kind === WEBHOOK_TEST_JOB && j.org === org.id && j.args.config === config.id);
  supersedeEarlierTests(ctx, org, task);
  applyWebhookConfigEvent(ctx, org, config, { type: 'test-started' });
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
  if (!org || !task || !applyTaskEvent(ctx, org, task, { type: 'start' })) return;
  if (!config) {
    finishTask(ctx, org, task, false);
    return;
  }
  // DIVERGENCE(polls.task-events-poll-only): config test tasks do not emit task.* events (the docs only describe them for poll tasks).
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
    // The test event is one attempt outside the delivery machine (delivery.ts): no retries, no receiver queue.
    event.state = result.ok ? 'delivered' : 'failed';
    if (result.ok) event.date_delivered = toIso(nowOf(ctx, org));
    // A later update or test superseded this one (its task already failed): its answer decides nothing.
    if (!finishTask(ctx, org, task, result.ok)) return;
    if (config.url !== job.args.url) return;
    if (ctx.scheduler.pending().some((j) => j.kind === WEBHOOK_TEST_JOB && j.args.config === config.id))
      return;
    // A deactivated config stays deactivated (the machine rejects the result).
    applyWebhookConfigEvent(ctx, org, config, { type: result.ok ? 'test-passed' : 'test-failed' });
  });
}

function finishTask(ctx: MockContext, org: OrgState, task: TaskRecord, ok: boolean): boolean {
  // DIVERGENCE(webhooks.test-error-code): the error code of a failed webhook test is the mock's choice: `webhook-unreachable`.
  return applyTaskEvent(
    ctx,
    org,
    task,
    ok ? { type: 'succeed' } : { type: 'fail', error: 'webhook-unreachable' },
  );
}

/** Registers the config test job. */
export function registerWebhookConfigJobs(ctx: MockContext): void {
  ctx.scheduler.register(WEBHOOK_TEST_JOB, (job) => runTest(ctx, job));
}
