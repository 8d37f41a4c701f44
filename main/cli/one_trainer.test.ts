import { describe, it, expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunDir } from '../engine/runs/store.ts';
import { lockPath, readLock } from '../engine/runs/lock.ts';
import { processAlive } from '../engine/runs/process_info.ts';
import { BIN, cli } from './test_helpers.ts';

/** SAC on the point mass in iterations of a few seconds (hundreds of updates each). */
const TRAIN = [
  'train',
  '--algo',
  'sac',
  '--preset',
  'point-mass',
  '--seed',
  '1',
  '--no-eval',
  '--set',
  'checkpointEvery=1',
  '--set',
  'sac.learningStarts=0',
  '--set',
  'stepsPerIteration=1000',
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  get: () => T | null | undefined | false,
  timeoutMs = 120_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The workspace's only run, once it has finished `iterations` iterations. */
async function firstRun(ws: string, iterations = 1): Promise<RunDir> {
  const runs = join(ws, 'runs');
  const id = await until('the run directory', () => existsSync(runs) && readdirSync(runs)[0]);
  const run = new RunDir(join(runs, id), id);
  await until(`iteration ${iterations}`, () => {
    try {
      return run.readRecord().iterations >= iterations;
    } catch {
      return false; // run.json not written yet
    }
  });
  return run;
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((r) => child.once('exit', (code) => r(code)));
}

/** env_steps strictly increasing and iterations 1, 2, … without gaps or repeats. */
function expectOneHistory(run: RunDir, iterations: number): void {
  const rows = run.readMetrics();
  expect(rows.map((r) => r.iteration)).toEqual(Array.from({ length: iterations }, (_, i) => i + 1));
  for (let i = 1; i < rows.length; i++) expect(rows[i].env_steps).toBeGreaterThan(rows[i - 1].env_steps);
}

describe('one trainer per run (command line)', () => {
  it('refuses `skill-lab resume` of a run that `skill-lab train` trains, naming it; one history results', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'skill-lab-cli-'));
    // Four iterations of seconds each: the second trainer and `list` start (seconds each) while it trains.
    const trainer = spawn(
      process.execPath,
      [BIN, '--workspace', ws, ...TRAIN, '--steps', '4000', '--set', 'updatesPerIteration=400'],
      { stdio: 'ignore' },
    );
    try {
      const run = await firstRun(ws);
      const second = cli(['resume', run.id, '--no-eval'], ws);
      expect(second.code).toBe(1);
      expect(second.err).toMatch(
        new RegExp(
          `^error: run ${run.id} is being trained by pid ${trainer.pid} on host ${hostname()} \\(skill-lab train, since \\d{4}-`,
        ),
      );
      expect(second.err).not.toMatch(/\n\s+at /); // no stack trace
      expect(cli(['list'], ws).out).toMatch(new RegExp(`${run.id}.*running `));

      expect(await exited(trainer)).toBe(0);
      expect(run.readRecord()).toMatchObject({ status: 'completed', envSteps: 4000 });
      expectOneHistory(run, 4);
      expect(existsSync(lockPath(run.path))).toBe(false);
    } finally {
      trainer.kill('SIGKILL');
    }
  });

  it('lists a run whose trainer was killed as gone, and resume takes its stale lock over with a note', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'skill-lab-cli-'));
    const trainer = spawn(
      process.execPath,
      [BIN, '--workspace', ws, ...TRAIN, '--steps', '3000', '--set', 'updatesPerIteration=300'],
      { stdio: 'ignore' },
    );
    const run = await firstRun(ws);
    trainer.kill('SIGKILL');
    await exited(trainer);
    expect(run.readRecord().status).toBe('running'); // it never got to say otherwise

    const list = cli(['list'], ws);
    expect(list.out).toContain(`running (process gone; resume with skill-lab resume ${run.id})`);
    const [listed] = JSON.parse(cli(['list', '--json'], ws).out);
    expect(listed.trainer).toMatchObject({ state: 'gone', pid: trainer.pid });
    expect(readLock(run.path)).toMatchObject({ kind: 'holder' }); // list only reads

    const resume = cli(['resume', run.id, '--no-eval'], ws);
    expect(resume.code, resume.err).toBe(0);
    expect(resume.err).toMatch(
      new RegExp(
        `took over the training lock of pid ${trainer.pid} on host ${hostname()} \\(skill-lab train, since`,
      ),
    );
    expect(run.readRecord()).toMatchObject({ status: 'completed', envSteps: 3000 });
    expectOneHistory(run, 3);
    expect(cli(['list'], ws).out).not.toContain('process gone');
  });

  it('stops `skill-lab train` within 2 s when the job that started it (npx’s npm exec) is SIGKILLed', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'skill-lab-cli-'));
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const command = [process.execPath, BIN, '--workspace', ws, ...TRAIN, '--steps', '2000']
      .concat(['--set', 'updatesPerIteration=1000'])
      .map(quote)
      .join(' ');
    // As `npx skill-lab train` runs: npm exec (the job's leader) → sh -c → node. The `exit` keeps
    // sh from exec-ing node, so the trainer's own parent (sh) outlives the killed leader.
    const wrapper = spawn(
      process.execPath,
      [
        '-e',
        `require('node:child_process').spawn('sh', ['-c', process.argv[1]], { stdio: 'ignore' }); setInterval(() => {}, 1000);`,
        `${command}; exit $?`,
      ],
      { stdio: 'ignore', detached: true },
    );
    let trainerPid = 0;
    try {
      const run = await firstRun(ws);
      const lock = readLock(run.path);
      if (lock.kind !== 'holder') throw new Error(`no lock held: ${JSON.stringify(lock)}`);
      trainerPid = lock.holder.pid;
      await sleep(500);
      expect(run.readRecord().iterations).toBe(1); // inside iteration 2

      const killed = performance.now();
      process.kill(wrapper.pid!, 'SIGKILL');
      await until('the trainer to end', () => !processAlive(trainerPid), 10_000);
      expect(performance.now() - killed).toBeLessThan(2000);
      expect(run.readRecord()).toMatchObject({
        status: 'stopped',
        error: expect.stringMatching(
          new RegExp(
            `^stopped during iteration 2, whose partial work was dropped: the job that started it \\(process group leader ${wrapper.pid}\\) is gone; to train on after a launcher ends, start it with setsid skill-lab …; resume continues from iteration 1`,
          ),
        ),
      });
      expect(existsSync(lockPath(run.path))).toBe(false);
    } finally {
      if (trainerPid && processAlive(trainerPid)) process.kill(trainerPid, 'SIGKILL');
      try {
        process.kill(-wrapper.pid!, 'SIGKILL'); // sh and anything else of that job
      } catch {
        // already gone
      }
    }
  });
});
