// Registers every engine module's job handlers with the scheduler (one line per module).
import type { MockContext } from '../context.ts';

/** Called once by createMock. */
export function registerJobs(_ctx: MockContext): void {}
