import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  keepAsideSync,
  removeStaleTempFiles,
  replaceSync,
  tempPathFor,
  writeFileAtomic,
  writeFileAtomicSync,
} from './atomic.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'skill-lab-atomic-'));

describe('atomic writes', () => {
  it('replace the target, create the directory and leave no temp file', async () => {
    const d = dir();
    await writeFileAtomic(join(d, 'sub', 'f.bin'), [Buffer.from('ab'), Buffer.from('cd')]);
    await writeFileAtomic(join(d, 'sub', 'f.bin'), 'two');
    writeFileAtomicSync(join(d, 'sub', 'g.txt'), 'three');
    expect(readFileSync(join(d, 'sub', 'f.bin'), 'utf8')).toBe('two');
    expect(readdirSync(join(d, 'sub')).sort()).toEqual(['f.bin', 'g.txt']);
  });

  it('remove their temp file when the rename fails and leave the target as it was', async () => {
    const d = dir();
    mkdirSync(join(d, 'target'));
    // Renaming a file over a non-empty directory fails.
    writeFileSync(join(d, 'target', 'x'), '');
    await expect(writeFileAtomic(join(d, 'target'), 'data')).rejects.toThrow();
    expect(() => writeFileAtomicSync(join(d, 'target'), 'data')).toThrow();
    expect(readdirSync(d)).toEqual(['target']);
  });

  it('keep the replaced file as the previous version when asked (rotation)', async () => {
    const d = dir();
    const [f, prev] = [join(d, 'c.bin'), join(d, 'c.prev.bin')];
    await writeFileAtomic(f, 'v1', { previous: prev });
    expect(existsSync(prev)).toBe(false); // nothing to keep yet
    await writeFileAtomic(f, 'v2', { previous: prev });
    expect([readFileSync(f, 'utf8'), readFileSync(prev, 'utf8')]).toEqual(['v2', 'v1']);
    await writeFileAtomic(f, [Buffer.from('v'), Buffer.from('3')], { previous: prev });
    expect([readFileSync(f, 'utf8'), readFileSync(prev, 'utf8')]).toEqual(['v3', 'v2']);
    expect(readdirSync(d).sort()).toEqual(['c.bin', 'c.prev.bin']);
    // The previous version is its own file, not a name that follows the latest.
    replaceSync(f, prev);
    expect([readFileSync(f, 'utf8'), readFileSync(prev, 'utf8')]).toEqual(['v2', 'v2']);
    await writeFileAtomic(f, 'v4', { previous: prev });
    expect([readFileSync(f, 'utf8'), readFileSync(prev, 'utf8')]).toEqual(['v4', 'v2']);
  });

  it('keep a file aside under a new name, never overwriting an earlier one', () => {
    const d = dir();
    const f = join(d, 'metrics.jsonl');
    writeFileSync(f, 'first');
    expect(keepAsideSync(f, 'damaged-x')).toBe(`${f}.damaged-x`);
    writeFileAtomicSync(f, 'second');
    expect(keepAsideSync(f, 'damaged-x')).toBe(`${f}.damaged-x-2`);
    expect(readFileSync(`${f}.damaged-x`, 'utf8')).toBe('first');
    expect(readFileSync(`${f}.damaged-x-2`, 'utf8')).toBe('second');
    expect(() => keepAsideSync(join(d, 'missing'), 'damaged-x')).toThrow(/ENOENT/);
  });

  it('remove the temp files of dead writers only', () => {
    const d = dir();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = [`.checkpoint.bin.${dead}.0123abcd.tmp`, `.run.json.${dead}.ffffffff.tmp`];
    // This process's own names count as stale: nothing of its own is in flight when it cleans up.
    const own = tempPathFor(join(d, 'metrics.jsonl'));
    const live = `.run.json.${process.ppid}.00000000.tmp`; // the parent (test runner) lives
    const others = ['checkpoint.bin', '.hidden', `.episodes-20260101.0123abcd.tmp`, `x.${dead}.0123abcd.tmp`];
    for (const name of [...stale, live, ...others]) writeFileSync(join(d, name), 'x');
    writeFileSync(own, 'x');
    const removed = removeStaleTempFiles(d);
    expect(removed.sort()).toEqual([...stale.map((n) => join(d, n)), own].sort());
    expect(readdirSync(d).sort()).toEqual([live, ...others].sort());
    expect(removeStaleTempFiles(join(d, 'no-such-dir'))).toEqual([]);
  });
});
