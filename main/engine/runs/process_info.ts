/**
 * Facts about OS processes that the run lock (lock.ts) and the parent watch (parent_watch.ts) rely
 * on: whether a pid is a live process, when it started (to tell a reused pid from the process that
 * took a lock), which process group it is in, and which boot of the machine this is.
 *
 * Linux answers all of them from /proc (proc(5): /proc/<pid>/stat fields 3 state, 5 pgrp and 22
 * starttime; /proc/sys/kernel/random/boot_id). Elsewhere only liveness is known for sure
 * (`kill(pid, 0)`); start time and boot id are null, and the process group comes from `ps` on other
 * POSIX systems (macOS, BSD) and is null on Windows, which has no process groups.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The fields of /proc/<pid>/stat from field 3 (state) on, or null when unreadable (no such process,
 * or not Linux). Field 2, the command name in parentheses, may itself contain spaces and ')', so the
 * split starts after its last ')'.
 */
function procStat(pid: number): string[] | null {
  if (process.platform !== 'linux') return null;
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text
      .slice(text.lastIndexOf(')') + 2)
      .trim()
      .split(' ');
  } catch {
    return null;
  }
}

/**
 * True when `pid` is a running process. EPERM from `kill(pid, 0)` means it exists but belongs to
 * another user. On Linux a zombie (exited, not yet reaped by its parent) counts as gone: it will
 * never train again, and its pid stays taken until it is reaped.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const state = procStat(pid)?.[0];
  return state !== 'Z' && state !== 'X';
}

/**
 * When the process started, as /proc/<pid>/stat's starttime (clock ticks since boot, as text); null
 * when unknown (not Linux, or no such process). Two processes with the same pid and boot id but
 * different start times are different processes: the pid was reused.
 */
export function processStartTime(pid: number): string | null {
  return procStat(pid)?.[19] ?? null;
}

/**
 * The process group of `pid` (default: this process); null where unknown (Windows, or `ps` failed).
 * The leader of a group has pid = group id; a shell with job control makes each command line a
 * group, led by its first process (`npx`'s `npm exec`, a script, or skill-lab itself).
 */
export function processGroupId(pid: number = process.pid): number | null {
  const stat = procStat(pid);
  if (stat) return Number(stat[2]);
  if (process.platform === 'win32') return null;
  try {
    const out = execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8', timeout: 5000 });
    const pgid = Number(out.trim());
    return Number.isInteger(pgid) && pgid > 0 ? pgid : null;
  } catch {
    return null;
  }
}

let cachedBootId: string | null | undefined;

/** The kernel's id of this boot (Linux), or null: a pid from before a reboot is another process. */
export function bootId(): string | null {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      cachedBootId = null;
    }
  }
  return cachedBootId;
}
