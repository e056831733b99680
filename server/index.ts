// The library entry of ricloud-mock: `import { createApp, createMock, startMockServer } from 'ricloud-mock'`.

export { createApp, createMock, type Mock, type MockOptions } from './app.ts';
export { type ControlClient, ControlError, createControlClient } from './control/client.ts';
export type { FaultInput, FaultRule, LatencySpec } from './control/faults.ts';
export type { JournalEntry } from './control/journal.ts';
export type { RateLimitConfig } from './control/rate-limit.ts';
export type { ControlOptions, TenantInput } from './control/state.ts';
export type { MockContext, Timings } from './domain/context.ts';
export { DEFAULT_TIMINGS } from './domain/context.ts';
export type { MockState } from './domain/snapshot.ts';
export { type Clock, type ClockMode, type ClockOptions, createClock } from './runtime/clock.ts';
export { type MockServer, type StartOptions, startMockServer } from './start.ts';
