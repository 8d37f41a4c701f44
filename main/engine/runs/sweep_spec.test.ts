import { describe, expect, it } from 'vitest';
import {
  MAX_SWEEP_POINTS,
  SweepSpecError,
  expandSweep,
  formatPointValues,
  parseSweepSpec,
} from './sweep_spec.ts';
import { arraySpec, expandTaskIds } from './slurm.ts';
import { pointState } from './sweeps.ts';

const base = { algo: 'diayn', preset: 'point-mass' };

describe('sweep spec', () => {
  it('expands a grid × seeds with the seed fastest, point i = array task i', () => {
    const spec = parseSweepSpec({
      ...base,
      grid: { 'sac.lr': [0.001, 0.003], 'diayn.skills': [4, 8] },
      seeds: 2,
    });
    const points = expandSweep(spec);
    expect(points).toHaveLength(8);
    expect(points.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(points.slice(0, 3)).toEqual([
      { index: 0, values: { 'sac.lr': 0.001, 'diayn.skills': 4 }, seed: 0 },
      { index: 1, values: { 'sac.lr': 0.001, 'diayn.skills': 4 }, seed: 1 },
      { index: 2, values: { 'sac.lr': 0.001, 'diayn.skills': 8 }, seed: 0 },
    ]);
    expect(points[7]).toEqual({ index: 7, values: { 'sac.lr': 0.003, 'diayn.skills': 8 }, seed: 1 });
  });

  it('takes seeds as a list and without any swept key gives one run per seed', () => {
    const points = expandSweep(parseSweepSpec({ ...base, seeds: [3, 7, 11] }));
    expect(points.map((p) => p.seed)).toEqual([3, 7, 11]);
    expect(points.every((p) => Object.keys(p.values).length === 0)).toBe(true);
    expect(formatPointValues(points[0].values)).toBe('(no swept values)');
  });

  it('draws random-search values within their ranges, the same for the same seed, crossed with the grid', () => {
    const raw = {
      ...base,
      grid: { 'diayn.skills': [4, 8] },
      random: {
        samples: 50,
        seed: 3,
        params: {
          'sac.lr': { loguniform: [1e-4, 1e-2] },
          'sac.tau': { uniform: [0.001, 0.01] },
          'sac.batchSize': { randint: [64, 66] },
          stateFunction: { choice: ['xy', 'full'] },
        },
      },
    };
    const a = expandSweep(parseSweepSpec(raw));
    const b = expandSweep(parseSweepSpec(raw));
    expect(a).toEqual(b);
    expect(a).toHaveLength(100);
    const lr = a.map((p) => p.values['sac.lr'] as number);
    expect(Math.min(...lr)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...lr)).toBeLessThanOrEqual(1e-2);
    // log-uniform: about half the draws below the geometric middle 1e-3
    const below = lr.filter((x) => x < 1e-3).length;
    expect(below).toBeGreaterThan(25);
    expect(below).toBeLessThan(75);
    const batch = new Set(a.map((p) => p.values['sac.batchSize']));
    expect([...batch].sort()).toEqual([64, 65, 66]);
    expect(new Set(a.map((p) => p.values.stateFunction))).toEqual(new Set(['xy', 'full']));
    // each random sample appears once under each grid value
    expect(a[0].values['sac.lr']).toBe(a[50].values['sac.lr']);
    expect(a[0].values['diayn.skills']).toBe(4);
    expect(a[50].values['diayn.skills']).toBe(8);
    const other = expandSweep(parseSweepSpec({ ...raw, random: { ...raw.random, seed: 4 } }));
    expect(other[0].values['sac.lr']).not.toBe(a[0].values['sac.lr']);
  });

  it('refuses bad specs naming the field', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ preset: 'point-mass' }, /algo/],
      [{ ...base, grid: { 'sac.lr': [] } }, /grid\.sac\.lr: at least one value/],
      [{ ...base, grid: { 'not a key': [1] } }, /dotted config key/],
      [{ ...base, seeds: 0 }, /seeds/],
      [
        { ...base, random: { samples: 2, params: { 'sac.lr': { loguniform: [0, 1] } } } },
        /log-uniform bounds must be > 0/,
      ],
      [{ ...base, random: { samples: 2, params: { 'sac.lr': { uniform: [2, 1] } } } }, /low ≤ high/],
      [{ ...base, executor: { kind: 'cloud' } }, /executor\.kind/],
      [
        { ...base, executor: { kind: 'slurm', slurm: { time: 'four hours' } } },
        /executor\.slurm\.time: a Slurm time/,
      ],
      [{ ...base, executor: { kind: 'slurm', slurm: { mem: '4 GB' } } }, /executor\.slurm\.mem/],
      [{ ...base, stepz: 10 }, /stepz|Unrecognized key/],
    ];
    for (const [raw, message] of bad) {
      expect(() => parseSweepSpec(raw, 'spec.yaml'), JSON.stringify(raw)).toThrow(SweepSpecError);
      expect(() => parseSweepSpec(raw, 'spec.yaml'), JSON.stringify(raw)).toThrow(message);
    }
    expect(() => parseSweepSpec({}, 'spec.yaml')).toThrow(/^spec\.yaml is not a valid sweep spec/);
  });

  it('refuses keys swept twice, fixed and swept, the seed as a key, repeated seeds, and too many points', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...base, grid: { seed: [0, 1] } }, /give seeds with "seeds"/],
      [
        { ...base, set: { 'sac.lr': 0.1 }, grid: { 'sac.lr': [0.2] } },
        /sac\.lr: both fixed in set and swept/,
      ],
      [
        {
          ...base,
          grid: { 'sac.lr': [0.2] },
          random: { samples: 1, params: { 'sac.lr': { uniform: [0, 1] } } },
        },
        /sac\.lr: swept both in grid and in random/,
      ],
      [{ ...base, seeds: [1, 2, 1] }, /seed 1 appears twice/],
      [{ ...base, grid: { env: ['ant'] } }, /one sweep is one env/],
      [
        { ...base, grid: { 'sac.lr': Array.from({ length: 101 }, (_, i) => i) }, seeds: 10 },
        new RegExp(`1010 runs .* at most ${MAX_SWEEP_POINTS}`),
      ],
    ];
    for (const [raw, message] of cases) expect(() => expandSweep(parseSweepSpec(raw))).toThrow(message);
  });
});

describe('Slurm helpers', () => {
  it('writes array task ids as ranges', () => {
    expect(arraySpec([0, 1, 2, 3])).toBe('0-3');
    expect(arraySpec([1, 4, 5, 7])).toBe('1,4-5,7');
    expect(arraySpec([2])).toBe('2');
    expect(expandTaskIds('2-3')).toEqual([2, 3]);
    expect(expandTaskIds('1,4-6')).toEqual([1, 4, 5, 6]);
    expect(expandTaskIds('2-4%1')).toEqual([2, 3, 4]);
    expect(expandTaskIds('7')).toEqual([7]);
  });

  it("tells a point's state from its run.json, its trainer and Slurm", () => {
    const slurm = (state: string, reason = 'None') => ({
      state,
      reason,
      exitCode: null,
      source: 'squeue' as const,
    });
    const rec = (
      status: 'created' | 'running' | 'stopped' | 'completed' | 'error',
      error: string | null = null,
    ) => ({
      status,
      error,
    });
    expect(pointState(rec('created'), 'none', slurm('PENDING', 'Resources'))).toEqual({
      state: 'pending',
      detail: 'Resources',
    });
    expect(pointState(rec('running'), 'training', slurm('RUNNING')).state).toBe('running');
    expect(pointState(rec('completed'), 'none', slurm('CANCELLED')).state).toBe('completed');
    expect(pointState(rec('stopped', 'stopped by SIGTERM'), 'none', slurm('CANCELLED')).state).toBe(
      'cancelled',
    );
    expect(pointState(rec('running'), 'gone', slurm('TIMEOUT')).state).toBe('failed');
    expect(pointState(rec('running'), 'gone', slurm('TIMEOUT')).detail).toMatch(/Slurm TIMEOUT/);
    expect(pointState(rec('running'), 'gone', null)).toEqual({
      state: 'killed',
      detail: 'its process is gone',
    });
    expect(pointState(rec('stopped'), 'none', null).state).toBe('stopped');
    expect(pointState(rec('error', 'NaN loss'), 'none', null)).toEqual({
      state: 'failed',
      detail: 'NaN loss',
    });
    expect(pointState(rec('created'), 'none', null).state).toBe('not started');
  });
});
