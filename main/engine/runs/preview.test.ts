import { describe, expect, it } from 'vitest';
import { SkillPreview, type PreviewChunk } from './preview.ts';
import { trainRun } from './trainer.ts';
import { createAlgorithm } from '../algos/index.ts';
import { initBackend } from '../../../native/backend.ts';
import { createRun, tempStore } from './test_helpers.ts';

const tiny = (algo: 'sac' | 'diayn' | 'dads', seed: number) => ({
  algo,
  preset: 'point-mass',
  seed,
  totalEnvSteps: 1000,
  set: [
    'stepsPerIteration=250',
    'sac.learningStarts=0',
    'updatesPerIteration=20',
    'diayn.discriminatorSteps=20',
    'dads.dynamicsSteps=5',
  ],
});

const withoutWall = (rows: Record<string, number>[]) => rows.map(({ wall_s: _w, ...rest }) => rest);

describe('live skill previews', () => {
  it('roll out skills without changing training results, rotating through the skills', async () => {
    const store = tempStore();
    for (const algo of ['sac', 'diayn', 'dads'] as const) {
      const plain = createRun(store, tiny(algo, 3));
      const previewed = createRun(store, tiny(algo, 3));
      await trainRun(plain, { quiet: true });
      // A preview after every iteration: the most any schedule could interfere.
      const preview = new SkillPreview(previewed.readConfig(), { minIntervalMs: 0, maxOverhead: 1 });
      const rounds: PreviewChunk[][] = [];
      await trainRun(previewed, {
        quiet: true,
        onIteration: async (a) => {
          expect(preview.due()).toBe(true);
          rounds.push(await preview.run(a));
        },
      });
      preview.close();
      expect(withoutWall(previewed.readMetrics())).toEqual(withoutWall(plain.readMetrics()));

      expect(rounds.length).toBe(4);
      for (const chunk of rounds.flat()) {
        expect(chunk.dt).toBeCloseTo(0.05);
        expect(chunk.qpos.length).toBe(51); // reset state + 50 steps
        expect(chunk.qpos.every((q) => q.length === 2 && q.every(Number.isFinite))).toBe(true);
      }
      const ids = rounds.map((r) => r.map((c) => c.skill));
      if (algo === 'sac')
        expect(ids[0]).toEqual([0]); // plain SAC: its one policy
      else if (algo === 'diayn')
        expect(ids[0]).toEqual([0, 1, 2, 3]); // 4 skills: all at once
      else
        expect(ids.slice(0, 2)).toEqual([
          [0, 1, 2, 3],
          [4, 5, 6, 7],
        ]); // 8 eval skills: in turns
      // The deterministic policy moves: the ball does not stay at its reset position in every preview.
      const moved = rounds
        .flat()
        .some((c) => Math.hypot(c.qpos[50][0] - c.qpos[0][0], c.qpos[50][1] - c.qpos[0][1]) > 0.01);
      expect(moved).toBe(true);
    }
  });

  it('waits at least the minimum interval and bounds its share of wall-clock time', async () => {
    await initBackend({ quiet: true });
    const config = createRun(tempStore(), tiny('diayn', 1)).readConfig();
    const algo = await createAlgorithm(config);
    let clock = 0;
    const preview = new SkillPreview(config, { minIntervalMs: 5000, maxOverhead: 0.05, now: () => clock });
    try {
      expect(preview.due()).toBe(true);
      clock = 1000;
      const pending = preview.run(algo); // reads the clock when it starts (synchronously)…
      clock = 1400; // …and when it ends, after awaiting its env: it "took" 400 ms
      expect((await pending).length).toBe(4);
      clock = 1400 + 4999;
      expect(preview.due()).toBe(false);
      clock = 1400 + 7999; // past the 5 s minimum, but 400 ms / 0.05 = 8 s is the bound
      expect(preview.due()).toBe(false);
      clock = 1400 + 8000;
      expect(preview.due()).toBe(true);
    } finally {
      preview.close();
      algo.dispose();
    }
  });
});
