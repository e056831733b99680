import { describe, expect, it } from 'vitest';
import type { PollState, TaskState } from '../../openapi/types.ts';
import { type PollEvent, pollTransition, type TaskEvent, taskTransition } from './poll.ts';

describe('pollTransition', () => {
  const table: { given: PollState; event: PollEvent; want: PollState | 'illegal'; effects?: string[] }[] = [
    { given: 'pending', event: 'task-started', want: 'processing', effects: ['set-date-started'] },
    {
      given: 'pending',
      event: 'all-finished',
      want: 'completed',
      effects: ['set-date-started', 'set-date-completed', 'emit-completed'],
    },
    { given: 'processing', event: 'task-started', want: 'processing', effects: [] },
    {
      given: 'processing',
      event: 'all-finished',
      want: 'completed',
      effects: ['set-date-completed', 'emit-completed'],
    },
    { given: 'completed', event: 'task-started', want: 'illegal' },
    { given: 'completed', event: 'all-finished', want: 'illegal' },
  ];

  it('covers every (state, event) pair', () => {
    expect(table).toHaveLength(3 * 2);
  });

  for (const { given, event, want, effects } of table) {
    it(`${given} + ${event} → ${want}`, () => {
      const t = pollTransition(given, event);
      if (want === 'illegal') {
        expect(t).toEqual({ ok: false, state: given, effects: [] });
      } else {
        expect(t).toEqual({ ok: true, state: want, effects });
      }
    });
  }
});

describe('taskTransition', () => {
  const done = ['set-date-completed'];
  const table: { given: TaskState; event: TaskEvent; want: TaskState | 'illegal'; effects?: string[] }[] = [
    { given: 'pending', event: 'start', want: 'processing', effects: ['set-date-started'] },
    { given: 'pending', event: 'succeed', want: 'illegal' },
    { given: 'pending', event: 'fail', want: 'failed', effects: [...done, 'emit-failed'] },
    { given: 'processing', event: 'start', want: 'illegal' },
    { given: 'processing', event: 'succeed', want: 'succeeded', effects: [...done, 'emit-succeeded'] },
    { given: 'processing', event: 'fail', want: 'failed', effects: [...done, 'emit-failed'] },
    { given: 'suspended', event: 'start', want: 'processing', effects: ['set-date-started'] },
    { given: 'suspended', event: 'succeed', want: 'illegal' },
    { given: 'suspended', event: 'fail', want: 'failed', effects: [...done, 'emit-failed'] },
    { given: 'succeeded', event: 'start', want: 'illegal' },
    { given: 'succeeded', event: 'succeed', want: 'illegal' },
    { given: 'succeeded', event: 'fail', want: 'illegal' },
    { given: 'failed', event: 'start', want: 'illegal' },
    { given: 'failed', event: 'succeed', want: 'illegal' },
    { given: 'failed', event: 'fail', want: 'illegal' },
  ];

  it('covers every (state, event) pair', () => {
    expect(table).toHaveLength(5 * 3);
  });

  for (const { given, event, want, effects } of table) {
    it(`${given} + ${event} → ${want}`, () => {
      const t = taskTransition(given, event);
      if (want === 'illegal') {
        expect(t).toEqual({ ok: false, state: given, effects: [] });
      } else {
        expect(t).toEqual({ ok: true, state: want, effects });
      }
    });
  }
});
