/**
 * The command line's rough edges a new user hit (issue #13 B7): a user's mistake is its message
 * alone (exit 2, no stack trace), and a run that trained past its budget says why.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, expectRefusals } from './test_helpers.ts';

describe('command-line messages', () => {
  it('says why a run ended past its budget, and refuses mistakes without a stack trace', () => {
    const ws = mkdtempSync(join(tmpdir(), 'sl-user-errors-'));
    const r = cli(
      [
        'train',
        '--algo',
        'diayn',
        '--preset',
        'point-mass',
        '--steps',
        '1100',
        '--set',
        'updatesPerIteration=10',
        '--no-eval',
      ],
      ws,
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /completed 1500 env steps in \d+ s \(the budget is 1100: an iteration collects 500 env steps, and the last one is not cut short\)/,
    );
    const [run] = readdirSync(join(ws, 'runs'));
    expectRefusals(ws, [
      [['curves', run, '--metric', 'nope'], /no run reports nope; the runs report: .*intrinsic_reward/],
      [['compare', '--preset', 'arm-reach'], /preset "arm-reach" must configure both diayn and dads/],
      [['serve', '--port', '70000'], /--port must be an integer in 0–65535/],
      [['plan', run, '--goal', '1,x'], /--goal #1: "1,x" is not a point X,Y/],
    ]);
  });
});
