// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { setLabClient } from '../api/lab.ts';
import { createFakeLab, fakeRun, type FakeLab } from '../testing/fake_client.ts';
import { useRunsStore } from './runs.ts';
import { useCompareStore } from './compare.ts';

let lab: FakeLab;
beforeEach(() => {
  lab = createFakeLab();
  setLabClient(lab.client);
  setActivePinia(createPinia());
});

describe('runs store', () => {
  it('lists runs and follows status, metrics and deletion events', async () => {
    lab.runs.push(fakeRun({ id: 'a', activity: 'training', status: 'running', envSteps: 500 }));
    lab.metrics.a = [{ iteration: 1, env_steps: 500, wall_s: 1, discriminator_accuracy: 0.3 }];
    const store = useRunsStore();
    await store.init();
    expect(store.runs.map((r) => r.id)).toEqual(['a']);
    await store.loadMetrics('a');
    lab.emit('metrics', {
      runId: 'a',
      rows: [{ iteration: 2, env_steps: 1000, wall_s: 2, discriminator_accuracy: 0.6 }],
      envSteps: 1000,
      totalEnvSteps: 3000,
      stepsPerSecond: 500,
    });
    expect(store.runs[0].envSteps).toBe(1000);
    expect(store.runs[0].metrics.discriminator_accuracy).toBe(0.6);
    expect(store.metrics.a.map((r) => r.iteration)).toEqual([1, 2]);
    expect(store.stepsPerSecond.a).toBe(500);

    lab.emit('runStatus', fakeRun({ id: 'a', status: 'completed', activity: null }));
    expect(store.runs[0].status).toBe('completed');
    lab.emit('runStatus', fakeRun({ id: 'b' }));
    expect(store.runs.map((r) => r.id)).toEqual(['b', 'a']);
    lab.emit('runDeleted', { runId: 'a' });
    expect(store.runs.map((r) => r.id)).toEqual(['b']);
    store.dispose();
  });

  it('keeps a run started while the list was loading (its event came before the older list)', async () => {
    lab.runs.push(fakeRun({ id: 'old' }));
    const store = useRunsStore();
    // The list request is answered after the new run's event arrived, with the list as it was.
    const listRuns = lab.client.listRuns;
    let answer: () => void = () => undefined;
    lab.client.listRuns = () =>
      new Promise((resolve) => {
        const snapshot = { runs: [...lab.runs], unreadable: [] };
        answer = () => resolve(snapshot);
      });
    const loading = store.init();
    lab.emit('runStatus', fakeRun({ id: 'new', status: 'running', activity: 'training' }));
    lab.emit('runDeleted', { runId: 'old' });
    answer();
    await loading;
    expect(store.runs.map((r) => r.id)).toEqual(['new']);
    lab.client.listRuns = listRuns;
    store.dispose();
  });

  it('keeps the latest live rollout per skill', async () => {
    const store = useRunsStore();
    await store.init();
    const rollout = (skill: number, envSteps: number) => ({
      runId: 'a',
      env: 'point-mass' as const,
      iteration: 1,
      envSteps,
      skill,
      z: [1, 0],
      dt: 0.05,
      qpos: [[0, 0]],
    });
    lab.emit('rollout', rollout(0, 100));
    lab.emit('rollout', rollout(1, 100));
    lab.emit('rollout', rollout(0, 200));
    expect(Object.keys(store.liveRollouts.a)).toEqual(['0', '1']);
    expect(store.liveRollouts.a[0].envSteps).toBe(200);
    store.dispose();
  });

  it('stops, resumes, evaluates and deletes through the client', async () => {
    lab.runs.push(fakeRun({ id: 'a', activity: 'training', status: 'running' }));
    const store = useRunsStore();
    await store.init();
    await store.stop('a');
    expect(store.runs[0].status).toBe('stopped');
    await store.resume('a');
    expect(store.runs[0].activity).toBe('training');
    lab.runs[0].activity = null;
    await store.evaluate('a');
    expect(store.runs[0].evaluated).toBe(true);
    await store.remove('a');
    expect(store.runs).toEqual([]);
    expect(lab.calls.map((c) => c.method)).toEqual([
      'listRuns',
      'stopRun',
      'resumeRun',
      'evaluateRun',
      'listRuns',
      'deleteRun',
    ]);
    store.dispose();
  });
});

describe('compare store', () => {
  it('selects at most four runs, the oldest choice making room', () => {
    const store = useCompareStore();
    for (const id of ['a', 'b', 'c', 'd', 'e']) store.toggle(id);
    expect(store.selected).toEqual(['b', 'c', 'd', 'e']);
    store.toggle('c');
    expect(store.selected).toEqual(['b', 'd', 'e']);
    store.retain(['b', 'e']);
    expect(store.selected).toEqual(['b', 'e']);
  });

  it('replaces the choice with given runs (a sweep’s best), once each and at most four', () => {
    const store = useCompareStore();
    store.toggle('x');
    store.select(['a', 'b', 'a', 'c', 'd', 'e']);
    expect(store.selected).toEqual(['a', 'b', 'c', 'd']);
  });

  it('plays, loops, steps frames and changes speed', () => {
    const store = useCompareStore();
    store.setDuration(2.5, 0.05);
    store.tick(1);
    expect(store.timeline.time).toBeCloseTo(1);
    store.tick(2);
    expect(store.timeline.time).toBeCloseTo(0.5); // looped
    store.apply('toggle');
    expect(store.timeline.playing).toBe(false);
    store.tick(1);
    expect(store.timeline.time).toBeCloseTo(0.5);
    store.apply('forward');
    expect(store.timeline.time).toBeCloseTo(0.55);
    store.apply('faster');
    expect(store.timeline.speed).toBe(2);
    store.apply('slower');
    store.apply('slower');
    expect(store.timeline.speed).toBe(0.5);
    store.seek(99);
    expect(store.timeline.time).toBe(2.5);
  });
});

describe('compare store: what the columns share (issue #13 B5)', () => {
  it('shares the x-y window of same-env columns by default; each its own when asked', () => {
    const store = useCompareStore();
    store.select(['a', 'b', 'c']);
    expect(store.sharedAxes).toBe(true);
    expect(store.linkCameras).toBe(false);
    expect(store.xyExtentFor('a', 'point-mass')).toBeNull(); // nothing reported yet
    store.reportXyWindow('a', 'point-mass', 0.3);
    store.reportXyWindow('b', 'point-mass', 0.8);
    store.reportXyWindow('c', 'ant', 9);
    store.reportXyWindow('gone', 'point-mass', 5); // not selected: left out
    expect(store.xyExtentFor('a', 'point-mass')).toBe(0.8);
    expect(store.xyExtentFor('b', 'point-mass')).toBe(0.8);
    expect(store.xyExtentFor('c', 'ant')).toBe(9);
    store.sharedAxes = false;
    expect(store.xyExtentFor('a', 'point-mass')).toBeNull();
  });
});
