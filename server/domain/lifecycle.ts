// The one place a mock's parts register what a full reset, a tenant's removal and a snapshot do to their state.

/**
 * One part's share of a snapshot (`GET`/`PUT /_mock/state`): `export` gives its state as JSON; `prepare` checks and
 * builds an exported value (throwing on a bad one) and returns the swap, which must not fail, so that an import
 * changes nothing until every part has prepared. `value` is undefined for a state written without the part (an
 * older export): the part decides what of it to keep.
 */
export interface SnapshotPart {
  export(): unknown;
  prepare(value: unknown): () => void;
}

/**
 * Reset and snapshot hooks of one mock, kept on its context (no module-level maps keyed by the mock). createMock
 * registers the world's own reset first; each part built on top (delivery log, control plane) registers its own.
 */
export class Lifecycle {
  private readonly resets: (() => void)[] = [];
  private readonly forgets: ((organisation: number) => void)[] = [];
  private readonly parts = new Map<string, SnapshotPart>();

  /** Runs `hook` on every full reset, in registration order. */
  onReset(hook: () => void): void {
    this.resets.push(hook);
  }

  /** Runs `hook` when one organisation is deleted or reset to its creation state (state kept beside it). */
  onForget(hook: (organisation: number) => void): void {
    this.forgets.push(hook);
  }

  /** Adds a part to snapshots under `key` (a property of the MockState schema, openapi/control.yaml). */
  snapshotPart(key: string, part: SnapshotPart): void {
    if (this.parts.has(key)) throw new Error(`snapshot part ${key} is registered twice`);
    this.parts.set(key, part);
  }

  reset(): void {
    for (const hook of this.resets) hook();
  }

  forget(organisation: number): void {
    for (const hook of this.forgets) hook(organisation);
  }

  exportParts(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, part] of this.parts) out[key] = part.export();
    return out;
  }

  /** Prepares every part from `state` (may throw) and returns the swap of all of them. */
  prepareParts(state: Record<string, unknown>): () => void {
    const swaps: (() => void)[] = [];
    for (const [key, part] of this.parts) swaps.push(part.prepare(state[key]));
    return () => {
      for (const swap of swaps) swap();
    };
  }
}
