// Seeded ids, tokens and secrets: the only source of randomness in the server, so one seed gives the same run.
import { createHash } from 'node:crypto';

/**
 * The sequences every mock starts with, whose ids are decimal strings (or, for organisations, numbers), shared by all
 * tenants. Any other name is a sequence too, started on first use (a resource the spec adds with `SeqId` ids needs
 * no entry here); snapshots list these from the start, and the others once used.
 */
export type SeqKind =
  | 'organisation'
  | 'key'
  | 'user'
  | 'source'
  | 'storage_config'
  | 'webhook_config'
  | 'permissions'
  /** Forced task failures (`task_fault_<n>`). */
  | 'task_failure';

export interface RngState {
  s: [number, number, number, number];
}

/**
 * A small seeded PRNG (sfc32). Its state is four integers, so a snapshot can save and restore it exactly.
 * @example const rng = Rng.fromSeed('42'); rng.float();
 */
export class Rng {
  private s: [number, number, number, number];

  constructor(state: RngState) {
    this.s = [...state.s];
  }

  /** A generator seeded from the sha256 of `seed` and an optional label (independent streams per label). */
  static fromSeed(seed: string, label = ''): Rng {
    const h = createHash('sha256').update(`${seed}\u0000${label}`).digest();
    const rng = new Rng({ s: [h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8), h.readUInt32LE(12)] });
    for (let i = 0; i < 12; i++) rng.nextUint32();
    return rng;
  }

  nextUint32(): number {
    let [a, b, c, d] = this.s;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.s = [a, b, c, d];
    return t >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.nextUint32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
    }
    return out;
  }

  state(): RngState {
    return { s: [...this.s] };
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export interface IdSnapshot {
  rng: RngState;
  counters: Record<SeqKind, number> & Record<string, number>;
}

const EMPTY_COUNTERS: Record<SeqKind, number> = {
  organisation: 0,
  key: 0,
  user: 0,
  source: 0,
  storage_config: 0,
  webhook_config: 0,
  permissions: 0,
  task_failure: 0,
};

/**
 * Ids, tokens and secrets from one seed. Counters are shared by all organisations, as a real database's keys are.
 * @see https://reincubate.com/support/ricloud/events ("id | string | Resource identifier."; ids are strings: requests.string-ids in fidelity/ledger)
 */
export class IdSource {
  private rng: Rng;
  private counters: Record<SeqKind, number> & Record<string, number>;

  constructor(
    readonly seed: string,
    snapshot?: IdSnapshot,
  ) {
    this.rng = snapshot ? new Rng(snapshot.rng) : Rng.fromSeed(seed, 'ids');
    this.counters = { ...EMPTY_COUNTERS, ...(snapshot?.counters ?? {}) };
  }

  /** A random (v4) UUID drawn from the seeded stream. */
  uuid(): string {
    const b = this.rng.bytes(16);
    b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
    const h = hex(b);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** A key token: 40 lower-case hex characters. */
  token(): string {
    return hex(this.rng.bytes(20));
  }

  /** A webhook secret: 32 bytes, base64url. */
  secret(): string {
    return Buffer.from(this.rng.bytes(32)).toString('base64url');
  }

  /** A float in [0, 1) from the same stream (fault probabilities, jitter). */
  float(): number {
    return this.rng.float();
  }

  /** The next value of a sequence (a SeqKind, or any other name: a new sequence from 1), as a number. */
  nextNumber(kind: SeqKind | (string & {})): number {
    const next = (this.counters[kind] ?? 0) + 1;
    this.counters[kind] = next;
    return next;
  }

  /** The next value of a sequence, as the decimal string the API uses for ids. */
  next(kind: SeqKind | (string & {})): string {
    return String(this.nextNumber(kind));
  }

  snapshot(): IdSnapshot {
    return { rng: this.rng.state(), counters: { ...this.counters } };
  }
}
