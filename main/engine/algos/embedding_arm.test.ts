/**
 * The skill embedding on the arm and the transfer to an arm task (issue #11 §2), end to end through
 * runs: pre-training on a transfer task's family, an embedding controller over it on the transfer
 * task itself (goals drawn per episode by the task), and a stopped and resumed controller run that
 * ends exactly as an uninterrupted one (the arm's physics mid-episode in the checkpoint). Sized for
 * CI: these check the machinery; what the arm learns with a real budget is the README's benchmark.
 */
import { describe, expect, it } from 'vitest';
import { evaluateRun } from '../runs/evaluate.ts';
import { pinnedSkills } from '../runs/skill_pin.ts';
import {
  checkpointContents,
  createRun,
  stoppedAndResumed,
  tempStore,
  untrainedSkillRun,
  withoutWall,
} from '../runs/test_helpers.ts';
import { trainRun } from '../runs/trainer.ts';
import { resolveRunConfig, type RunRequest } from '../presets.ts';
import type { ControllerEvaluation } from './skill_controller.ts';
import type { EmbeddingInterpolation } from './skill_embedding_run.ts';

const SMALL_NETS = ['sac.hidden=[16,16]', 'embedding.inferenceHidden=[16]'];

/** A controller on `task` over `skills`, 2 envs, 20-step episodes (2 decisions of 10), tiny networks. */
function controller(skills: string, task: string, steps: number): RunRequest {
  return {
    algo: 'embedding-controller',
    preset: 'arm-skills',
    seed: 3,
    task,
    skillsFrom: skills,
    totalEnvSteps: steps,
    set: [
      'numEnvs=2',
      'episodeSteps=20',
      'stepsPerIteration=40',
      'updatesPerIteration=2',
      'checkpointEvery=2',
      'sac.learningStarts=40',
      'sac.batchSize=8',
      'skillController.hidden=[16,16]',
      'skillController.actions=sample',
      'skillController.evalEpisodes=3',
    ],
  };
}

describe('skill embedding on the arm, and transfer to an arm task', () => {
  it('pre-trains on the l-wall-push family and reports each of its five tasks', async () => {
    const store = tempStore();
    const run = createRun(store, {
      algo: 'skill-embedding',
      preset: 'arm-skills',
      seed: 1,
      totalEnvSteps: 400,
      set: [
        ...SMALL_NETS,
        'numEnvs=2',
        'episodeSteps=20',
        'updatesPerIteration=4',
        'sac.learningStarts=80',
        'sac.batchSize=16',
        'embedding.evalEpisodesPerTask=1',
      ],
    });
    const summary = await trainRun(run, { quiet: true });
    expect(summary.status).toBe('completed');
    const metrics = run.readMetrics();
    expect(Object.keys(metrics[metrics.length - 1])).toEqual(
      expect.arrayContaining(['success_task4', 'embedding_kl_min', 'reward_inference', 'inference_rmse']),
    );
    const report = (await evaluateRun(run, { quiet: true })) as unknown as {
      task_success: number[];
      success_radius: number;
      task_names: string[];
      interpolations: EmbeddingInterpolation[];
    };
    expect(report.task_success).toHaveLength(5);
    expect(report.success_radius).toBe(0.05);
    expect(report.task_names).toEqual(['push +x', 'push −x', 'push +y', 'push −y', 'lift']);
    // Every pair of the five tasks, eleven α each, from one block start per pair: the goals are that
    // start's, each trace poses the arm (qpos per step) and is judged by the goal it ends nearest.
    const interpolations = report.interpolations;
    expect(interpolations).toHaveLength(10);
    const { from, to, goals, traces } = interpolations[9];
    expect([from, to]).toEqual([3, 4]);
    expect(traces).toHaveLength(11);
    const start = traces[0].f[0];
    expect(goals).toHaveLength(5);
    goals!.forEach((g, k) => {
      const expected = [
        [0.1, 0, 0],
        [-0.1, 0, 0],
        [0, 0.1, 0],
        [0, -0.1, 0],
        [0, 0, 0.1],
      ][k];
      g.forEach((v, j) => expect(v! - start[j]!).toBeCloseTo(expected[j], 5));
    });
    for (const t of traces) {
      expect(t.qpos).toHaveLength(t.steps + 1);
      expect(t.qpos[0].length).toBeGreaterThan(9);
      expect(t.f[0]).toEqual(start); // every α from the same reset
      const end = t.f[t.steps];
      const dist = goals!.map((g) => Math.hypot(...g.map((v, j) => end[j]! - v!)));
      expect(t.final_distance).toBeCloseTo(Math.min(...dist), 5);
      expect(t.goal).toEqual(goals![dist.indexOf(Math.min(...dist))]);
    }
  }, 120_000);

  it('an embedding controller learns spring-wall over it: goals per episode, the block’s distance, the task’s success', async () => {
    const store = tempStore();
    const skills = await untrainedSkillRun(store, {
      algo: 'skill-embedding',
      preset: 'arm-skills',
      task: 'l-wall-push',
      set: SMALL_NETS,
    });
    const run = createRun(store, controller(skills.id, 'spring-wall', 160));
    expect((await trainRun(run, { quiet: true })).status).toBe('completed');
    const last = run.readMetrics().at(-1)!;
    expect(last.env_steps).toBe(160);
    expect(last.final_distance).toBeGreaterThan(0);
    const report = (await evaluateRun(run, { quiet: true })) as unknown as ControllerEvaluation;
    expect(report.episodes).toBe(3);
    expect(report.success_radius).toBe(0.05);
    expect(report.goal).toEqual([]);
    for (const t of report.traces) {
      // spring-wall's goals lie behind the wall: x ∈ [0.2, 0.3], y ∈ [0.08, 0.2] m, on the table.
      expect(t.goal).toHaveLength(3);
      expect(t.goal[0]).toBeGreaterThanOrEqual(0.2);
      expect(t.goal[1]).toBeGreaterThanOrEqual(0.08);
      expect(t.steps).toBe(20);
      // The block's x-y path, one point per env step and the reset.
      expect(t.f).toHaveLength(21);
      expect(t.segments).toHaveLength(2);
      expect(t.segments[0].skill).toHaveLength(3);
      expect(t.success).toBe(t.final_distance < 0.05);
    }
    // Its skills are the pinned copy of the embedding's π(a|s,z), 3-D z.
    const { source } = await pinnedSkills(run.readConfig(), run.path);
    expect(source.skills).toEqual({ kind: 'continuous', dim: 3 });
    source.dispose();
  }, 120_000);

  it('a stopped and resumed controller run on the arm ends exactly as an uninterrupted one', async () => {
    const store = tempStore();
    const skills = await untrainedSkillRun(store, {
      algo: 'skill-embedding',
      preset: 'arm-skills',
      task: 'rail-push',
      set: SMALL_NETS,
    });
    // Iterations of 40 env steps (2 envs × 2 decisions of 10): the stop after iteration 3 falls
    // mid-episode, between checkpoints, with the arm's physics and the sampling generator in flight.
    const req = controller(skills.id, 'rail-push', 240);
    const reference = createRun(store, req);
    expect((await trainRun(reference, { quiet: true })).iterations).toBe(6);
    const run = await stoppedAndResumed(store, req);
    expect(withoutWall(run.readMetrics())).toEqual(withoutWall(reference.readMetrics()));
    expect(await checkpointContents(run)).toEqual(await checkpointContents(reference));
  }, 180_000);

  it('refuses an arm controller or embedding without a task it can learn, naming what is allowed', () => {
    expect(() =>
      resolveRunConfig({ algo: 'embedding-controller', env: 'arm', skillsFrom: 'x', task: 'reach' }),
    ).toThrow(
      /task: embedding-controller on the arm learns a built-in arm task with one block: one of push, .*rail-push, got reach/,
    );
    expect(() => resolveRunConfig({ algo: 'skill-embedding', env: 'arm', task: 'push' })).toThrow(
      /task: skill-embedding on the arm pre-trains for a transfer task: one of l-wall-push, spring-wall, rail-push, got push/,
    );
    expect(() => resolveRunConfig({ algo: 'skill-embedding', env: 'arm' })).toThrow(/got none/);
    expect(() => resolveRunConfig({ algo: 'skill-controller', env: 'arm', skillsFrom: 'x' })).toThrow(
      /env: skill-controller reaches x-y goals on point-mass or ant, got arm/,
    );
  });
});
