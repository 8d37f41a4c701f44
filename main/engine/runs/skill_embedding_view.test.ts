import { describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { createAlgorithm } from '../algos/index.ts';
import type { SkillEmbeddingAlgorithm } from '../algos/skill_embedding_run.ts';
import { readCheckpoint } from './checkpoints.ts';
import { principalAxes, skillEmbeddingView } from './skill_embedding_view.ts';
import { createRun, tempStore, untrainedSkillRun } from './test_helpers.ts';
import { trainRun } from './trainer.ts';

describe('skill embedding view', () => {
  it('principal axes of points along known directions, with the variance each explains', () => {
    // Points spread 3× more along (1, 1, 0)/√2 than along (0, 0, 1), nothing along (1, −1, 0).
    const s = Math.SQRT1_2;
    const points = [-3, 3].flatMap((a) => [-1, 1].map((b) => [a * s, a * s, b]));
    const { axes, explained } = principalAxes(points);
    expect(Math.abs(axes[0][0] * s + axes[0][1] * s)).toBeCloseTo(1, 6);
    expect(Math.abs(axes[1][2])).toBeCloseTo(1, 6);
    expect(explained[0]).toBeCloseTo(9 / 10, 6);
    expect(explained[1]).toBeCloseTo(1 / 10, 6);
    // Two points only: the second axis is still a unit vector orthogonal to the first.
    const two = principalAxes([
      [0, 0, 0],
      [1, 2, 2],
    ]);
    expect(Math.hypot(...two.axes[1])).toBeCloseTo(1, 6);
    expect(two.axes[0].reduce((sum, v, j) => sum + v * two.axes[1][j], 0)).toBeCloseTo(0, 6);
  });

  it('reads a run’s task embeddings as the algorithm has them; refuses runs without embeddings', async () => {
    await initBackend({ quiet: true });
    const store = tempStore();
    const run = createRun(store, {
      algo: 'skill-embedding',
      preset: 'regions',
      seed: 4,
      totalEnvSteps: 300,
      set: [
        'checkpointEvery=1',
        'sac.hidden=[16,16]',
        'embedding.inferenceHidden=[16]',
        'embedding.latentDim=3',
      ],
    });
    await trainRun(run, { quiet: true });
    const live = (await createAlgorithm(run.readConfig(), run.path)) as SkillEmbeddingAlgorithm;
    try {
      await readCheckpoint(run, live);
      const view = await skillEmbeddingView(run);
      const embeddings = live.inner.taskEmbeddings();
      expect(view.latentDim).toBe(3);
      expect(view.projection.kind).toBe('pca');
      expect(view.envSteps).toBe(live.envSteps);
      expect(view.tasks.map((t) => t.name)).toEqual([
        'any of (0.18, 0.18) (-0.18, -0.18)',
        'any of (-0.18, 0.18) (0.18, -0.18)',
      ]);
      view.tasks.forEach((t, k) => {
        expect(t.mean).toEqual(Array.from(embeddings[k].mean));
        t.std.forEach((v, j) => expect(v).toBeCloseTo(embeddings[k].std[j], 6));
      });
      expect(view.kl[0][0]).toBe(0);
      expect(view.kl[0][1]).toBeGreaterThan(0);
    } finally {
      live.dispose();
    }
    const dads = await untrainedSkillRun(store, {
      algo: 'dads',
      preset: 'point-mass',
      set: ['sac.hidden=[8]'],
    });
    await expect(skillEmbeddingView(dads)).rejects.toThrow(
      `run ${dads.id} is a dads run; it has no task embeddings`,
    );
    const fresh = createRun(store, { algo: 'skill-embedding', preset: 'regions' });
    await expect(skillEmbeddingView(fresh)).rejects.toThrow(
      `run ${fresh.id} has no checkpoint yet: nothing to draw`,
    );
  });
});
