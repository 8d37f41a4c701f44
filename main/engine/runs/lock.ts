/**
 * One trainer per run: `<run>/train.lock` is held by the process that trains the run, whoever
 * started it (`skill-lab train`/`resume`, the lab service's run process, a second workbench). The
 * run loop (trainer.ts) takes it before it touches any file of the run and releases it on every way
 * out; a second trainer is refused with a {@link RunLockedError} that names the holder.
 *
 * The file holds JSON {pid, host, processStartTime, bootId, startedAt, command, token}. It is created
 * complete or not at all: written to a temp file, then hard-linked to `train.lock`, which fails with
 * EEXIST when a lock exists (O_EXCL semantics, POSIX link(2); where a file system has no hard links,
 * `open(O_CREAT|O_EXCL)` and a write, and readers give a young unreadable lock the benefit of doubt).
 *
 * Why not a library such as proper-lockfile: it proves a holder alive by refreshing the lock's mtime
 * from a timer, and a timer cannot fire while a synchronous tfjs/MuJoCo iteration blocks the event
 * loop for seconds (DADS Ant: ~8 s), so a healthy trainer's lock would look stale. Here liveness is
 * asked of the OS instead, which needs no cooperation from the holder:
 *
 * - same host (os.hostname()) and same boot, the pid is a live process and, on Linux, its start time
 *   equals the recorded one → held;
 * - same host and the pid is gone, a zombie, another process that reuses the pid (start time
 *   differs), or the lock is from an earlier boot → stale: the next trainer takes it over and says so
 *   (a note naming the dead holder);
 * - another host (a workspace on a shared file system) → held: its processes cannot be checked from
 *   here; the error says which host and which file to remove if that trainer is gone.
 *
 * Taking over a stale lock is safe against other takers: only the process that exclusively creates
 * `train.lock.takeover-<hash of the stale lock's text>` may remove the lock, and it removes it only
 * if the file still holds that very text. Nobody else removes a lock with that text (its holder is
 * dead; other takers lose the exclusive create and wait), so the check and the unlink cannot be
 * interleaved with a fresh lock appearing. Then everyone races with the exclusive link, and exactly
 * one wins; a slow taker that judged the old lock stale and gets the takeover file later finds other
 * text and backs off. (An earlier design renamed the lock aside and put back what was not stale: a
 * third taker could slip in between, and CI once saw two winners.) A takeover file whose taker died
 * between two syscalls is removed once it is older than {@link TAKEOVER_STALE_MS}.
 *
 * Node only. Evaluations (`skill-lab eval`, the service's evaluateRun) read the checkpoint, which is
 * written atomically, and take no lock.
 */
import {
  linkSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { bootId, processAlive, processStartTime } from './process_info.ts';
import { RunStoreError, type RunRecord } from './store.ts';

/** The lock's file name inside a run directory. */
export const LOCK_FILE = 'train.lock';

/**
 * How long an unreadable lock counts as held, in ms: a lock written without hard links is briefly
 * empty between its exclusive creation and the write of its content.
 */
const UNREADABLE_GRACE_MS = 10_000;

/** How long takers keep trying while other takers hold the takeover file, in ms. */
const ACQUIRE_PATIENCE_MS = 5_000;

/** A takeover file older than this was left by a taker that died mid-takeover, in ms. */
const TAKEOVER_STALE_MS = 30_000;

/** Blocks the thread for `ms` (acquireRunLock is synchronous: the trainer calls it before any await). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const holderSchema = z.object({
  format: z.literal('skill-lab-train-lock'),
  version: z.literal(1),
  pid: z.number().int().positive(),
  host: z.string(),
  /** /proc/<pid>/stat starttime (Linux); null where unknown. */
  processStartTime: z.string().nullable(),
  /** The kernel's boot id (Linux); null where unknown. */
  bootId: z.string().nullable(),
  /** ISO 8601: when the holder took the lock. */
  startedAt: z.string(),
  /** What trains, e.g. "skill-lab train" or "run process of pid 4242". */
  command: z.string(),
  /** Random: tells this lock from any other, so a holder only ever removes its own. */
  token: z.string(),
});

/** Who holds a run's lock: the contents of train.lock. */
export type LockHolder = z.infer<typeof holderSchema>;

/** Path of a run directory's lock file. */
export function lockPath(runPath: string): string {
  return join(runPath, LOCK_FILE);
}

/** "pid 1234 on host h (skill-lab train, since 2026-…)". */
export function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} on host ${holder.host} (${holder.command}, since ${holder.startedAt})`;
}

/**
 * Whether a lock's holder still trains: 'alive', 'dead' (stale: gone, a zombie, its pid reused by
 * another process, or from before a reboot) or 'elsewhere' (another host: assumed alive).
 */
export function holderState(holder: LockHolder): 'alive' | 'dead' | 'elsewhere' {
  if (holder.host !== hostname()) return 'elsewhere';
  const boot = bootId();
  if (holder.bootId !== null && boot !== null && holder.bootId !== boot) return 'dead';
  if (!processAlive(holder.pid)) return 'dead';
  if (holder.processStartTime !== null) {
    const now = processStartTime(holder.pid);
    if (now !== null && now !== holder.processStartTime) return 'dead';
  }
  return 'alive';
}

/** What a run's lock file says. */
export type LockFileState =
  | { kind: 'none' }
  | { kind: 'holder'; holder: LockHolder; text: string }
  /** Not a lock this module wrote completely (damaged, or being written); `ageMs` since its mtime. */
  | { kind: 'unreadable'; reason: string; text: string; ageMs: number };

/** Reads a run's lock file; never throws for a missing or damaged one. */
export function readLock(runPath: string): LockFileState {
  const path = lockPath(runPath);
  let text: string;
  let ageMs: number;
  try {
    ageMs = Date.now() - statSync(path).mtimeMs;
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    return { kind: 'unreadable', reason: (err as Error).message, text: '', ageMs: 0 };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { kind: 'unreadable', reason: 'not valid JSON', text, ageMs };
  }
  const parsed = holderSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'unreadable', reason: 'not a skill-lab train lock', text, ageMs };
  return { kind: 'holder', holder: parsed.data, text };
}

/** A process that trains a run, as {@link runTrainer} finds it. */
export interface ActiveTrainer {
  state: 'training';
  /** Its pid; null when unknown (a lock file being written). */
  pid: number | null;
  /** "pid 1234 on host h (skill-lab train, since 2026-…)". */
  description: string;
  /** What the refused party can do, e.g. "stop it there or wait for it to end". */
  advice: string;
}

/** Raised when another process trains the run; its message names that process. */
export class RunLockedError extends Error {
  constructor(
    readonly runId: string,
    readonly trainer: ActiveTrainer,
  ) {
    super(`run ${runId} is being trained by ${trainer.description}; ${trainer.advice}`);
    this.name = 'RunLockedError';
  }
}

/** The trainer a lock file names, or null when there is none or its holder is dead. */
function lockTrainer(runPath: string, lock: LockFileState): ActiveTrainer | null {
  if (lock.kind === 'holder') {
    const state = holderState(lock.holder);
    if (state === 'dead') return null;
    return {
      state: 'training',
      pid: lock.holder.pid,
      description: describeHolder(lock.holder),
      advice:
        state === 'elsewhere'
          ? `that host's processes cannot be checked from here; if that trainer is gone, remove ${lockPath(runPath)}`
          : 'stop it there or wait for it to end',
    };
  }
  if (lock.kind === 'unreadable' && lock.ageMs < UNREADABLE_GRACE_MS)
    return {
      state: 'training',
      pid: null,
      description: `a process that is writing its lock file ${lockPath(runPath)}`,
      advice: 'try again in a moment',
    };
  return null;
}

/** A held run lock; {@link RunLock.release} it when training ends (also done at process exit). */
export class RunLock {
  private released = false;
  private readonly onExit = () => this.release();

  /**
   * @param path the lock file
   * @param holder what this process wrote into it
   * @param note set when a stale lock was taken over: which holder was gone
   */
  constructor(
    readonly path: string,
    readonly holder: LockHolder,
    readonly note: string | null,
  ) {
    // process.exit() and the end of the event loop run 'exit' listeners synchronously; a kill -9
    // leaves the file, which the next trainer finds stale.
    process.on('exit', this.onExit);
  }

  /** Removes the lock file if it still is this lock. Idempotent; never throws. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    const now = readLock(dirname(this.path));
    if (now.kind === 'holder' && now.holder.token === this.holder.token) rmSync(this.path, { force: true });
  }
}

/**
 * Creates `path` with `text` unless it exists, atomically and complete (see the file comment).
 * @returns false when the file exists
 * @throws RunStoreError when the run directory does not exist
 */
function createExclusive(path: string, text: string): boolean {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new RunStoreError(`${dirname(path)}: no such run directory`);
    throw err;
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
  // No hard links on this file system: O_EXCL, then the content.
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** This process as a lock holder. */
function thisHolder(command: string): LockHolder {
  return {
    format: 'skill-lab-train-lock',
    version: 1,
    pid: process.pid,
    host: hostname(),
    processStartTime: processStartTime(process.pid),
    bootId: bootId(),
    startedAt: new Date().toISOString(),
    command,
    token: randomBytes(8).toString('hex'),
  };
}

/**
 * Takes a run's lock for this process, taking over a stale one (see the file comment).
 * @param runPath the run directory
 * @param runId the run's id, for messages
 * @param command what trains, as it should appear in other processes' refusals
 * @param hooks.beforeTakeover for tests: runs after a lock was judged stale and before it is moved
 *   aside, where a racing taker could replace it
 * @returns the held lock; its `note` says whose stale lock was taken over, if any
 * @throws RunLockedError naming the holder when another live process (or this one) holds it, or one
 *   on another host; RunStoreError when the run directory does not exist
 */
export function acquireRunLock(
  runPath: string,
  runId: string,
  command: string,
  hooks: { beforeTakeover?: () => void } = {},
): RunLock {
  const path = lockPath(runPath);
  const mine = thisHolder(command);
  const text = JSON.stringify(mine, null, 2) + '\n';
  let note: string | null = null;
  const giveUp = Date.now() + ACQUIRE_PATIENCE_MS;
  for (;;) {
    if (createExclusive(path, text)) return new RunLock(path, mine, note);
    const found = readLock(runPath);
    if (found.kind === 'none') continue; // released in between
    const trainer = lockTrainer(runPath, found);
    if (trainer) throw new RunLockedError(runId, trainer);
    hooks.beforeTakeover?.();
    const removed = removeStaleLock(path, found.text);
    if (removed) {
      note =
        found.kind === 'holder'
          ? `took over the training lock of ${describeHolder(found.holder)}, which is gone (it ended without releasing it: killed or crashed)`
          : `took over an unreadable training lock ${path} (${found.reason}, ${Math.round(found.ageMs / 1000)} s old)`;
      continue;
    }
    if (Date.now() > giveUp)
      throw new Error(
        `run ${runId}: could not take ${path} within ${ACQUIRE_PATIENCE_MS / 1000} s (other processes keep taking it over)`,
      );
    sleepSync(5 + Math.random() * 20);
  }
}

/**
 * Removes the lock file at `path` if it still holds `staleText`, as the one process holding its
 * takeover file (see the file comment).
 * @returns true when this process removed it; false when another taker holds the takeover file or
 *   the lock changed (a fresh lock is there now, or none)
 */
function removeStaleLock(path: string, staleText: string): boolean {
  const takeover = `${path}.takeover-${createHash('sha256').update(staleText).digest('hex').slice(0, 16)}`;
  if (!createExclusive(takeover, JSON.stringify({ pid: process.pid, host: hostname() }))) {
    try {
      if (Date.now() - statSync(takeover).mtimeMs > TAKEOVER_STALE_MS) rmSync(takeover, { force: true });
    } catch {
      // gone already
    }
    return false;
  }
  try {
    let now: string | null = null;
    try {
      now = readFileSync(path, 'utf8');
    } catch {
      // removed by its holder's release or never readable: nothing to take over
    }
    if (now !== staleText) return false;
    rmSync(path, { force: true });
    return true;
  } finally {
    rmSync(takeover, { force: true });
  }
}

/** Who trains a run, as far as its lock and run.json tell (see {@link runTrainer}). */
export type RunTrainer =
  /** A live process trains it (or one on another host, or one whose lock is being written). */
  | ActiveTrainer
  /** run.json says 'running' but no process trains it any more (killed, crashed, host rebooted). */
  | { state: 'gone'; pid: number | null; description: string }
  /** Nobody trains it, and run.json does not claim otherwise. */
  | { state: 'none' };

/**
 * Who trains a run: its lock's holder when the lock is held; otherwise, while run.json says
 * 'running', the pid recorded there if that process lives (a run process that has not taken the
 * lock yet, or a run from before locks) or else 'gone'. Reads only.
 */
export function runTrainer(runPath: string, record: Pick<RunRecord, 'status' | 'pid'>): RunTrainer {
  const lock = readLock(runPath);
  const trainer = lockTrainer(runPath, lock);
  if (trainer) return trainer;
  if (record.status !== 'running') return { state: 'none' };
  if (lock.kind === 'holder')
    return { state: 'gone', pid: lock.holder.pid, description: `${describeHolder(lock.holder)} is gone` };
  if (record.pid !== null && processAlive(record.pid))
    return {
      state: 'training',
      pid: record.pid,
      description: `pid ${record.pid} (recorded in run.json; it holds no lock yet)`,
      advice: 'stop it there or wait for it to end',
    };
  return {
    state: 'gone',
    pid: record.pid,
    description: record.pid === null ? 'its process is gone' : `pid ${record.pid} is gone`,
  };
}

/**
 * Refuses to act on a run that a process trains (resume, delete), naming that process.
 * @throws RunLockedError when {@link runTrainer} finds one
 */
export function assertNotTrained(
  runPath: string,
  runId: string,
  record: Pick<RunRecord, 'status' | 'pid'>,
): void {
  const trainer = runTrainer(runPath, record);
  if (trainer.state === 'training') throw new RunLockedError(runId, trainer);
}
