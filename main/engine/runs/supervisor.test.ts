/**
 * The run-process supervisor: with real run processes (worker.ts) on tiny runs, and with a stand-in
 * process handle for the ends that are hard to provoke on time (malformed messages, a signal, an
 * error message before the exit, a stop while evaluating, a failed start, a lost lock).
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireRunLock } from './lock.ts';
import type { ProgressMessage, RolloutMessage } from './protocol.ts';
import type { RunProcessHandle } from './spawn.ts';
import type { RunDir } from './store.ts';
import { RunSupervisor, type RunProcessEnd } from './supervisor.ts';
import { createRun, tempStore } from './test_helpers.ts';

/** Hyperparameters for runs of a few seconds (four iterations of 250 env steps). */
const TINY = [
  'stepsPerIteration=250',
  'sac.learningStarts=0',
  'updatesPerIteration=20',
  'diayn.discriminatorSteps=20',
  'dads.dynamicsSteps=5',
  'eval.rolloutsPerSkill=2',
];

function tinyRun(totalEnvSteps = 1000, algo: 'diayn' | 'dads' = 'diayn', store = tempStore()): RunDir {
  return createRun(store, { algo, preset: 'point-mass', seed: 3, totalEnvSteps, set: TINY });
}

/** A run process's handle as a test drives it: messages, exit and start failure on demand. */
class FakeHandle extends EventEmitter implements RunProcessHandle {
  pid: number | undefined = 4242;
  connected = true;
  exitCode: number | null = null;
  readonly sent: object[] = [];
  readonly signals: NodeJS.Signals[] = [];

  send(message: object): boolean {
    this.sent.push(message);
    return true;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.signals.push(signal);
    return true;
  }

  /** The process says something. */
  say(message: unknown): void {
    this.emit('message', message);
  }

  /** The process ends. */
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.connected = false;
    this.exitCode = code;
    this.emit('exit', code, signal);
  }
}

/** A supervisor whose processes are fake handles; its log lines are collected. */
function fakeSupervisor() {
  const handles: FakeHandle[] = [];
  const log: string[] = [];
  const supervisor = new RunSupervisor({
    spawnRun: () => {
      const handle = new FakeHandle();
      handles.push(handle);
      return handle;
    },
    log: (line) => log.push(line),
  });
  return { supervisor, handles, log };
}

const progress = (iteration: number): ProgressMessage => ({
  type: 'progress',
  runId: 'r',
  iteration,
  envSteps: iteration * 250,
  totalEnvSteps: 1000,
  stepsPerSecond: 300,
  row: { iteration, env_steps: iteration * 250, wall_s: iteration, alpha: 0.1 },
});

describe('run supervisor with real run processes', () => {
  it('trains, previews and evaluates a run, relaying typed messages, and ends it as ok', async () => {
    const run = tinyRun();
    const supervisor = new RunSupervisor();
    const proc = supervisor.train(run, { evaluate: true, preview: true });
    expect(run.readRecord()).toMatchObject({ status: 'running', pid: proc.pid });
    expect(supervisor.get(run.id)).toBe(proc);
    const seen: string[] = [];
    const rows: number[] = [];
    const runIds = new Set<string>();
    const rollouts: RolloutMessage[] = [];
    const activityAtEval: string[] = [];
    proc.on('progress', (m) => {
      seen.push(m.type);
      rows.push(m.row.iteration);
      runIds.add(m.runId);
    });
    proc.on('rollout', (m) => void rollouts.push(m));
    proc.on('evaluating', () => {
      seen.push('evaluating');
      activityAtEval.push(proc.activity);
    });
    proc.on('eval', () => void seen.push('eval'));
    proc.on('done', (m) => void seen.push(`done ${m.status}`));
    let inRegistryAtEnd: boolean | null = null;
    proc.onEnd(() => void (inRegistryAtEnd = supervisor.get(run.id) !== undefined));

    const end = await proc.ended;
    expect(end).toMatchObject({ outcome: 'ok', reason: null, code: 0, signal: null, status: 'completed' });
    expect(end.errorText).toBeNull();
    expect(end.report).toMatchObject({ run: run.id, algo: 'diayn', rollouts_per_skill: 2 });
    expect(end.report!.skills).toHaveLength(4);
    expect(seen).toEqual([
      'progress',
      'progress',
      'progress',
      'progress',
      'evaluating',
      'eval',
      'done completed',
    ]);
    expect(rows).toEqual([1, 2, 3, 4]);
    expect([...runIds]).toEqual([run.id]);
    expect(activityAtEval).toEqual(['evaluating']);
    expect(rollouts.map((r) => r.skill)).toEqual([0, 1, 2, 3]);
    expect(rollouts[0]).toMatchObject({ env: 'point-mass', iteration: 1, dt: 0.05 });
    expect(inRegistryAtEnd).toBe(false);
    expect(supervisor.runIds()).toEqual([]);
    expect(run.readRecord()).toMatchObject({ status: 'completed', error: null });
  });

  it('stops a training process with a checkpoint, then evaluates the stopped run in a process of its own', async () => {
    const run = tinyRun(50_000, 'dads');
    const supervisor = new RunSupervisor();
    const proc = supervisor.train(run, { evaluate: true });
    let stopAsked = false;
    proc.on('progress', () => {
      if (!stopAsked) stopAsked = proc.requestStop();
    });
    const end = await proc.ended;
    expect(stopAsked).toBe(true);
    expect(proc.activity).toBe('stopping');
    expect(end).toMatchObject({ outcome: 'ok', reason: null, code: 0, status: 'stopped', report: null });
    const stopped = run.readRecord();
    expect(stopped).toMatchObject({ status: 'stopped', error: null });
    expect(stopped.envSteps).toBeLessThan(50_000);

    const evaluation = supervisor.evaluate(run, { rollouts: 1 });
    expect(evaluation.activity).toBe('evaluating');
    expect(evaluation.requestStop()).toBe(false); // evaluations are not stopped, only ended
    const evaluated = await evaluation.ended;
    expect(evaluated).toMatchObject({ outcome: 'ok', code: 0, status: 'stopped' });
    expect(evaluated.report).toMatchObject({ run: run.id, algo: 'dads', rollouts_per_skill: 1 });
    expect(run.readRecord().status).toBe('stopped'); // an evaluation leaves the training's record alone
  });

  it('records a run process killed mid-training as an error with how it ended', async () => {
    const run = tinyRun(50_000);
    const supervisor = new RunSupervisor();
    const proc = supervisor.train(run, { evaluate: false });
    proc.on('progress', () => proc.kill('SIGKILL'));
    const end = await proc.ended;
    const reason = `run process exited with signal SIGKILL (log: ${join(run.path, 'worker.log')})`;
    expect(end).toMatchObject({ outcome: 'failed', code: null, signal: 'SIGKILL', reason, errorText: null });
    expect(run.readRecord()).toMatchObject({ status: 'error', error: reason, pid: null });
  });
});

describe('run supervisor, edge cases (stand-in process)', () => {
  it('logs and ignores malformed messages, keeps relaying valid ones, and survives a throwing listener', async () => {
    const { supervisor, handles, log } = fakeSupervisor();
    const run = tinyRun();
    const proc = supervisor.train(run, { evaluate: false });
    const [handle] = handles;
    const rows: number[] = [];
    proc.on('progress', () => {
      throw new Error('a broken progress bar');
    });
    proc.on('progress', (m) => void rows.push(m.iteration));
    let errors = 0;
    proc.on('error', () => void errors++);

    handle.say(null);
    handle.say('hello');
    handle.say({ type: 'launch-rockets' });
    handle.say({ ...progress(1), envSteps: 'many' });
    handle.say({ ...progress(1), row: { iteration: 1, env_steps: 250 } });
    handle.say({ type: 'error' });
    handle.say({ type: 'done', status: 'sleeping' });
    handle.say(progress(1));
    expect(rows).toEqual([1]);
    expect(errors).toBe(0);
    expect(log).toHaveLength(8); // 7 malformed messages, 1 failing listener
    expect(log[0]).toMatch(
      new RegExp(`^run ${run.id}: ignored a malformed message from its process: .*\\(got null\\)$`),
    );
    expect(log[2]).toMatch(/type: .*\(got \{"type":"launch-rockets"\}\)/);
    expect(log[3]).toMatch(/envSteps: .*expected number/);
    expect(log[4]).toMatch(/row\.wall_s: /);
    expect(log[5]).toMatch(/message: .*expected string/);
    expect(log[6]).toMatch(/status: /);
    expect(log[7]).toMatch(/a progress listener failed: Error: a broken progress bar/);

    handle.say({ type: 'done', status: 'completed' });
    run.update({ status: 'completed' }); // what the worker writes before saying done
    handle.exit(0);
    expect(await proc.ended).toMatchObject({ outcome: 'ok', status: 'completed', errorText: null });
  });

  it('an exit by signal while run.json says running records an error naming the signal', async () => {
    const { supervisor, handles } = fakeSupervisor();
    const run = tinyRun();
    const proc = supervisor.train(run, { evaluate: true });
    handles[0].say(progress(1));
    handles[0].exit(null, 'SIGSEGV');
    const end = await proc.ended;
    const reason = `run process exited with signal SIGSEGV (log: ${join(run.path, 'worker.log')})`;
    expect(end).toMatchObject({ outcome: 'failed', signal: 'SIGSEGV', code: null, reason });
    expect(run.readRecord()).toMatchObject({ status: 'error', error: reason, pid: null });
  });

  it('the worker’s error message, then its exit, make the reason; a code 0 without an end is an error too', async () => {
    const { supervisor, handles } = fakeSupervisor();
    const run = tinyRun();
    const proc = supervisor.train(run, { evaluate: false });
    handles[0].say({ type: 'error', message: 'checkpoint.bin: not a tensor file' });
    expect(proc.errorText).toBe('checkpoint.bin: not a tensor file');
    handles[0].exit(1);
    expect(await proc.ended).toMatchObject({
      outcome: 'failed',
      code: 1,
      reason: 'checkpoint.bin: not a tensor file',
      errorText: 'checkpoint.bin: not a tensor file',
    });
    expect(run.readRecord()).toMatchObject({ status: 'error', error: 'checkpoint.bin: not a tensor file' });

    // The worker recorded the error itself (trainer.ts does): its record is kept, not overwritten.
    const again = supervisor.train(run, { evaluate: false });
    run.update({ status: 'error', error: 'NaN in the critic loss at iteration 3' });
    handles[1].say({ type: 'error', message: 'NaN in the critic' });
    handles[1].exit(1);
    expect(await again.ended).toMatchObject({
      outcome: 'failed',
      reason: 'NaN in the critic loss at iteration 3',
    });

    const silent = supervisor.train(run, { evaluate: false });
    handles[2].exit(0);
    expect(await silent.ended).toMatchObject({
      outcome: 'failed',
      reason: `run process exited (code 0) without recording an end (log: ${join(run.path, 'worker.log')})`,
    });
  });

  it('a stop during evaluation does not stop it; ending it is SIGTERM, and an evaluation without a report failed', async () => {
    const { supervisor, handles } = fakeSupervisor();
    const run = tinyRun();
    const proc = supervisor.train(run, { evaluate: true });
    const handle = handles[0];
    handle.say(progress(4));
    run.update({ status: 'completed' });
    handle.say({ type: 'evaluating' });
    expect(proc.activity).toBe('evaluating');
    expect(proc.requestStop()).toBe(false);
    expect(handle.sent).toEqual([]);
    expect(handle.signals).toEqual([]);
    proc.shutdown();
    expect(handle.signals).toEqual(['SIGTERM']);
    handle.exit(null, 'SIGTERM');
    expect(await proc.ended).toMatchObject({
      outcome: 'evaluation-failed',
      reason: 'its process exited with signal SIGTERM',
      report: null,
    });
    expect(run.readRecord()).toMatchObject({ status: 'completed', error: null });

    // An evaluation-only process that failed with its own message.
    const evaluation = supervisor.evaluate(run);
    handles[1].say({ type: 'evaluating' });
    handles[1].say({ type: 'error', message: 'no checkpoint' });
    handles[1].exit(1);
    expect(await evaluation.ended).toMatchObject({ outcome: 'evaluation-failed', reason: 'no checkpoint' });
    expect(run.readRecord().status).toBe('completed');
  });

  it('a training stop is the stop message (SIGINT without a channel), once; a stopping run does not turn to evaluating', async () => {
    const { supervisor, handles } = fakeSupervisor();
    const run = tinyRun();
    const proc = supervisor.train(run, { evaluate: true });
    expect(proc.requestStop()).toBe(true);
    expect(proc.activity).toBe('stopping');
    expect(proc.requestStop()).toBe(false);
    expect(handles[0].sent).toEqual([{ type: 'stop' }]);
    handles[0].say({ type: 'evaluating' });
    expect(proc.activity).toBe('stopping');
    run.update({ status: 'stopped' });
    handles[0].say({ type: 'done', status: 'stopped' });
    handles[0].exit(0);
    expect(await proc.ended).toMatchObject({ outcome: 'ok', status: 'stopped' });

    const other = supervisor.train(run, { evaluate: false });
    handles[1].connected = false;
    other.requestStop();
    expect(handles[1].sent).toEqual([]);
    expect(handles[1].signals).toEqual(['SIGINT']);
    handles[1].exit(null, 'SIGINT');
    await other.ended;
  });

  it('a process that never started fails its run with why; one that lost the lock leaves the run alone', async () => {
    const { supervisor, handles } = fakeSupervisor();
    const run = tinyRun();
    const proc = supervisor.train(run, { evaluate: false });
    handles[0].pid = undefined;
    handles[0].emit('error', new Error('spawn /usr/bin/node ENOENT'));
    const reason = 'could not start the run process: spawn /usr/bin/node ENOENT';
    expect(await proc.ended).toMatchObject({ outcome: 'failed', code: 1, reason, errorText: reason });
    expect(run.readRecord()).toMatchObject({ status: 'error', error: reason });
    handles[0].exit(1); // a late exit changes nothing
    expect(supervisor.runIds()).toEqual([]);

    // This test process holds the lock, as a `skill-lab resume` in a terminal would.
    const lock = acquireRunLock(run.path, run.id, 'skill-lab resume');
    try {
      run.update({ status: 'running', error: null, pid: process.pid });
      const loser = supervisor.train(run, { evaluate: false });
      run.update({ pid: process.pid }); // the winner's record
      handles[1].exit(1);
      const end = await loser.ended;
      expect(end.outcome).toBe('lost-lock');
      expect(end.reason).toMatch(
        new RegExp(`^run ${run.id} is being trained by pid ${process.pid} .*skill-lab resume`),
      );
      expect(run.readRecord()).toMatchObject({ status: 'running', error: null, pid: process.pid });
    } finally {
      lock.release();
    }
  });

  it('an abandoned process is killed and nothing of its end is recorded; end handlers run in order after the record', async () => {
    const { supervisor, handles, log } = fakeSupervisor();
    const run = tinyRun();
    const proc = supervisor.train(run, { evaluate: false });
    expect(() => supervisor.train(run, { evaluate: false })).toThrow(/already has a process \(training\)/);
    const order: string[] = [];
    proc.onEnd(async (end: RunProcessEnd) => {
      await new Promise((r) => setTimeout(r, 20));
      order.push(`first ${end.outcome}`);
    });
    proc.onEnd(() => {
      order.push('second');
      throw new Error('a broken handler');
    });
    proc.abandon();
    expect(proc.abandoned).toBe(true);
    expect(handles[0].signals).toEqual(['SIGKILL']);
    handles[0].exit(null, 'SIGKILL');
    expect(await proc.ended).toMatchObject({ outcome: 'abandoned', reason: null });
    expect(order).toEqual(['first abandoned', 'second']);
    expect(log).toEqual([expect.stringMatching(/an end handler failed: Error: a broken handler/)]);
    expect(run.readRecord()).toMatchObject({ status: 'running', error: null });
  });

  it('stopAll stops training, ends evaluations and kills what is left after the deadline', async () => {
    const { supervisor, handles } = fakeSupervisor();
    // Run ids are unique within a workspace, which is what a supervisor serves.
    const store = tempStore();
    const training = supervisor.train(tinyRun(1000, 'diayn', store), { evaluate: false });
    const evaluating = supervisor.evaluate(tinyRun(1000, 'diayn', store));
    const all = supervisor.stopAll({ killAfterMs: 50 });
    expect(handles[0].sent).toEqual([{ type: 'stop' }]);
    expect(handles[1].signals).toEqual(['SIGTERM']);
    handles[1].exit(null, 'SIGTERM');
    await evaluating.ended;
    await new Promise((r) => setTimeout(r, 100));
    expect(handles[0].signals).toEqual(['SIGKILL']);
    expect(handles[1].signals).toEqual(['SIGTERM']); // ended: not killed again
    handles[0].exit(null, 'SIGKILL');
    await all;
    expect((await training.ended).outcome).toBe('failed');
    expect(supervisor.runIds()).toEqual([]);
  });
});
