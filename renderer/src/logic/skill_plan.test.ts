import { describe, expect, it } from 'vitest';
import { parseParams, type PlanEpisodeTrace } from '../../../main/api/contract/contract.ts';
import { SKILL_PALETTE } from '../../../main/api/contract/presentation.ts';
import {
  arenaBounds,
  clickGoals,
  defaultPlanForm,
  mapBounds,
  pathBounds,
  DEFAULT_BOUNDS,
  mapFrame,
  niceTicks,
  pathPieces,
  planCommandLine,
  planParams,
  presetSetting,
  segmentAt,
  skillColour,
  skillColourCss,
  skillCss,
  skillIndex,
  skillKindOf,
  skillRgb,
  skillSourceText,
  skillsPicked,
  skillText,
  snapGoal,
  stepAt,
  toPixel,
  toWorld,
} from './skill_plan.ts';

/** An episode of 6 steps in 3 segments of 2 steps, moving +x then +y then −x. */
function trace(): Pick<PlanEpisodeTrace, 'f' | 'segments' | 'steps'> {
  const seg = (start: number, skill: number[]) => ({
    start,
    skill,
    predicted: null,
    candidates: [],
    planMs: 0,
  });
  return {
    steps: 6,
    f: [
      [0, 0],
      [0.1, 0],
      [0.2, 0],
      [0.2, 0.1],
      [0.2, 0.2],
      [0.1, 0.2],
      [0, 0.2],
    ],
    segments: [seg(0, [1, 0]), seg(2, [0, 1]), seg(4, [-1, 0])],
  };
}

describe('the Skills view model', () => {
  it('colours a skill by the direction of (z1, z2), greyer when short', () => {
    const [r, g, b] = skillRgb([1, 0]);
    expect(r).toBeGreaterThan(g); // +z1: red
    expect(r).toBeGreaterThan(b);
    const up = skillRgb([0, 1]); // +z2: a quarter turn on, yellow-green
    expect(up[1]).toBeGreaterThan(up[2]);
    const left = skillRgb([-1, 0]); // −z1: cyan
    expect(left[0]).toBeLessThan(left[1]);
    expect(left[0]).toBeLessThan(left[2]);
    // A short z keeps its hue but is greyer: its channels lie closer together.
    const spread = (c: number[]) => Math.max(...c) - Math.min(...c);
    expect(spread(skillRgb([0.1, 0]))).toBeLessThan(spread(skillRgb([1, 0])));
    expect(skillRgb([null, null])).toEqual(skillRgb([0, 0]));
    expect(skillCss([1, 0])).toMatch(/^rgb\(\d+, \d+, \d+\)$/);
    expect(skillCss([1, 0], 0.4)).toMatch(/^rgba\(.*, 0\.4\)$/);
  });

  it('colours one of N skills by its index in the skill palette, and names skills of either kind', () => {
    const onehot = (k: number, n = 12) => Array.from({ length: n }, (_, j) => (j === k ? 1 : 0));
    expect(skillIndex(onehot(7))).toBe(7);
    expect(skillIndex([null, 0.2, 0.9, 0.9])).toBe(2); // the first of equals; null is no candidate
    // As scene/agents.ts tints skill k: SKILL_PALETTE[k mod 10] (#1f77b4 is skill 0's).
    expect(skillColourCss(onehot(0), 'discrete')).toBe('rgb(31, 119, 180)');
    expect(skillColour(onehot(11), 'discrete')).toEqual(skillColour(onehot(1), 'discrete'));
    expect(skillColourCss(onehot(3), 'discrete', 0.5)).toMatch(/^rgba\(.*, 0\.5\)$/);
    expect(SKILL_PALETTE[3]).toBe(
      `#${skillColour(onehot(3), 'discrete')
        .map((v) =>
          Math.round(v * 255)
            .toString(16)
            .padStart(2, '0'),
        )
        .join('')}`,
    );
    // Continuous skills keep the hue wheel.
    expect(skillColour([1, 0], 'continuous')).toEqual(skillRgb([1, 0]));
    expect(skillText(onehot(4), 'discrete')).toBe('skill 4');
    expect(skillText([0.31, -0.924], 'continuous')).toBe('z = (0.31, −0.92)');
    // The skill run's algorithm says which kind (its catalog conditioning); no skills: null.
    expect(skillKindOf('dads')).toBe('continuous');
    expect(skillKindOf('diayn')).toBe('discrete');
    expect(skillKindOf('goal-sac')).toBeNull();
    expect(skillKindOf('no-such-algo')).toBeNull();
  });

  it('lists the discrete skills picked, by index, with the ones sharing a colour', () => {
    const seg = (k: number) => ({
      start: 0,
      skill: Array.from({ length: 24 }, (_, j) => (j === k ? 1 : 0)),
      predicted: null,
      candidates: [],
      planMs: 0,
    });
    const picked = skillsPicked([{ segments: [seg(13), seg(2), seg(13)] }, { segments: [seg(3), seg(23)] }]);
    expect(picked.skills).toEqual([
      { index: 2, segments: 1 },
      { index: 3, segments: 1 },
      { index: 13, segments: 2 },
      { index: 23, segments: 1 },
    ]);
    expect(picked.shared).toEqual([3, 13, 23]);
    expect(skillsPicked([]).skills).toEqual([]);
  });

  it('names the pinned skills of a controller: algorithm, checkpoint, iteration, hash', () => {
    expect(
      skillSourceText({ algo: 'dads', envSteps: 30000, iteration: 60, sha256: '0123456789abcdef'.repeat(4) }),
    ).toBe('DADS, checkpoint at 30 k env steps (iteration 60), SHA-256 0123456789ab…');
  });

  it('frames paths rather than an arena: a box around them at least 0.3 m across', () => {
    // A block pushed 10 cm on the arm's table: 0.3 m across, centred on the path and goals.
    const b = pathBounds([
      [-0.1, 0, 0.025],
      [0, 0, 0.025],
      [-0.1, 0.1, 0.125],
    ]);
    expect(b.xMax - b.xMin).toBeCloseTo(0.3, 9);
    expect(b.yMax - b.yMin).toBeCloseTo(0.3, 9);
    expect((b.xMin + b.xMax) / 2).toBeCloseTo(-0.05, 9);
    expect((b.yMin + b.yMax) / 2).toBeCloseTo(0.05, 9);
    // Wider than the minimum: the points' own extent; nothing finite: the default arena.
    expect(
      pathBounds([
        [0, 0],
        [1, 0],
      ]).xMax,
    ).toBeCloseTo(1, 9);
    expect(pathBounds([[null, 1]])).toEqual(DEFAULT_BOUNDS);
  });

  it('maps the plane to a square plot and back, with round ticks', () => {
    const arena = arenaBounds({ xMin: -1.1, xMax: 1.1, yMin: -1.2, yMax: 1.2 });
    const b = mapBounds(arena, [[2, 0]]);
    expect(b.xMax - b.xMin).toBeCloseTo(b.yMax - b.yMin, 9);
    expect(b.xMax).toBeGreaterThan(2);
    expect(b.xMin).toBeLessThan(-1.1);
    const frame = mapFrame(b, 440, 428);
    const [px, py] = toPixel(frame, 0.5, -0.3);
    expect(toWorld(frame, px, py)![0]).toBeCloseTo(0.5, 9);
    expect(toWorld(frame, px, py)![1]).toBeCloseTo(-0.3, 9);
    // y grows upwards on the map.
    expect(toPixel(frame, 0, 1)[1]).toBeLessThan(toPixel(frame, 0, 0)[1]);
    expect(toWorld(frame, 0, 0)).toBeNull(); // on the axis labels
    expect(niceTicks(-1.3, 1.3, 5)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    // An Ant's 100 m floor is clipped; no world at all gives the default square.
    expect(arenaBounds({ xMin: -50, xMax: 50, yMin: -50, yMax: 50 })).toEqual({
      xMin: -5,
      xMax: 5,
      yMin: -5,
      yMax: 5,
    });
    expect(arenaBounds(null).xMax).toBe(1.5);
  });

  it('adds goals to the centimetre where clicked and removes the one clicked on', () => {
    expect(snapGoal(0.4962, -0.3049)).toEqual([0.5, -0.3]);
    expect(snapGoal(-0.001, 0.004)).toEqual([0, 0]);
    let goals = clickGoals([], 0.4962, -0.3049, 0.05);
    goals = clickGoals(goals, -0.2, 0.6, 0.05);
    expect(goals).toEqual([
      [0.5, -0.3],
      [-0.2, 0.6],
    ]);
    expect(clickGoals(goals, 0.52, -0.31, 0.05)).toEqual([[-0.2, 0.6]]);
    const full = Array.from({ length: 16 }, (_, i) => [i, 0] as [number, number]);
    expect(clickGoals(full, 0.5, 0.5, 0.05)).toHaveLength(16);
  });

  it('makes the planSkills request the form says, valid by the contract, and the command line that repeats it', () => {
    const form = {
      ...defaultPlanForm(),
      seed: 4,
      overrides: { hold: 5, candidates: '' as const, gamma: null },
    };
    const params = planParams(
      'dads-1',
      'p1',
      [
        [0.5, -0.3],
        [-0.2, 0.6],
      ],
      form,
    );
    expect(params).toEqual({
      runId: 'dads-1',
      planId: 'p1',
      goals: [
        [0.5, -0.3],
        [-0.2, 0.6],
      ],
      episodes: 1,
      seed: 4,
      preset: 'dense',
      baseline: true,
      overrides: { hold: 5 },
    });
    expect(parseParams('planSkills', params).ok).toBe(true);
    expect(planCommandLine(params)).toBe(
      'skill-lab plan dads-1 --goal 0.5,-0.3 --goal -0.2,0.6 --seed 4 --set hold=5 --json',
    );
    expect(
      planCommandLine({ ...params, preset: 'sparse', episodes: 3, baseline: false, overrides: undefined }),
    ).toBe(
      'skill-lab plan dads-1 --goal 0.5,-0.3 --goal -0.2,0.6 --episodes 3 --seed 4 --preset sparse --no-baseline --json',
    );
    expect(presetSetting('dense', 'hold')).toEqual({
      value: 10,
      source: 'DADS paper App. A.5, dense reward (H_Z = 10)',
    });
    expect(presetSetting('sparse', 'horizon').value).toBe(4);
  });

  it('draws each episode up to the timeline’s time, cut into its skills’ segments', () => {
    const t = trace();
    expect(stepAt(0.26, 0.05, t.steps)).toBe(5);
    expect(stepAt(99, 0.05, t.steps)).toBe(6);
    expect(segmentAt(t, 0)).toBe(0);
    expect(segmentAt(t, 3)).toBe(1);
    expect(segmentAt(t, 6)).toBe(2);
    expect(pathPieces(t, 3)).toEqual([
      {
        skill: [1, 0],
        points: [
          [0, 0],
          [0.1, 0],
          [0.2, 0],
        ],
      },
      {
        skill: [0, 1],
        points: [
          [0.2, 0],
          [0.2, 0.1],
        ],
      },
    ]);
    const all = pathPieces(t, 6);
    expect(all.map((p) => p.points.length)).toEqual([3, 3, 3]);
    expect(all[2].points.at(-1)).toEqual([0, 0.2]);
  });
});
