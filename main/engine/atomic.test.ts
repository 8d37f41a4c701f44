import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from './atomic.ts';

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
});
