/**
 * Whether the process a trainer belongs to has died, asked synchronously. A trainer polls it at the
 * safe points inside an iteration (trainer.ts → Algorithm.iterate), where much of the work is
 * synchronous tfjs/MuJoCo code and neither signals nor IPC 'disconnect' events are delivered until
 * the iteration ends (up to ~12 s): only a poll of the OS notices a dead parent within 2 s.
 *
 * Which process is the trainer's:
 * - a run process (worker.ts, started by the lab service, the app or `skill-lab compare`): its
 *   parent. On POSIX a process whose parent dies is re-parented, so `process.ppid` changes; on
 *   Windows the recorded parent pid stops being a live process. An IPC disconnect counts too.
 * - `skill-lab train`/`resume` in a terminal: the job that started it, i.e. the leader of its process
 *   group. A shell with job control makes every command line a group led by its first process:
 *   `skill-lab …` itself (nothing to watch: it is its own job, as under `nohup`/`setsid`), or a
 *   wrapper such as `npx` (`npm exec` → `sh -c` → node) or a script. Killing `npm exec` with
 *   SIGKILL leaves `sh` alive and the trainer's own parent unchanged, so the parent is not enough;
 *   the group's leader is gone. To keep a trainer going after the job that launched it ends (a
 *   launcher script that exits), start it as its own job: `setsid skill-lab train …`.
 *
 * Polls are throttled to one OS query per {@link POLL_INTERVAL_MS}; each is one or two syscalls.
 */
import { processAlive, processGroupId } from './process_info.ts';

/** Minimum time between two OS queries of one watch, in ms. */
const POLL_INTERVAL_MS = 100;

/** A synchronous question: has the process this trainer belongs to died? */
export interface ParentWatch {
  /** Why the trainer must stop now ("the parent process 1234 is gone"), or null while it lives. */
  gone(): string | null;
  /** Stops listening for IPC disconnects. */
  dispose(): void;
}

/** Throttles `probe` and latches its first non-null answer. */
function latched(probe: () => string | null): () => string | null {
  let answer: string | null = null;
  let last = -Infinity;
  return () => {
    if (answer !== null) return answer;
    const now = performance.now();
    if (now - last < POLL_INTERVAL_MS) return null;
    last = now;
    answer = probe();
    return answer;
  };
}

/**
 * Watches this process's parent (for run processes): gone once this process was re-parented, the
 * parent pid is no live process, or the IPC channel to the parent closed.
 */
export function watchParent(): ParentWatch {
  const parent = process.ppid;
  let disconnected = false;
  const onDisconnect = () => {
    disconnected = true;
  };
  if (process.send) process.on('disconnect', onDisconnect);
  const probe = latched(() =>
    process.ppid !== parent || !processAlive(parent) ? `the parent process ${parent} is gone` : null,
  );
  return {
    gone: () => (disconnected ? `the IPC channel to the parent process ${parent} closed` : probe()),
    dispose: () => void process.off('disconnect', onDisconnect),
  };
}

/**
 * Watches the job this process belongs to (for the command line): gone once the leader of its
 * process group has died. Never gone when this process leads its own group, or where process
 * groups are unknown (Windows).
 */
export function watchJob(): ParentWatch {
  const group = processGroupId();
  const none: ParentWatch = { gone: () => null, dispose: () => {} };
  if (group === null || group === process.pid) return none;
  // While any member of a group lives, the leader's pid cannot be given to another process (the
  // kernel keeps it as the group id), so a dead leader is not mistaken for a new process.
  const probe = latched(() =>
    processAlive(group)
      ? null
      : `the job that started it (process group leader ${group}) is gone; ` +
        'to train on after a launcher ends, start it with setsid skill-lab …',
  );
  return { gone: probe, dispose: () => {} };
}
