// The library entry of ricloud-mock: `import { createApp, createMock, startMockServer } from 'ricloud-mock'`.

export {
  type ConformanceReport,
  renderJson,
  renderJUnit,
  renderTable,
  runClientConformance,
  runReceiverConformance,
} from '../contracts/conformance/index.ts';
export { createApp, createMock, type Mock, type MockOptions } from './app.ts';
export type { MockContext, Timings } from './context.ts';
export { DEFAULT_TIMINGS } from './context.ts';
export { type ControlClient, ControlError, createControlClient } from './control-client.ts';
export type { ControlOptions, TenantInput } from './control-state.ts';
export { type Clock, type ClockMode, type ClockOptions, createClock } from './engine/clock.ts';
export type { FaultInput, FaultRule, LatencySpec } from './engine/faults.ts';
export type { JournalEntry } from './engine/journal.ts';
export type { RateLimitConfig } from './engine/rate-limit.ts';
export type { MockState } from './snapshot.ts';
export { type MockServer, type StartOptions, startMockServer } from './start.ts';
