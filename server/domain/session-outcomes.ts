// Forced session outcomes: the control API's way to make the next session(s) of a source end as a test needs.
import type { OrgState, SessionOutcome, SessionOutcomeEntry } from './store.ts';

export type { SessionOutcome, SessionOutcomeEntry };

/** Most entries one organisation keeps (the oldest is dropped beyond it): memory stays bounded. */
export const MAX_SESSION_OUTCOMES = 100;

/**
 * Registers a forced outcome for the next `remaining` (default 1) session inits whose source identifier or session
 * id matches. `delayMs` is mock time the service takes on top of `timings.sessionInitMs` before the outcome
 * applies; `sourceState: 'locked'` also locks the source. Entries are kept on the organisation (JSON, so snapshots
 * carry them) and consulted by the session init job before the test-accounts table.
 * @example forceSessionOutcome(org, { match: { sourceIdentifier: 'a@b.c' }, outcome: { state: 'failed', error: 'service-unavailable' }, remaining: 2 })
 */
export function forceSessionOutcome(
  org: OrgState,
  entry: { match: SessionOutcomeEntry['match']; outcome: SessionOutcome; remaining?: number | undefined },
): SessionOutcomeEntry {
  const stored: SessionOutcomeEntry = {
    match: { ...entry.match },
    outcome: { ...entry.outcome },
    remaining: Math.max(1, Math.floor(entry.remaining ?? 1)),
  };
  org.sessionOutcomes ??= [];
  org.sessionOutcomes.push(stored);
  if (org.sessionOutcomes.length > MAX_SESSION_OUTCOMES)
    org.sessionOutcomes.splice(0, org.sessionOutcomes.length - MAX_SESSION_OUTCOMES);
  return stored;
}

/** The organisation's pending forced outcomes, oldest first (a copy). */
export function listSessionOutcomes(org: OrgState): SessionOutcomeEntry[] {
  return structuredClone(org.sessionOutcomes ?? []);
}

function matches(
  entry: SessionOutcomeEntry,
  target: { sourceIdentifier?: string; sessionId?: string },
): boolean {
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
): SessionOutcome | undefined {
  const entries = org.sessionOutcomes;
  if (!entries?.length) return undefined;
  let index = entries.findIndex((e) => e.match.sessionId !== undefined && matches(e, target));
  if (index < 0) index = entries.findIndex((e) => matches(e, target));
  const entry = entries[index];
  if (!entry) return undefined;
  entry.remaining -= 1;
  if (entry.remaining <= 0) entries.splice(index, 1);
  return { ...entry.outcome };
}
