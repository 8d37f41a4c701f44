import { describe, expect, it } from 'vitest';
import { formatDuration, formatEta, remainingSeconds, runLabel, uniqueRunLabels } from './format.ts';

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
    expect(runLabel(run({ preset: 'arm-reach', task: 'reach' }))).toBe('GOAL-SAC arm-reach s0');
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

describe('time left of a training run (issue #13 B7)', () => {
  const training = { activity: 'training', envSteps: 10_000, totalEnvSteps: 30_000, wallSeconds: 100 };
  it('divides the remaining env steps by the streamed speed, else by the average so far', () => {
    expect(remainingSeconds(training, 50)).toBe(400);
    expect(remainingSeconds(training)).toBe(200);
    expect(formatEta(training, 50)).toBe('~7 min left');
    expect(formatEta({ ...training, envSteps: 29_900 }, 10)).toBe('~10 s left');
  });
  it('says nothing for runs that do not train or have no speed yet', () => {
    expect(remainingSeconds({ ...training, activity: null }, 50)).toBeNull();
    expect(remainingSeconds({ ...training, activity: 'evaluating' }, 50)).toBeNull();
    expect(formatEta({ ...training, envSteps: 0, wallSeconds: 0 })).toBe('');
  });
  it('reads durations the way a reader estimates them', () => {
    expect(formatDuration(42)).toBe('40 s');
    expect(formatDuration(2)).toBe('1 s');
    expect(formatDuration(170)).toBe('3 min');
    expect(formatDuration(4800)).toBe('1 h 20 min');
    expect(formatDuration(3600 * 30)).toBe('30 h');
  });
});
