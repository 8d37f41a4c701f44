import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../native/backend.ts';
import { Rng } from '../rng.ts';
import { createMultiGoalPointEnv } from '../sim/multi_goal_env.ts';
import { TASK_SOURCES } from '../replay/task_relabel.ts';
import { MultitaskSac, type MultitaskSacOptions } from './multitask_sac.ts';
import { restoredCopy, sideBySide, SMALL_OPTIONS } from './test_helpers.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

/** A small, fast configuration: 2 envs × one 50-step episode per iteration on the 4-goal point mass. */
function small(overrides: Partial<MultitaskSacOptions> = {}): Promise<MultitaskSac> {
  return MultitaskSac.create((i) => createMultiGoalPointEnv({ seed: 20 + i, radius: 0.25 }), {
    ...SMALL_OPTIONS,
    learningStarts: 150,
    replayCapacity: 1000,
    airCacheSize: 20,
    ...overrides,
  });
}

describe('MultitaskSac', () => {
  it('reports relabel counts per strategy and records switches with their env step', async () => {
    const algo = await small({ relabel: { strategy: 'random', ratio: 0.5 } });
    const m1 = await algo.iterate(); // 100 env steps < learningStarts: no updates
    expect(m1.updates).toBe(0);
    expect(m1.relabel_share).toBe(0);
    const m2 = await algo.iterate();
    expect(m2.updates).toBe(4);
    expect([m2.relabel_random, m2.relabel_original]).toEqual([64, 64]);
    expect(m2.relabel_share).toBe(0.5);
    expect(m2.relabel_changed_share).toBeGreaterThan(0);
    expect(m2.relabel_changed_share).toBeLessThanOrEqual(0.5);
    expect(m2.relabel_strategy).toBe(1);
    expect(m2.relabel_ratio).toBe(0.5);
    for (const key of ['success_rate', 'episode_return', 'critic_loss', 'actor_loss', 'alpha', 'entropy'])
      expect(Number.isFinite(m2[key])).toBe(true);
    expect(m2.episode_length).toBe(50);
    const perTask = Object.keys(m2).filter((k) => k.startsWith('success_task'));
    expect(perTask.length).toBeGreaterThan(0);

    algo.setRelabeling('all', 1);
    const m3 = await algo.iterate();
    expect([m3.relabel_all, m3.relabel_original]).toEqual([128, 0]);
    // Each transition appears under all 4 tasks, one of them its own: 3 of 4 rows change task.
    expect(m3.relabel_changed_share).toBe(0.75);
    algo.setRelabeling('highest-return', 0.25);
    const m4 = await algo.iterate();
    expect([m4.relabel_highest_return, m4.relabel_original]).toEqual([32, 96]);
    algo.setRelabeling('hipi', 1);
    const m5 = await algo.iterate();
    expect(m5.relabel_hipi).toBe(128);
    algo.setRelabeling('none', 0.9);
    const m6 = await algo.iterate();
    expect([m6.relabel_share, m6.relabel_original]).toEqual([0, 128]);
    expect(algo.switchLog).toEqual([
      { envStep: 0, strategy: 'random', ratio: 0.5 },
      { envStep: 200, strategy: 'all', ratio: 1 },
      { envStep: 300, strategy: 'highest-return', ratio: 0.25 },
      { envStep: 400, strategy: 'hipi', ratio: 1 },
      { envStep: 500, strategy: 'none', ratio: 0 },
    ]);
    expect(() => algo.setRelabeling('future' as never, 1)).toThrow(/unknown task relabel strategy/);
    expect(algo.switchLog.length).toBe(5);
    algo.dispose();
  });

  it('samples batches whose rewards are the chosen task’s reward, with each strategy’s tasks', async () => {
    const algo = await small({ batchSize: 40 });
    await algo.iterate();
    await algo.iterate();
    const family = algo.family;
    const check = (strategy: Parameters<MultitaskSac['setRelabeling']>[0], ratio: number) => {
      algo.setRelabeling(strategy, ratio);
      const b = algo.sampleBatch(new Rng(7));
      const one = (r: number) => family.evaluate([b.task[r]], b.nextAchievedGoal.slice(2 * r, 2 * r + 2));
      for (let r = 0; r < b.size; r++) {
        expect(b.reward[r]).toBe(one(r).reward[0]);
        expect(b.success[r]).toBe(one(r).success[0]);
      }
      const relabeled = Math.floor(40 * ratio);
      for (let r = relabeled; r < b.size; r++) {
        expect(b.task[r]).toBe(b.originalTask[r]);
        expect(b.source[r]).toBe(0);
      }
      for (let r = 0; r < relabeled; r++) expect(TASK_SOURCES[b.source[r]]).toBe(strategy);
      return b;
    };
    const none = check('none', 0);
    expect([...none.task]).toEqual([...none.originalTask]);
    const all = check('all', 1);
    for (let j = 0; j < 10; j++) {
      const rows = [0, 1, 2, 3].map((i) => 4 * j + i);
      expect(rows.map((r) => all.task[r])).toEqual([0, 1, 2, 3]);
      for (const r of rows.slice(1)) {
        expect([...all.observation.slice(4 * r, 4 * r + 4)]).toEqual([
          ...all.observation.slice(16 * j, 16 * j + 4),
        ]);
        expect(all.originalTask[r]).toBe(all.originalTask[4 * j]);
      }
    }
    // Highest-return rows take the label stored with their episode when it entered the buffer.
    const hr = check('highest-return', 1);
    const raw = algo.replay.sample(5000, new Rng(1)); // covers every stored slot
    const airOf = new Map<number, number>();
    for (let r = 0; r < raw.size; r++) airOf.set(raw.slot[r], raw.info.air_task[r]);
    for (let r = 0; r < hr.size; r++) expect(hr.task[r]).toBe(airOf.get(hr.slot[r]));
    const hipi = check('hipi', 0.5);
    expect(hipi.task.every((t) => t >= 0 && t < 4)).toBe(true);
    check('random', 0.75);
    algo.dispose();
  });

  it('labels each stored episode with the GH task of highest return percentile', async () => {
    const algo = await small();
    await algo.iterate();
    const b = algo.replay.sample(300, new Rng(2));
    // Every step of an episode carries one task and one label.
    const byEpisode = new Map<number, Set<string>>();
    for (let r = 0; r < b.size; r++) {
      const id = algo.replay.episodeId[b.slot[r]];
      const set = byEpisode.get(id) ?? new Set<string>();
      set.add(`${b.info.task[r]}:${b.info.air_task[r]}`);
      byEpisode.set(id, set);
    }
    for (const set of byEpisode.values()) expect(set.size).toBe(1);
    algo.dispose();
  });

  it('checkpoint round trip: a fresh instance loaded from the state continues bit-exactly', async () => {
    const opts = {
      taskEncoding: 'embedding' as const,
      embeddingDim: 3,
      relabel: { strategy: 'hipi' as const, ratio: 0.5 },
    };
    const a = await small(opts);
    for (let i = 0; i < 3; i++) await a.iterate();
    a.setRelabeling('highest-return', 0.5);
    await a.iterate();
    const { b, state } = await restoredCopy(a, () => small(opts));
    expect(Object.keys(state.arrays).some((k) => k.includes('task_embedding'))).toBe(true);
    expect(b.switchLog).toEqual(a.switchLog);
    expect(b.relabeling).toEqual({ strategy: 'highest-return', ratio: 0.5 });
    a.setRelabeling('hipi', 0.5);
    b.setRelabeling('hipi', 0.5);
    const run = await sideBySide(a, b, 3, (algo) => algo.evaluate(1, 5));
    expect(run.b).toEqual(run.a);
    await expect(b.loadState({ arrays: state.arrays, meta: { algo: 'goal-sac' } })).rejects.toThrow(
      /not a multitask-sac/,
    );
    a.dispose();
    b.dispose();
  });

  it('keeps the tensor count flat over many HIPI updates, evaluations and checkpoints', async () => {
    const algo = await small({
      learningStarts: 0,
      taskEncoding: 'embedding',
      relabel: { strategy: 'hipi', ratio: 1 },
    });
    await algo.iterate();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 30; i++) await algo.iterate(); // 120 updates with HIPI logits
    algo.setRelabeling('all', 1);
    for (let i = 0; i < 5; i++) await algo.iterate();
    algo.evaluate(1, 0);
    await algo.saveState();
    algo.actDeterministic(new Float32Array(8), [0, 3]);
    expect(tf.memory().numTensors).toBe(before);
    algo.dispose();
  });

  it('falls back to defaults for undefined options and names an option out of range', async () => {
    const env = () => createMultiGoalPointEnv({ seed: 1 });
    const algo = await MultitaskSac.create(env, { seed: 0, relabel: undefined, replayCapacity: 100 });
    expect(algo.options.relabel).toEqual({ strategy: 'hipi', ratio: 0.5 });
    expect(algo.options.taskEncoding).toBe('one-hot');
    expect(algo.numTasks).toBe(4);
    expect([...algo.inputs(Float32Array.of(0, 0, 0, 0), [2])]).toEqual([0, 0, 0, 0, 0, 0, 1, 0]);
    algo.dispose();
    await expect(MultitaskSac.create(env, { seed: 0, gamma: 1 })).rejects.toThrow(
      /gamma must be in \(0, 1\)/,
    );
    await expect(MultitaskSac.create(env, { seed: 0, embeddingDim: 0 })).rejects.toThrow(/embeddingDim/);
    await expect(MultitaskSac.create(env, { seed: 0, hipiLogPiWeight: -1 })).rejects.toThrow(
      /hipiLogPiWeight/,
    );
    await expect(MultitaskSac.create(env, { seed: 0, taskEncoding: 'bag' as never })).rejects.toThrow(
      /taskEncoding/,
    );
    await expect(
      MultitaskSac.create(env, { seed: 0, relabel: { strategy: 'hipi', ratio: 2 } }),
    ).rejects.toThrow(/ratio must be in \[0, 1\]/);
    const made: { close(): void; reset(): unknown }[] = [];
    await expect(
      MultitaskSac.create(
        async (i) => {
          const e = await createMultiGoalPointEnv({ numTasks: 3 + i });
          made.push(e);
          return e;
        },
        { seed: 0, numEnvs: 2, replayCapacity: 100 },
      ),
    ).rejects.toThrow(/differs from/);
    for (const e of made) expect(() => e.reset()).toThrow();
  });
});
