// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { setLabClient } from '../api/lab.ts';
import { createFakeLab, fakePreset, fakeRun, type FakeLab } from '../testing/fake_client.ts';
import type { PresetInfo } from '../../../main/api/contract/contract.ts';
import RunsView from './RunsView.vue';
import TimelineBar from '../components/TimelineBar.vue';
import { useCompareStore } from '../stores/compare.ts';
import { keyAction } from '../logic/timeline.ts';

let lab: FakeLab;
beforeEach(() => {
  lab = createFakeLab();
  setLabClient(lab.client);
  setActivePinia(createPinia());
});

describe('RunsView', () => {
  it('tells a new user what to do first when there are no runs', async () => {
    const wrapper = mount(RunsView);
    await flushPromises();
    const empty = wrapper.find('[data-test="empty"]');
    expect(empty.exists()).toBe(true);
    expect(empty.text()).toMatch(/No runs yet/);
    expect(empty.text()).toMatch(/point-mass/);
    // Honest about time (issue #13 B7): the preset's default (30,000 env steps) takes minutes on 2
    // cores, so the hint names a quick setting instead of promising "a minute" for the default.
    expect(empty.text()).not.toMatch(/trains in a minute/);
    expect(empty.text()).toMatch(/totalEnvSteps to 5000/);
    expect(empty.text()).toMatch(/default of 30,000 steps takes a few minutes/);
    wrapper.unmount();
  });

  it('shows the time left of a training run from its metrics events (issue #13 B7)', async () => {
    lab.runs.push(
      fakeRun({ id: 'busy', status: 'running', activity: 'training', envSteps: 0, totalEnvSteps: 30000 }),
      fakeRun({ id: 'done' }),
    );
    const wrapper = mount(RunsView);
    await flushPromises();
    lab.emit('metrics', {
      runId: 'busy',
      rows: [{ iteration: 1, env_steps: 6000, wall_s: 60 }],
      envSteps: 6000,
      totalEnvSteps: 30000,
      stepsPerSecond: 100,
    });
    await flushPromises();
    const eta = wrapper.find('[data-run="busy"] [data-test="eta"]');
    expect(eta.text()).toMatch(/100\/s/);
    expect(eta.text()).toMatch(/~4 min left/);
    expect(wrapper.find('[data-run="done"] [data-test="eta"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('lists runs with algorithm, env, preset, seed, status, steps and key metric', async () => {
    lab.runs.push(
      fakeRun({ id: 'diayn-1', seed: 7 }),
      fakeRun({ id: 'dads-1', algo: 'dads', metrics: { skill_dynamics_loglik: -1.5 } }),
    );
    const wrapper = mount(RunsView);
    await flushPromises();
    const rows = wrapper.findAll('tbody tr');
    expect(rows).toHaveLength(2);
    const first = wrapper.find('[data-run="diayn-1"]').text();
    expect(first).toMatch(/DIAYN/);
    expect(first).toMatch(/point-mass/);
    expect(first).toMatch(/7/);
    expect(first).toMatch(/completed/);
    expect(first).toMatch(/3\.0 k/);
    expect(first).toMatch(/disc\. acc 0\.910/);
    expect(wrapper.find('[data-run="dads-1"]').text()).toMatch(/log q -1\.500/);
    wrapper.unmount();
  });

  it('evaluates a finished run from its row; a training run offers Stop instead', async () => {
    lab.runs.push(fakeRun({ id: 'done' }), fakeRun({ id: 'busy', status: 'running', activity: 'training' }));
    const wrapper = mount(RunsView);
    await flushPromises();
    const buttons = (id: string) =>
      wrapper
        .find(`[data-run="${id}"]`)
        .findAll('button')
        .map((b) => b.text());
    expect(buttons('busy')).toEqual(['Stop', 'Delete']);
    expect(buttons('done')).toEqual(['Evaluate', 'Delete']);
    await wrapper.find('[data-run="done"]').findAll('button')[0].trigger('click');
    await flushPromises();
    expect(lab.calls.find((c) => c.method === 'evaluateRun')?.params).toEqual({ runId: 'done' });
    expect(buttons('done')).toEqual(['Re-evaluate', 'Delete']);
    wrapper.unmount();
  });

  it('switches a goal-sac run’s relabeling from its row, showing the current setting', async () => {
    lab.runs.push(
      fakeRun({
        id: 'her',
        algo: 'goal-sac',
        env: 'arm',
        status: 'running',
        activity: 'training',
        metrics: { success_rate: 0.4, relabel_strategy: 2, relabel_k: 4 },
      }),
      fakeRun({ id: 'skills' }),
    );
    const wrapper = mount(RunsView);
    await flushPromises();
    expect(wrapper.find('[data-run="skills"] .relabel').exists()).toBe(false);
    const row = wrapper.find('[data-run="her"]');
    expect(row.text()).toMatch(/success 0\.400/);
    const select = row.find('select');
    expect((select.element as HTMLSelectElement).value).toBe('future');
    await select.setValue('final');
    await row.find('input[type=number]').setValue(2);
    await row
      .findAll('button')
      .find((b) => b.text() === 'Relabel')!
      .trigger('click');
    await flushPromises();
    expect(lab.calls.find((c) => c.method === 'setRelabeling')?.params).toEqual({
      runId: 'her',
      strategy: 'final',
      k: 2,
    });
    expect(row.text()).toMatch(/applies from the next iteration/);
    wrapper.unmount();
  });

  it('flags every invalid field at once, in words with the allowed range, and sends nothing (issue #13 B4)', async () => {
    const wrapper = mount(RunsView);
    await flushPromises();
    await wrapper.find('button.primary').trigger('click');
    const form = wrapper.find('form');
    await form.find('input[name="seed"]').setValue('-1');
    await form.find('input[name="sac.lr"]').setValue('-1');
    await form.find('input[name="sac.batchSize"]').setValue('0');
    await form.trigger('submit');
    await flushPromises();
    expect(lab.calls.filter((c) => c.method === 'startRun')).toHaveLength(0);
    const alerts = form.findAll('[role="alert"]').map((a) => a.text());
    expect(alerts).toEqual([
      'must be a whole number ≥ 0',
      'must be a number > 0 and ≤ 1',
      'must be a whole number > 0',
    ]);
    for (const name of ['seed', 'sac.lr', 'sac.batchSize'])
      expect(form.find(`input[name="${name}"]`).attributes('aria-invalid')).toBe('true');
    expect(form.text()).not.toMatch(/Too small|expected number/);
    wrapper.unmount();
  });

  it('shows the server’s issue next to the field in words and starts nothing; a fixed value starts once', async () => {
    lab.startIssues = [{ path: 'sac.lr', message: 'Too small: expected number to be >0' }];
    const wrapper = mount(RunsView);
    await flushPromises();
    await wrapper.find('button.primary').trigger('click');
    const form = wrapper.find('form');
    expect(form.exists()).toBe(true);
    const lr = form.find('input[name="sac.lr"]');
    expect((lr.element as HTMLInputElement).value).toBe('0.001');
    expect(form.text()).toMatch(/DIAYN paper, Table 1/); // the source as a hint
    await lr.setValue('0.5');
    await form.trigger('submit');
    await flushPromises();
    expect(lr.attributes('aria-invalid')).toBe('true');
    expect(form.find('[role="alert"]').text()).toBe('must be a number > 0 and ≤ 1');
    const starts = lab.calls.filter((c) => c.method === 'startRun');
    expect(starts).toHaveLength(1);
    expect(starts[0].params).toMatchObject({
      algo: 'diayn',
      preset: 'point-mass',
      overrides: { 'sac.lr': 0.5 },
    });
    expect(lab.runs).toHaveLength(0);

    lab.startIssues = null;
    await lr.setValue('0.0003');
    await form.trigger('submit');
    await form.trigger('submit'); // a double click must not start two runs
    await flushPromises();
    expect(lab.calls.filter((c) => c.method === 'startRun')).toHaveLength(2);
    expect(lab.runs).toHaveLength(1);
    expect(wrapper.find('form').exists()).toBe(false);
    expect(wrapper.findAll('tbody tr')).toHaveLength(1);
    wrapper.unmount();
  });

  it('offers the goal task and the relabeling strategy as pickers (issue #13 B4)', async () => {
    const base = fakePreset();
    lab.presets = [
      base,
      {
        name: 'arm-push',
        description: 'push',
        env: 'arm',
        algos: ['goal-sac'],
        configs: {
          'goal-sac': {
            seed: 0,
            totalEnvSteps: 20000,
            task: 'l-wall-push',
            her: { relabelStrategy: 'future', relabelK: 4 },
          },
        } as unknown as PresetInfo['configs'],
        sources: {},
      },
    ];
    lab.tasks['my-push'] = {
      source: 'workspace',
      spec: { ...structuredClone(lab.tasks['l-wall-push'].spec), name: 'my-push' },
    };
    const wrapper = mount(RunsView);
    await flushPromises();
    await wrapper.find('button.primary').trigger('click');
    const form = wrapper.find('form');
    await form.find('select[name="preset"]').setValue('arm-push');
    await flushPromises();
    const task = form.find('select[name="task"]');
    expect(task.exists()).toBe(true);
    expect(task.findAll('optgroup').map((g) => g.attributes('label'))).toEqual(['built-in', 'workspace']);
    expect(task.findAll('option').map((o) => o.text())).toEqual(['l-wall-push', 'my-push']);
    const strategy = form.find('select[name="her.relabelStrategy"]');
    expect(strategy.findAll('option').map((o) => o.text())).toEqual([
      'none',
      'final',
      'future',
      'episode',
      'random',
    ]);
    await task.setValue('my-push');
    await strategy.setValue('final');
    await form.trigger('submit');
    await flushPromises();
    expect(lab.calls.find((c) => c.method === 'startRun')?.params).toMatchObject({
      algo: 'goal-sac',
      preset: 'arm-push',
      overrides: { task: 'my-push', 'her.relabelStrategy': 'final' },
    });
    wrapper.unmount();
  });
});

describe('timeline keyboard shortcuts', () => {
  it('space plays/pauses, arrows step frames, brackets change speed', async () => {
    const wrapper = mount(TimelineBar, { attachTo: document.body });
    const compare = useCompareStore();
    compare.setDuration(2, 0.1);
    compare.timeline.playing = true;
    const press = (key: string) => window.dispatchEvent(new KeyboardEvent('keydown', { key }));
    press(' ');
    expect(compare.timeline.playing).toBe(false);
    press('ArrowRight');
    press('ArrowRight');
    expect(compare.timeline.time).toBeCloseTo(0.2);
    press('ArrowLeft');
    expect(compare.timeline.time).toBeCloseTo(0.1);
    press(']');
    expect(compare.timeline.speed).toBe(2);
    press('[');
    press('[');
    expect(compare.timeline.speed).toBe(0.5);
    await wrapper.vm.$nextTick();
    expect(wrapper.text()).toMatch(/0\.10 \/ 2\.00 s/);
    wrapper.unmount();
    press(' ');
    expect(compare.timeline.playing).toBe(false); // no listener left behind
  });

  it('leaves keys typed into form fields alone', () => {
    const input = document.createElement('input');
    expect(keyAction({ key: ' ', target: input, ctrlKey: false, metaKey: false, altKey: false })).toBeNull();
    expect(
      keyAction({ key: ' ', target: document.body, ctrlKey: false, metaKey: false, altKey: false }),
    ).toBe('toggle');
    expect(
      keyAction({ key: 'ArrowLeft', target: null, ctrlKey: true, metaKey: false, altKey: false }),
    ).toBeNull();
  });
});
