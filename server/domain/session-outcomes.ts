// Forced session outcomes: the control API's way to make the next session(s) of a source end as a test needs.
import type { MockContext } from './context.ts';
import type { OrgState, ScenarioEntry } from './store.ts';

export type { ScenarioEntry };

/** Most entries one organisation keeps (the oldest is dropped beyond it): memory stays bounded. */
export const MAX_SCENARIOS = 100;

/** What the init job applies when a scenario matches. */
export type ForcedOutcome = ScenarioEntry['outcome'];

/**
 * Registers a forced outcome for the next `remaining` (default 1) session inits whose source identifier or session
 * id matches. `delayMs` is mock time the service takes on top of `timings.sessionInitMs` before the outcome
 * applies; `sourceState: 'locked'` also locks the source. Entries are kept on the organisation (JSON, so snapshots carry them) and consulted by the session
 * init job before the test-accounts table.
 * @example forceSessionOutcome(ctx, org, { match: { sourceIdentifier: 'a@b.c' }, outcome: { state: 'failed', error: 'service-unavailable' }, remaining: 2 })
 */
export function forceSessionOutcome(
  _ctx: MockContext,
  org: OrgState,
  entry: { match: ScenarioEntry['match']; outcome: ForcedOutcome; remaining?: number },
): ScenarioEntry {
  const stored: ScenarioEntry = {
    match: { ...entry.match },
    outcome: { ...entry.outcome },
    remaining: Math.max(1, Math.floor(entry.remaining ?? 1)),
  };
  org.scenarios ??= [];
  org.scenarios.push(stored);
  if (org.scenarios.length > MAX_SCENARIOS) org.scenarios.splice(0, org.scenarios.length - MAX_SCENARIOS);
  return stored;
}

/** The organisation's pending forced outcomes, oldest first (a copy). */
export function listScenarios(org: OrgState): ScenarioEntry[] {
  return structuredClone(org.scenarios ?? []);
}

function matches(entry: ScenarioEntry, target: { sourceIdentifier?: string; sessionId?: string }): boolean {
  const { sourceIdentifier, sessionId } = entry.match;
  if (sourceIdentifier === undefined && sessionId === undefined) return false;
  if (sourceIdentifier !== undefined && sourceIdentifier !== target.sourceIdentifier) return false;
  if (sessionId !== undefined && sessionId !== target.sessionId) return false;
  return true;
}

/**
 * Takes (uses up one of) the first forced outcome that matches the session, or undefined. An entry naming the
 * session id wins over one naming only the source identifier.
 */
export function takeSessionOutcome(
  org: OrgState,
  target: { sourceIdentifier?: string; sessionId?: string },
): ForcedOutcome | undefined {
  const entries = org.scenarios;
  if (!entries?.length) return undefined;
  let index = entries.findIndex((e) => e.match.sessionId !== undefined && matches(e, target));
  if (index < 0) index = entries.findIndex((e) => matches(e, target));
  const entry = entries[index];
  if (!entry) return undefined;
  entry.remaining -= 1;
  if (entry.remaining <= 0) entries.splice(index, 1);
  return { ...entry.outcome };
}
