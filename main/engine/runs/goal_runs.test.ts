import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRun, tempStore } from './test_helpers.ts';
import { trainRun } from './trainer.ts';
import { evaluateRun } from './evaluate.ts';
import { RELABEL_REQUEST_FILE, requestRelabeling } from './relabel_control.ts';
import { builtinTask, serializeTaskSpec } from '../tasks/index.ts';

/** A goal-sac run small enough for a unit test: a few iterations of 2 × 2 episodes. */
const TINY = [
  'numEnvs=2',
  'updatesPerIteration=4',
  'checkpointEvery=2',
  'sac.hidden=[16,16]',
  'sac.batchSize=32',
  'sac.learningStarts=0',
  'her.evalEpisodes=4',
];

describe('goal-sac runs', () => {
  it('train on a built-in task kept in the run directory, switch relabeling mid-run, evaluate', async () => {
    const store = tempStore();
    const run = createRun(store, {
      algo: 'goal-sac',
      env: 'point-mass',
      task: 'point-mass-reach',
      totalEnvSteps: 800,
      set: TINY,
    });
    let iterations = 0;
    await trainRun(run, {
      quiet: true,
      onIteration: () => {
        // Asked for after the second iteration: applied before the third.
        if (++iterations === 2) requestRelabeling(run, 'final', 2);
      },
    });
    expect(existsSync(join(run.path, RELABEL_REQUEST_FILE))).toBe(false); // consumed
    const task = JSON.parse(readFileSync(join(run.path, 'task.json'), 'utf8'));
    expect(task.name).toBe('point-mass-reach');

    const rows = readFileSync(run.metricsPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.length).toBe(4); // 4 iterations × 2 envs × 2 episodes × 50 steps = 800
    // metrics.jsonl holds the strategies by name (issue #13 B3)
    const strategies = rows.map((r) => r.relabel_strategy);
    expect(strategies).toEqual(['future', 'future', 'final', 'final']);
    expect(rows.map((r) => r.relabel_k)).toEqual([4, 4, 2, 2]);
    // Relabeled transitions are counted by the strategy that produced them.
    expect(rows[0].relabel_future).toBeGreaterThan(0);
    expect(rows[3].relabel_future).toBe(0);
    expect(rows[3].relabel_final).toBeGreaterThan(0);

    const report = await evaluateRun(run);
    expect(report).toMatchObject({
      algo: 'goal-sac',
      env: 'point-mass',
      task: 'point-mass-reach',
      skills: [],
    });
    expect(report.success_rate).toBeGreaterThanOrEqual(0);
    expect(report.relabel_switches).toBe(1);
    expect(JSON.parse(readFileSync(join(run.evalDir, 'summary.json'), 'utf8')).episodes).toBe(4);
  });

  it('trains bit flipping without a task; refuses relabeling of skill runs and bad settings', async () => {
    const store = tempStore();
    const run = createRun(store, {
      algo: 'goal-sac',
      env: 'bit-flip',
      totalEnvSteps: 120,
      set: [...TINY, 'her.bits=6'],
    });
    const record = await trainRun(run, { quiet: true });
    expect(record.status).toBe('completed');
    expect(() => requestRelabeling(run, 'sideways', 4)).toThrow(/none, final, future, episode, random/);
    const skills = createRun(store, { algo: 'diayn', preset: 'point-mass', totalEnvSteps: 100 });
    expect(() => requestRelabeling(skills, 'final', 4)).toThrow(/goal-sac and multitask-sac runs only/);
  });

  it('takes a workspace task by name and refuses one for another robot', async () => {
    const store = tempStore();
    mkdirSync(join(store.root, 'tasks'), { recursive: true });
    const spec = { ...builtinTask('reach'), name: 'my-reach' };
    writeFileSync(join(store.root, 'tasks', 'my-reach.json'), serializeTaskSpec(spec));
    const mine = createRun(store, {
      algo: 'goal-sac',
      env: 'arm',
      task: 'my-reach',
      totalEnvSteps: 100,
      set: TINY,
    });
    expect((await trainRun(mine, { quiet: true })).status).toBe('completed');
    expect(JSON.parse(readFileSync(join(mine.path, 'task.json'), 'utf8')).name).toBe('my-reach');

    const wrong = createRun(store, {
      algo: 'goal-sac',
      env: 'point-mass',
      task: 'reach',
      totalEnvSteps: 100,
    });
    await expect(trainRun(wrong, { quiet: true })).rejects.toThrow(
      /for the arm, but the run's env is point-mass/,
    );
    expect(wrong.readRecord()).toMatchObject({ status: 'error' });
  });

  it('train multi-task SAC on the multi-goal point mass and evaluate it per task', async () => {
    const store = tempStore();
    const run = createRun(store, {
      algo: 'multitask-sac',
      env: 'point-mass',
      totalEnvSteps: 400,
      set: [
        ...TINY.filter((a) => !a.startsWith('her.')),
        'multitask.tasks=3',
        'multitask.relabelStrategy=all',
      ],
    });
    let iterations = 0;
    const record = await trainRun(run, {
      quiet: true,
      onIteration: () => {
        if (++iterations === 1) requestRelabeling(run, 'hipi', 0.25);
      },
    });
    expect(record.status).toBe('completed');
    const rows = readFileSync(run.metricsPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows[0]).toMatchObject({ relabel_ratio: 0.5 });
    // Switched to HIPI on a quarter of each batch from the second iteration on.
    expect(rows.at(-1)).toMatchObject({ env_steps: 400, relabel_ratio: 0.25 });
    expect(rows.at(-1).relabel_strategy).toBe('hipi');
    const report = await evaluateRun(run);
    expect(report).toMatchObject({ algo: 'multitask-sac', env: 'point-mass', skills: [] });
    expect(report.task_success).toHaveLength(3);
    expect(report.episodes).toBeGreaterThan(0);
  });
});
