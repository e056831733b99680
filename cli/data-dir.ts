// The data dir of one server process: a lock file, so two mocks started in the same folder never share published files.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The file a running mock holds in the data dir it uses. */
export const LOCK_FILE = 'instance.lock';

/** Where a mock that finds its data dir taken goes instead: `<data dir>/instances/<n>`, n = 2, 3, ... */
const INSTANCES_DIR = 'instances';

/** The largest n tried under `instances/` (more mocks than this in one folder is a mistake, said as such). */
const MAX_INSTANCES = 64;

interface ClaimedDataDir {
  /** The folder this process uses (its `storage/` holds the local:// results). */
  dir: string;
  /** The folder asked for (--data-dir, default `.ricloud-mock`). */
  requested: string;
  /** The pid holding `requested` when this process had to fall back, else undefined. */
  heldBy: number | undefined;
  /** Removes the lock (on shutdown); a no-op when it is no longer ours. */
  release(): void;
}

/** True when a process with this pid runs (EPERM: it runs as another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(lock: string): number | undefined {
  try {
    const pid = Number(JSON.parse(readFileSync(lock, 'utf8')).pid);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes `dir` for this process when no running process holds it: creates `dir/instance.lock` exclusively (`wx`,
 * atomic, so of two processes starting together exactly one wins). A lock left by a process that is gone (killed
 * with SIGKILL) is taken over. Returns the pid that holds it, or undefined once it is ours.
 */
function tryLock(dir: string): number | undefined {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, `${JSON.stringify({ pid: process.pid })}\n`);
      closeSync(fd);
      return undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(lock);
    // A lock being written right now has no pid yet: treat it as held.
    if (holder === undefined || isRunning(holder)) return holder ?? -1;
    rmSync(lock, { force: true });
  }
  return readHolder(lock) ?? -1;
}

/**
 * Claims a data dir for this server: `requested` itself when it is free, else the first free
 * `requested/instances/<n>`. Two mocks started in the same folder with default options therefore publish to
 * different folders, and neither overwrites the other's files (same seed, same poll ids, same file names).
 * @example const data = claimDataDir('.ricloud-mock'); // data.dir: where storage/ goes; data.release() on exit
 */
export function claimDataDir(requested: string): ClaimedDataDir {
  const root = resolve(requested);
  const heldBy = tryLock(root);
  let dir = root;
  if (heldBy !== undefined) {
    let found: string | undefined;
    for (let n = 2; n <= MAX_INSTANCES && found === undefined; n++) {
      const candidate = join(root, INSTANCES_DIR, String(n));
      if (tryLock(candidate) === undefined) found = candidate;
    }
    if (found === undefined) {
      throw new Error(`${MAX_INSTANCES} mocks already use ${root}: give this one its own --data-dir`);
    }
    dir = found;
  }
  return {
    dir,
    requested: root,
    heldBy: heldBy === undefined || heldBy < 0 ? undefined : heldBy,
    release() {
      const lock = join(dir, LOCK_FILE);
      if (readHolder(lock) === process.pid) rmSync(lock, { force: true });
    },
  };
}
