// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { setLabClient } from '../api/lab.ts';
import { createFakeLab, fakeRun, type FakeLab } from '../testing/fake_client.ts';
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

  it('shows the server’s issue next to the field and starts nothing; a fixed value starts once', async () => {
    lab.startIssues = [{ path: 'sac.lr', message: 'Too small: expected number to be >0' }];
    const wrapper = mount(RunsView);
    await flushPromises();
    await wrapper.find('button.primary').trigger('click');
    const form = wrapper.find('form');
    expect(form.exists()).toBe(true);
    const lr = form.find('input[name="sac.lr"]');
    expect((lr.element as HTMLInputElement).value).toBe('0.001');
    expect(form.text()).toMatch(/DIAYN paper, Table 1/); // the source as a hint
    await lr.setValue('-1');
    await form.trigger('submit');
    await flushPromises();
    expect(lr.attributes('aria-invalid')).toBe('true');
    expect(form.find('[role="alert"]').text()).toMatch(/expected number to be >0/);
    const starts = lab.calls.filter((c) => c.method === 'startRun');
    expect(starts).toHaveLength(1);
    expect(starts[0].params).toMatchObject({
      algo: 'diayn',
      preset: 'point-mass',
      overrides: { 'sac.lr': -1 },
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
