// Given/want tables for every state machine of the domain (server/domain/machine.ts), over EVERY (state, event)
// pair, illegal ones included: each table's pairs are compared with the cartesian product of the machine's
// exported states and events, and every machine of the registry (machines.ts) must have a table.
import { describe, expect, it } from 'vitest';
import type {
  EventState,
  PollState,
  ResultState,
  SubscriptionState,
  TaskState,
} from '../../openapi/types.ts';
import type { DeliveryEffect, DeliveryEvent } from './delivery.ts';
import type { MachineDefinition, Transition } from './machine.ts';
import { MACHINES, type MachineName } from './machines.ts';
import type { PollEffect, PollEvent } from './poll.ts';
import type { ResultEffect, ResultEvent } from './result.ts';
import type { ExpiryTrigger, SessionEffect, SessionEvent, SessionState } from './session.ts';
import type { StorageConfigEffect, StorageConfigEvent, StorageConfigState } from './storage-config.ts';
import type { SubscriptionEffect, SubscriptionEvent } from './subscription.ts';
import type { TaskEffect, TaskEvent } from './task.ts';
import type { WebhookConfigEffect, WebhookConfigEvent, WebhookConfigState } from './webhook-config.ts';

const tabled = new Set<MachineName>();

/** One row: in state `given`, the event named `event` (the machine's example, or `with`) gives `want`. */
interface Row<S extends string, E, F> {
  given: S;
  /** A key of the machine's `events`. */
  event: string;
  /** A variant of the named event (e.g. another error), when the example is not the case under test. */
  with?: E;
  /** A label for a variant row. */
  as?: string;
  want: S | 'illegal';
  effects?: F[];
}

/** The (state, event) pairs a table covers, sorted. */
function pairsOf(rows: readonly { given: string; event: string }[]): string[] {
  return [...new Set(rows.map((r) => `${r.given} + ${r.event}`))].sort();
}

/** Every (state, event) pair of a machine, sorted. */
function productOf<S extends string, E, F>(machine: MachineDefinition<S, E, F>): string[] {
  return machine.states.flatMap((s) => Object.keys(machine.events).map((e) => `${s} + ${e}`)).sort();
}

/** Asserts the table covers exactly states × events, then checks every row's transition (state and effects). */
function machineTable<S extends string, E, F>(
  name: MachineName,
  machine: MachineDefinition<S, E, F>,
  rows: readonly Row<S, E, F>[],
): void {
  tabled.add(name);
  describe(`${name} transition table`, () => {
    it('covers every (state, event) pair of the exported states and events', () => {
      expect(pairsOf(rows)).toEqual(productOf(machine));
    });

    it('names each row once', () => {
      const labels = rows.map((r) => `${r.given} + ${r.event}${r.as ? ` (${r.as})` : ''}`);
      expect(new Set(labels).size).toBe(labels.length);
    });

    for (const row of rows) {
      it(`${row.given} + ${row.event}${row.as ? ` (${row.as})` : ''} → ${row.want}`, () => {
        const event = row.with ?? (machine.events[row.event] as E);
        const expected: Transition<S, F> =
          row.want === 'illegal'
            ? {
                state: row.given,
                effects: [{ type: 'reject', reason: expect.any(String) as unknown as string }],
              }
            : { state: row.want, effects: row.effects ?? [] };
        expect(machine.transition(row.given, event)).toEqual(expected);
      });
    }
  });
}

// session
{
  type SessionRow = Row<SessionState, SessionEvent, SessionEffect>;

  const locked: SessionEvent = { type: 'init-failed', error: 'account-locked', sourceState: 'locked' };
  const expireOrganisation: SessionEvent = { type: 'expire', trigger: 'organisation' };
  const expireApi: SessionEvent = { type: 'expire', trigger: 'api' };

  /** The rows of a final state: every event (and variant) is illegal. */
  const finalRows = (given: SessionState): SessionRow[] => [
    { given, event: 'init-succeeded', want: 'illegal' },
    { given, event: 'init-failed', want: 'illegal' },
    { given, event: 'init-failed', as: 'locked', with: locked, want: 'illegal' },
    { given, event: 'expire', want: 'illegal' },
    { given, event: 'expire', as: 'organisation', with: expireOrganisation, want: 'illegal' },
    { given, event: 'expire', as: 'api', with: expireApi, want: 'illegal' },
    { given, event: 'use', want: 'illegal' },
  ];

  const expiredFromPending = (trigger: ExpiryTrigger): SessionEffect[] => [
    { type: 'set-error', error: trigger },
    { type: 'set-date-expired' },
    { type: 'finish-init-task', state: 'failed', error: 'session-expired' },
    { type: 'emit-expired' },
  ];
  const expiredFromActive = (trigger: ExpiryTrigger): SessionEffect[] => [
    { type: 'set-error', error: trigger },
    { type: 'set-date-expired' },
    { type: 'emit-expired' },
  ];

  machineTable<SessionState, SessionEvent, SessionEffect>('session', MACHINES.session, [
    {
      given: 'pending',
      event: 'init-succeeded',
      want: 'active',
      effects: [
        { type: 'finish-init-task', state: 'succeeded', error: null },
        { type: 'activate-source' },
        { type: 'touch' },
        { type: 'schedule-idle-check' },
      ],
    },
    {
      given: 'pending',
      event: 'init-failed',
      want: 'failed',
      effects: [
        { type: 'set-error', error: 'code-required' },
        { type: 'finish-init-task', state: 'failed', error: 'code-required' },
      ],
    },
    {
      given: 'pending',
      event: 'init-failed',
      as: 'locked',
      with: locked,
      want: 'failed',
      effects: [
        { type: 'set-error', error: 'account-locked' },
        { type: 'lock-source' },
        { type: 'finish-init-task', state: 'failed', error: 'account-locked' },
      ],
    },
    { given: 'pending', event: 'expire', want: 'expired', effects: expiredFromPending('admin') },
    {
      given: 'pending',
      event: 'expire',
      as: 'organisation',
      with: expireOrganisation,
      want: 'expired',
      effects: expiredFromPending('organisation'),
    },
    {
      given: 'pending',
      event: 'expire',
      as: 'api',
      with: expireApi,
      want: 'expired',
      effects: expiredFromPending('api'),
    },
    { given: 'pending', event: 'use', want: 'illegal' },
    { given: 'active', event: 'init-succeeded', want: 'illegal' },
    { given: 'active', event: 'init-failed', want: 'illegal' },
    { given: 'active', event: 'init-failed', as: 'locked', with: locked, want: 'illegal' },
    { given: 'active', event: 'expire', want: 'expired', effects: expiredFromActive('admin') },
    {
      given: 'active',
      event: 'expire',
      as: 'organisation',
      with: expireOrganisation,
      want: 'expired',
      effects: expiredFromActive('organisation'),
    },
    {
      given: 'active',
      event: 'expire',
      as: 'api',
      with: expireApi,
      want: 'expired',
      effects: expiredFromActive('api'),
    },
    { given: 'active', event: 'use', want: 'active', effects: [{ type: 'touch' }] },
    ...finalRows('failed'),
    ...finalRows('expired'),
  ]);
}

// poll
{
  const started: PollEffect = { type: 'set-date-started' };
  const completed: PollEffect[] = [{ type: 'set-date-completed' }, { type: 'emit-completed' }];

  machineTable<PollState, PollEvent, PollEffect>('poll', MACHINES.poll, [
    { given: 'pending', event: 'task-started', want: 'processing', effects: [started] },
    // A poll with no task (an empty files list) finishes as it is created.
    { given: 'pending', event: 'all-finished', want: 'completed', effects: [started, ...completed] },
    { given: 'processing', event: 'task-started', want: 'processing', effects: [] },
    { given: 'processing', event: 'all-finished', want: 'completed', effects: completed },
    { given: 'completed', event: 'task-started', want: 'illegal' },
    { given: 'completed', event: 'all-finished', want: 'illegal' },
  ]);
}

// task
{
  const started: TaskEffect[] = [{ type: 'set-date-started' }];
  const succeeded: TaskEffect[] = [{ type: 'set-date-completed' }, { type: 'emit-succeeded' }];
  const failed = (error: string): TaskEffect[] => [
    { type: 'set-error', error },
    { type: 'set-date-completed' },
    { type: 'emit-failed' },
  ];
  const superseded: TaskEvent = { type: 'fail', error: 'superseded' };

  machineTable<TaskState, TaskEvent, TaskEffect>('task', MACHINES.task, [
    { given: 'pending', event: 'start', want: 'processing', effects: started },
    { given: 'pending', event: 'succeed', want: 'illegal' },
    { given: 'pending', event: 'fail', want: 'failed', effects: failed('failed') },
    {
      given: 'pending',
      event: 'fail',
      as: 'superseded',
      with: superseded,
      want: 'failed',
      effects: failed('superseded'),
    },
    { given: 'processing', event: 'start', want: 'illegal' },
    { given: 'processing', event: 'succeed', want: 'succeeded', effects: succeeded },
    { given: 'processing', event: 'fail', want: 'failed', effects: failed('failed') },
    {
      given: 'processing',
      event: 'fail',
      as: 'superseded',
      with: superseded,
      want: 'failed',
      effects: failed('superseded'),
    },
    { given: 'suspended', event: 'start', want: 'processing', effects: started },
    { given: 'suspended', event: 'succeed', want: 'illegal' },
    { given: 'suspended', event: 'fail', want: 'failed', effects: failed('failed') },
    { given: 'succeeded', event: 'start', want: 'illegal' },
    { given: 'succeeded', event: 'succeed', want: 'illegal' },
    { given: 'succeeded', event: 'fail', want: 'illegal' },
    // A finished test is not superseded: it already decided.
    { given: 'succeeded', event: 'fail', as: 'superseded', with: superseded, want: 'illegal' },
    { given: 'failed', event: 'start', want: 'illegal' },
    { given: 'failed', event: 'succeed', want: 'illegal' },
    { given: 'failed', event: 'fail', want: 'illegal' },
  ]);
}

// subscription
{
  /** Every (state, event) pair, illegal ones included (they keep the state and do nothing). */
  machineTable<SubscriptionState, SubscriptionEvent, SubscriptionEffect>(
    'subscription',
    MACHINES.subscription,
    [
      { given: 'pending', event: 'allow', want: 'active', effects: [{ type: 'schedule-polls' }] },
      { given: 'pending', event: 'delete', want: 'deleted', effects: [{ type: 'cancel-jobs' }] },
      { given: 'active', event: 'allow', want: 'illegal' },
      { given: 'active', event: 'delete', want: 'deleted', effects: [{ type: 'cancel-jobs' }] },
      { given: 'deleted', event: 'allow', want: 'illegal' },
      { given: 'deleted', event: 'delete', want: 'illegal' },
    ],
  );
}

// delivery
{
  /** Given (state, event) with a first attempt (retries 0), want: every pair, illegal ones included. */
  machineTable<EventState, DeliveryEvent, DeliveryEffect>('delivery', MACHINES.delivery, [
    {
      given: 'pending',
      event: 'succeeded',
      want: 'delivered',
      effects: [{ type: 'mark-delivered' }, { type: 'release-queue' }],
    },
    {
      given: 'pending',
      event: 'failed',
      want: 'pending',
      effects: [{ type: 'schedule-retry', retry: 1, delayMs: 60_000 }],
    },
    {
      given: 'pending',
      event: 'abandoned',
      want: 'failed',
      effects: [{ type: 'cancel-retries' }, { type: 'release-queue' }],
    },
    {
      given: 'pending',
      event: 'redelivered',
      want: 'delivered',
      effects: [{ type: 'mark-delivered' }, { type: 'cancel-retries' }, { type: 'release-queue' }],
    },
    { given: 'delivered', event: 'succeeded', want: 'illegal' },
    { given: 'delivered', event: 'failed', want: 'illegal' },
    { given: 'delivered', event: 'abandoned', want: 'illegal' },
    { given: 'delivered', event: 'redelivered', want: 'illegal' },
    { given: 'failed', event: 'succeeded', want: 'illegal' },
    { given: 'failed', event: 'failed', want: 'illegal' },
    { given: 'failed', event: 'abandoned', want: 'illegal' },
    // A receiver fixed after the last retry can still get the event through a manual redelivery.
    { given: 'failed', event: 'redelivered', want: 'delivered', effects: [{ type: 'mark-delivered' }] },
  ]);
}

// storage_config
{
  type StorageRow = Row<StorageConfigState, StorageConfigEvent, StorageConfigEffect>;
  const refresh: StorageConfigEffect = { type: 'refresh-organisation' };
  const deactivated: StorageConfigEffect[] = [
    { type: 'cancel-tests' },
    { type: 'release-overrides' },
    refresh,
  ];

  /** A config that is not deactivated: tested again, decided by its test, deactivated by DELETE. */
  const live = (given: StorageConfigState): StorageRow[] => [
    { given, event: 'test-started', want: 'new', effects: [refresh] },
    { given, event: 'test-passed', want: 'valid', effects: [refresh] },
    { given, event: 'test-failed', want: 'invalid', effects: [refresh] },
    { given, event: 'deactivate', want: 'deactivated', effects: deactivated },
  ];

  machineTable<StorageConfigState, StorageConfigEvent, StorageConfigEffect>(
    'storage_config',
    MACHINES.storage_config,
    [
      ...live('new'),
      ...live('valid'),
      ...live('invalid'),
      // An update brings a deactivated config back; a late test result does not, and deleting again changes nothing.
      { given: 'deactivated', event: 'test-started', want: 'new', effects: [refresh] },
      { given: 'deactivated', event: 'test-passed', want: 'illegal' },
      { given: 'deactivated', event: 'test-failed', want: 'illegal' },
      { given: 'deactivated', event: 'deactivate', want: 'illegal' },
    ],
  );
}

// webhook_config
{
  type WebhookRow = Row<WebhookConfigState, WebhookConfigEvent, WebhookConfigEffect>;
  const deactivated: WebhookConfigEffect[] = [
    { type: 'hand-over-default' },
    { type: 'release-overrides' },
    { type: 'cancel-tests' },
  ];

  /** A config that is not deactivated: tested again, decided by its test, deactivated by DELETE. */
  const live = (given: WebhookConfigState): WebhookRow[] => [
    { given, event: 'test-started', want: 'new', effects: [] },
    { given, event: 'test-passed', want: 'valid', effects: [{ type: 'adopt-as-default' }] },
    { given, event: 'test-failed', want: 'invalid', effects: [] },
    { given, event: 'deactivate', want: 'deactivated', effects: deactivated },
  ];

  machineTable<WebhookConfigState, WebhookConfigEvent, WebhookConfigEffect>(
    'webhook_config',
    MACHINES.webhook_config,
    [
      ...live('new'),
      ...live('valid'),
      ...live('invalid'),
      // An update brings a deactivated config back; a late test result does not; DELETE again is idempotent.
      { given: 'deactivated', event: 'test-started', want: 'new', effects: [] },
      { given: 'deactivated', event: 'test-passed', want: 'illegal' },
      { given: 'deactivated', event: 'test-failed', want: 'illegal' },
      { given: 'deactivated', event: 'deactivate', want: 'deactivated', effects: deactivated },
    ],
  );
}

// result
{
  const expired: ResultEffect[] = [{ type: 'set-date-deleted' }, { type: 'unpublish' }];

  machineTable<ResultState, ResultEvent, ResultEffect>('result', MACHINES.result, [
    { given: 'available', event: 'acknowledge', want: 'consumed', effects: [{ type: 'set-date-consumed' }] },
    { given: 'available', event: 'expire', want: 'expired', effects: expired },
    // Acking twice keeps the first date; a consumed result still expires (retention counts from publication).
    { given: 'consumed', event: 'acknowledge', want: 'illegal' },
    { given: 'consumed', event: 'expire', want: 'expired', effects: expired },
    // Expired is final: acking it changes nothing, and retention does not run twice.
    { given: 'expired', event: 'acknowledge', want: 'illegal' },
    { given: 'expired', event: 'expire', want: 'illegal' },
  ]);
}

describe('the machine tables', () => {
  it('cover every machine of the domain', () => {
    expect([...tabled].sort()).toEqual(Object.keys(MACHINES).sort());
  });
});
