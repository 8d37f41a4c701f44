/**
 * The command line starts light (issue #13 B7): `--help`, `list` and an unknown run load none of
 * tfjs, MuJoCo, Vega, DuckDB or PDFKit — each command imports what it needs when it runs. (The time
 * it takes is a benchmark, `skill-lab bench`'s cli_help_s, not a timed test.)
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from './test_helpers.ts';

const TRACE = fileURLToPath(new URL('testdata/trace_imports.mjs', import.meta.url));
const HEAVY = /@tensorflow|@mujoco|\/vega|@duckdb|\/pdfkit|\/three\//;

function loaded(args: string[]): { code: number | null; urls: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'sl-startup-'));
  const file = join(dir, 'imports.txt');
  writeFileSync(file, '');
  const r = spawnSync(process.execPath, ['--import', TRACE, BIN, '--workspace', join(dir, 'ws'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, TRACE_IMPORTS_FILE: file },
  });
  return { code: r.status, urls: readFileSync(file, 'utf8').split('\n').filter(Boolean) };
}

describe('command-line start', () => {
  it('--help, list, sweep --help and an unknown run load no heavy library', () => {
    for (const args of [['--help'], ['list'], ['sweep', '--help']]) {
      const { urls } = loaded(args);
      expect(urls.length, args.join(' ')).toBeGreaterThan(10); // the trace saw the CLI's own modules
      expect(
        urls.filter((u) => HEAVY.test(u)),
        args.join(' '),
      ).toEqual([]);
    }
    const eval_ = loaded(['eval', 'no-such-run']);
    expect(eval_.code).toBe(2);
    // eval imports its engine only once the run exists: an unknown run is refused light, too
    expect(eval_.urls.filter((u) => HEAVY.test(u))).toEqual([]);
  });
});
