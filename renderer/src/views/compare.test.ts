// @vitest-environment happy-dom
/** The compare view's columns share their plots' axes and, when asked, their 3D cameras (issue #13 B5). */
import { beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { setLabClient } from '../api/lab.ts';
import { createFakeLab, fakeRun, type FakeLab } from '../testing/fake_client.ts';
import CompareView from './CompareView.vue';
import LearningCurves from '../components/LearningCurves.vue';
import { useCompareStore } from '../stores/compare.ts';

let lab: FakeLab;
beforeEach(() => {
  lab = createFakeLab();
  setLabClient(lab.client);
  setActivePinia(createPinia());
});

const rows = (n: number, acc: (i: number) => number) =>
  Array.from({ length: n }, (_, i) => ({
    iteration: i + 1,
    env_steps: (i + 1) * 500,
    wall_s: i,
    discriminator_accuracy: acc(i),
    alpha: 0.1,
  }));

/** CompareView with runs a (accuracy 0.2…0.3) and b (0.6…0.9) chosen; 3D and Vega stubbed (no WebGL here). */
async function mountCompare() {
  lab.runs.push(fakeRun({ id: 'a' }), fakeRun({ id: 'b' }), fakeRun({ id: 'fresh' }));
  lab.metrics.a = rows(3, (i) => 0.2 + i / 20);
  lab.metrics.b = rows(6, (i) => 0.6 + i / 20);
  useCompareStore().select(['a', 'b']);
  const wrapper = mount(CompareView, { global: { stubs: { SkillReplay: true, VegaPlot: true } } });
  await flushPromises();
  return wrapper;
}

describe('CompareView (issue #13 B5)', () => {
  it('puts every column’s curves on the same axes by default; a checkbox lets each scale on its own', async () => {
    const wrapper = await mountCompare();
    const shared = wrapper.find('[data-test="shared-axes"]');
    expect((shared.element as HTMLInputElement).checked).toBe(true);
    const domains = () => wrapper.findAllComponents(LearningCurves).map((c) => c.props('domains'));
    const [da, db] = domains();
    expect(da).toEqual(db);
    expect(da!.y['discriminator accuracy']).toEqual([0.2, 1]); // 0.2…0.85, widened to steps of 0.2
    expect(da!.x).toEqual([0, 3000]);
    await shared.setValue(false);
    expect(domains()).toEqual([null, null]);
    wrapper.unmount();
  });

  it('offers linked 3D cameras, off until ticked', async () => {
    const wrapper = await mountCompare();
    const box = wrapper.find('[data-test="link-cameras"]');
    expect((box.element as HTMLInputElement).checked).toBe(false);
    await box.setValue(true);
    expect(useCompareStore().linkCameras).toBe(true);
    wrapper.unmount();
  });

  it('draws no plot for a run without metric rows, only a line saying so', async () => {
    lab.runs.push(fakeRun({ id: 'a' }), fakeRun({ id: 'fresh', status: 'running', activity: 'training' }));
    lab.metrics.a = rows(3, () => 0.5);
    useCompareStore().select(['a', 'fresh']);
    const wrapper = mount(CompareView, { global: { stubs: { SkillReplay: true, VegaPlot: true } } });
    await flushPromises();
    const columns = wrapper.findAllComponents(LearningCurves);
    expect(columns[0].findComponent({ name: 'VegaPlot' }).exists()).toBe(true);
    expect(columns[1].findComponent({ name: 'VegaPlot' }).exists()).toBe(false);
    expect(columns[1].find('[data-test="no-metrics"]').text()).toMatch(/No metric rows yet/);
    wrapper.unmount();
  });
});
