// Results: the result state machine (acknowledged by the client, expired by retention) and its runner.
import type { ResultState } from '../../openapi/types.ts';
import { toIso } from '../runtime/clock.ts';
import { type MockContext, nowOf } from './context.ts';
import {
  assertNever,
  type MachineDefinition,
  reject,
  rejection,
  statesOf,
  type Transition,
} from './machine.ts';
import { unpublish } from './publish.ts';
import type { OrgState, ResultRecord } from './store.ts';

const RESULT_STATES = statesOf<ResultState>({
  available: true,
  consumed: true,
  expired: true,
});

/** What can happen to a result: the client acknowledges it (single or batch ack), or retention expires it. */
export type ResultEvent = { type: 'acknowledge' } | { type: 'expire' };

const RESULT_EVENTS: Readonly<Record<ResultEvent['type'], ResultEvent>> = {
  acknowledge: { type: 'acknowledge' },
  expire: { type: 'expire' },
};

export type ResultEffect =
  | { type: 'set-date-consumed' }
  | { type: 'set-date-deleted' }
  | { type: 'unpublish' };

const expired: Transition<ResultState, ResultEffect> = {
  state: 'expired',
  effects: [{ type: 'set-date-deleted' }, { type: 'unpublish' }],
};

/**
 * The result state machine, pure: `available` → `consumed` (ack) | `expired` (retention); `consumed` → `expired`;
 * `expired` is final. Acking twice keeps the first date (the second ack is illegal, so nothing changes).
 * @see https://reincubate.com/support/ricloud/results/
 */
export function resultTransition(
  state: ResultState,
  event: ResultEvent,
): Transition<ResultState, ResultEffect> {
  switch (state) {
    case 'available':
      switch (event.type) {
        case 'acknowledge':
          return { state: 'consumed', effects: [{ type: 'set-date-consumed' }] };
        case 'expire':
          return expired;
        default:
          return assertNever(event);
      }
    case 'consumed':
      switch (event.type) {
        case 'acknowledge':
          return reject(state, 'the result is already consumed; the first ack date is kept');
        case 'expire':
          return expired;
        default:
          return assertNever(event);
      }
    case 'expired':
      // DIVERGENCE(polls.ack-expired): the docs do not say what acking an expired result does; it stays expired (its bytes are gone).
      return reject(state, 'the result is expired, which is final');
    default:
      return assertNever(state);
  }
}

export const resultMachine: MachineDefinition<ResultState, ResultEvent, ResultEffect> = {
  initial: 'available',
  states: RESULT_STATES,
  events: RESULT_EVENTS,
  transition: resultTransition,
};

/**
 * The result runner: applies `event` to the stored result. An illegal pair changes nothing. Returns the
 * unpublication's promise when the bytes are removed asynchronously (an S3 bucket).
 */
export function applyResultEvent(
  ctx: MockContext,
  org: OrgState,
  result: ResultRecord,
  event: ResultEvent,
): void | Promise<void> {
  const t = resultTransition(result.state, event);
  if (rejection(t) !== undefined) return;
  result.state = t.state;
  let pending: Promise<void> | void | undefined;
  for (const effect of t.effects) {
    switch (effect.type) {
      case 'set-date-consumed':
        result.date_consumed = toIso(nowOf(ctx, org));
        break;
      case 'set-date-deleted':
        result.date_deleted = toIso(nowOf(ctx, org));
        break;
      case 'unpublish':
        pending = unpublish(ctx, org, result.url);
        break;
      case 'reject':
        break;
      default:
        assertNever(effect);
    }
  }
  return pending;
}
