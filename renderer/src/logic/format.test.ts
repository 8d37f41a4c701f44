import { describe, expect, it } from 'vitest';
import { runLabel, uniqueRunLabels } from './format.ts';

const run = (over: Partial<Parameters<typeof uniqueRunLabels>[0][number]>) => ({
  id: 'r',
  algo: 'goal-sac',
  env: 'arm',
  preset: 'arm-push',
  task: null,
  seed: 0,
  metrics: {},
  createdAt: '2026-12-07T10:00:00.000Z',
  ...over,
});

describe('run labels (issue #13 B2)', () => {
  it('name the goal task when the preset does not', () => {
    expect(runLabel(run({ task: 'push-left' }))).toBe('GOAL-SAC arm-push · push-left s0');
    expect(runLabel(run({ task: 'arm-push' }))).toBe('GOAL-SAC arm-push s0');
    expect(runLabel(run({ algo: 'diayn', env: 'point-mass', preset: 'point-mass' }))).toBe(
      'DIAYN point-mass s0',
    );
  });

  it('are unique: the same label gets the creation time, then the id', () => {
    const labels = uniqueRunLabels([
      run({ id: 'a', task: 'push-left' }),
      run({ id: 'b', task: 'push-right' }),
      run({ id: 'c', algo: 'diayn', env: 'point-mass', preset: 'point-mass' }),
      run({
        id: 'd',
        algo: 'diayn',
        env: 'point-mass',
        preset: 'point-mass',
        createdAt: '2026-12-07T11:30:00.000Z',
      }),
      run({
        id: 'e',
        algo: 'diayn',
        env: 'point-mass',
        preset: 'point-mass',
        createdAt: '2026-12-07T11:30:00.000Z',
      }),
    ]);
    expect(labels.get('a')).toBe('GOAL-SAC arm-push · push-left s0');
    expect(labels.get('b')).toBe('GOAL-SAC arm-push · push-right s0');
    expect(labels.get('c')).toBe('DIAYN point-mass s0 · 2026-12-07 10:00');
    expect(labels.get('d')).toBe('DIAYN point-mass s0 · d');
    expect(labels.get('e')).toBe('DIAYN point-mass s0 · e');
    expect(new Set(labels.values()).size).toBe(5);
  });
});
