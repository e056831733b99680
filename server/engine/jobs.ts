// Registers every engine module's job handlers with the scheduler (one line per module).
import type { MockContext } from '../context.ts';
import { registerAwaitJobs } from './await.ts';
import { registerSessionJobs } from './session.ts';

/** Called once by createMock. */
export function registerJobs(ctx: MockContext): void {
  registerAwaitJobs(ctx);
  registerSessionJobs(ctx);
}
