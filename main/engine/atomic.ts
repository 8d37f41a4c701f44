/**
 * Atomic file writes: readers (and a run killed mid-write) only ever see the old file or the
 * complete new one. The data goes to a temp file in the same directory (same filesystem, so the
 * rename is atomic), is fsynced, then renamed over the target; the temp file is removed on failure.
 *
 * Temp files are named `.<target name>.<writer pid>.<8 hex digits>.tmp` ({@link tempPathFor}). A
 * process killed mid-write leaves its temp file behind; {@link removeStaleTempFiles} removes those
 * whose writer is gone. {@link writeFileAtomic} can keep the replaced file as a previous version
 * (checkpoint rotation), and {@link keepAsideSync} keeps a damaged file under a new name before it
 * is rewritten.
 */
import {
  promises as fsp,
  constants as fsConstants,
  mkdirSync,
  writeFileSync,
  openSync,
  fsyncSync,
  closeSync,
  renameSync,
  rmSync,
  linkSync,
  copyFileSync,
  existsSync,
  readdirSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * A fresh temp name beside `path` for this process: `.<name>.<pid>.<8 hex>.tmp`. The leading dot
 * hides it from globs such as `part-*.parquet`; the pid tells {@link removeStaleTempFiles} whether
 * its writer still lives.
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** `.<name>.<pid>.<8 hex>.tmp`: the temp names of {@link tempPathFor}. */
const TEMP_NAME = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * Writes `data` (one buffer or string, or several buffers written in order without concatenating
 * them) to `path` atomically; creates the directory.
 *
 * With `previous`, the file `path` held until now becomes `previous` (a rotation: the latest and the
 * one before it). The order is chosen so that a kill at any instant leaves two complete versions and
 * `path` never names a partial file:
 *   1. the new data goes to a temp file, which is fsynced (`path` and `previous` untouched);
 *   2. `path` is hard-linked to a second temp name, which is renamed over `previous` — rename is
 *      atomic, so `previous` names either the older version or the current one, each complete;
 *   3. the first temp file is renamed over `path`: `path` names the current or the new version.
 * Between 2 and 3 both names hold the current version, which is complete. A hard link costs no
 * copy of a large file; where the file system has none, the current version is copied instead.
 * Writers must replace files by rename (as here), never write into them, or the link would change
 * with them. A kill between the steps leaves a temp file, which {@link removeStaleTempFiles} removes.
 *
 * @param opts.previous where the replaced version is kept (same directory as `path`); nothing is
 *   kept when `path` does not exist yet
 * @throws the file system's error (the target is then unchanged; `previous` may already hold it).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array | Uint8Array[],
  opts: { previous?: string } = {},
): Promise<void> {
  await fsp.mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    const fh = await fsp.open(tmp, 'w');
    try {
      await fsp.writeFile(fh, data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (opts.previous !== undefined && existsSync(path)) replaceSync(opts.previous, path);
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  // Persist the rename itself; not every platform lets a directory be opened for fsync.
  try {
    const dir = await fsp.open(dirname(path), 'r');
    await dir.sync().finally(() => dir.close());
  } catch {
    /* best effort */
  }
}

/** Synchronous {@link writeFileAtomic} for small files (run.json, metrics rewrites). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    writeFileSync(tmp, data);
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** A hard link `dest` → `src`, or an fsynced copy where the file system refuses hard links. */
function linkOrCopySync(src: string, dest: string): void {
  try {
    linkSync(src, dest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOENT') throw err;
    // EPERM, ENOTSUP, EXDEV, …: file systems without hard links (FAT, some network shares).
    copyFileSync(src, dest, fsConstants.COPYFILE_EXCL);
    const fd = openSync(dest, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Makes `dest` name the file `src` names now, atomically: a link (or copy) under a temp name, then
 * a rename over `dest`, so `dest` names its old content or `src`'s, never a partial file.
 * @throws the file system's error (ENOENT when `src` is missing); `dest` is then unchanged.
 */
export function replaceSync(dest: string, src: string): void {
  const tmp = tempPathFor(dest);
  try {
    linkOrCopySync(src, tmp);
    renameSync(tmp, dest);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Keeps the file `src` names now under `<src>.<label>` (or `<src>.<label>-2`, `-3`, … when that
 * name is taken), never overwriting a file: a hard link where the file system has them (no copy of
 * a large file), else a copy under a temp name that is then linked exclusively. The caller must
 * afterwards replace `src` by rename (never write into it), or a hard-linked copy changes with it.
 * @returns the path of the kept file.
 * @throws the file system's error (ENOENT when `src` is missing).
 */
export function keepAsideSync(src: string, label: string): string {
  for (let k = 1; ; k++) {
    const dest = `${src}.${label}${k === 1 ? '' : `-${k}`}`;
    if (existsSync(dest)) continue;
    try {
      try {
        linkSync(src, dest);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' || code === 'ENOENT') throw err;
        const tmp = tempPathFor(dest);
        try {
          linkOrCopySync(src, tmp);
          linkSync(tmp, dest); // exclusive: EEXIST rather than overwrite
        } finally {
          rmSync(tmp, { force: true });
        }
      }
      return dest;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue; // taken meanwhile: next name
      throw err;
    }
  }
}

/** True when process `pid` exists on this host (EPERM: it exists but belongs to another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files of atomic writes ({@link tempPathFor}'s names) in `dir` whose writer is
 * gone: its pid is not a live process on this host, or it is this process (a pid reused after a
 * restart, e.g. in a container; the caller has no write in flight in `dir` when it calls this).
 * Temp files of live writers (the lab service updating run.json meanwhile) are left alone. Other
 * files, and other temp names, are never touched.
 *
 * Call it only while no other process can be writing large files in `dir` under a dead pid's name,
 * i.e. while holding the lock of the files' owner (a run's training lock). A writer on another host
 * sharing the folder cannot be checked; its small, short-lived writes are the only ones at risk.
 *
 * @param dir the folder (not recursive); a missing folder has none
 * @param isAlive whether a pid is a live process (default `kill(pid, 0)`; a caller that can tell a
 *   zombie or a reused pid, e.g. from /proc, may pass a sharper test)
 * @returns the removed paths
 * @throws the file system's error other than a file already gone.
 */
export function removeStaleTempFiles(
  dir: string,
  isAlive: (pid: number) => boolean = processAlive,
): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid !== process.pid && isAlive(pid)) continue;
    const path = join(dir, name);
    rmSync(path, { force: true });
    removed.push(path);
  }
  return removed;
}
