/** Helpers for tests that run the `skill-lab` command as a user does: a child process of its bin. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { fileURLToPath } from 'node:url';

/** The command's entry point, bin/skill-lab.js (run it with process.execPath). */
export const BIN = fileURLToPath(new URL('../../bin/skill-lab.js', import.meta.url));

/** What a finished command left: its exit code (null when it was killed), stdout and stderr. */
export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs `skill-lab --workspace <workspace> <args…>` to its end; killed after 5 minutes (code null).
 */
export function cli(args: string[], workspace: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, '--workspace', workspace, ...args], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * A fresh workspace (temp folder named by `prefix`) with a DADS and a DIAYN run on the point mass,
 * each trained 1000 env steps by `skill-lab train --no-eval`: what commands that read skill runs
 * are tested on.
 * @throws Error with the command's stderr when a training fails.
 */
export function briefSkillRuns(prefix: string): { ws: string; dads: string; diayn: string } {
  const ws = mkdtempSync(join(tmpdir(), prefix));
  const brief = ['--preset', 'point-mass', '--steps', '1000', '--no-eval'];
  for (const algo of ['dads', 'diayn']) {
    const r = cli(['train', '--algo', algo, ...brief], ws);
    if (r.code !== 0) throw new Error(`skill-lab train --algo ${algo} exited with ${r.code}: ${r.err}`);
  }
  const [dads, diayn] = readdirSync(join(ws, 'runs')).sort();
  return { ws, dads, diayn };
}

/**
 * Runs each command of `refusals` in `workspace` and checks that it is refused as a user's mistake:
 * exit code 2, stderr matching its message, no stack trace, and before the compute backend started.
 */
export function expectRefusals(workspace: string, refusals: Array<[string[], RegExp]>): void {
  for (const [args, message] of refusals) {
    const bad = cli(args, workspace);
    expect(bad.code, args.join(' ')).toBe(2);
    expect(bad.err).toMatch(message);
    expect(bad.err).not.toMatch(/\n\s+at /); // no stack trace for a user's mistake
    expect(bad.err).not.toMatch(/compute backend/); // refused before anything heavy started
  }
}
