// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { setLabClient } from '../api/lab.ts';
import { createFakeLab, fakeEvalSummary, fakeRun, type FakeLab } from '../testing/fake_client.ts';
import { useRunsStore } from './runs.ts';
import { useEvaluationsStore } from './evaluations.ts';

let lab: FakeLab;
beforeEach(() => {
  lab = createFakeLab();
  setLabClient(lab.client);
  setActivePinia(createPinia());
});

const loads = () => lab.calls.filter((c) => c.method === 'getEvaluation').length;

describe('evaluations store', () => {
  it('loads a run’s evaluation once for all who show it, and again when it is evaluated anew', async () => {
    const run = fakeRun({ id: 'a', evaluated: true });
    lab.runs.push(run);
    lab.evaluations.a = { summary: fakeEvalSummary(run), rollouts: [] };
    const runs = useRunsStore();
    await runs.init();
    const store = useEvaluationsStore();
    const [first, second] = await Promise.all([store.load('a'), store.load('a')]);
    expect(first).toBe(second);
    await store.load('a');
    expect(loads()).toBe(1);
    expect(store.byRun.a.summary?.env_steps).toBe(3000);

    // Evaluated again elsewhere (the runs table, another window) after training on: the service
    // reports the evaluation's start and end, and the store fetches the new one by itself.
    run.envSteps = 9000;
    lab.emit('runStatus', { ...run, activity: 'evaluating' });
    lab.evaluations.a = { summary: fakeEvalSummary(run), rollouts: [] };
    lab.emit('runStatus', { ...run, activity: null });
    await new Promise((r) => setTimeout(r, 0));
    expect(loads()).toBe(2);
    expect(store.byRun.a.summary?.env_steps).toBe(9000);

    // Status changes of runs nobody looked at load nothing.
    lab.emit('runStatus', fakeRun({ id: 'b', activity: 'evaluating' }));
    lab.emit('runStatus', fakeRun({ id: 'b', evaluated: true }));
    expect(loads()).toBe(2);
    runs.dispose();
  });

  it('keeps a failed load’s message and never rejects', async () => {
    const store = useEvaluationsStore();
    expect(await store.load('nope')).toBeNull();
    expect(store.errors.nope).toMatch(/no run nope/);
  });
});
