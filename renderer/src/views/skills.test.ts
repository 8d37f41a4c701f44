// @vitest-environment happy-dom
/**
 * The Skills view of a run's page (issue #9 §4): a tab for runs whose algorithm has a skill dynamics,
 * goals placed on the map, the planSkills request it makes, episodes drawn as they arrive, the final
 * distances and figures of the report with the planner's sources, stopping, refusals.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import type { PlanEpisodeTrace, ResultOf } from '../../../main/api/contract/contract.ts';
import { setLabClient } from '../api/lab.ts';
import { createFakeLab, fakeRun, type FakeLab } from '../testing/fake_client.ts';
import { useRunsStore } from '../stores/runs.ts';
import RunView from './RunView.vue';

// The map's canvas, WebGL and MuJoCo are for e2e/skills.spec.ts: here the map and the 3D scene
// record what they are given, and the test clicks the map by emitting its `pick`.
vi.mock('../components/SkillMap.vue', async () => ({
  default: (await import('../testing/skill_stubs.ts')).SkillMapStub,
}));
vi.mock('../components/SkillPlanScene.vue', async () => ({
  default: (await import('../testing/skill_stubs.ts')).SkillPlanSceneStub,
}));
vi.mock('../components/SkillReplay.vue', () => ({
  default: { name: 'SkillReplay', props: ['run', 'timeline', 'layout'], template: '<div />' },
}));
vi.mock('../components/VegaPlot.vue', () => ({
  default: { name: 'VegaPlot', props: ['spec', 'data'], template: '<div />' },
}));

let lab: FakeLab;
beforeEach(() => {
  lab = createFakeLab();
  setLabClient(lab.client);
  setActivePinia(createPinia());
});
afterEach(() => useRunsStore().dispose());

const calls = (method: string) => lab.calls.filter((c) => c.method === method).map((c) => c.params);

/** An episode towards `goal` that ends `final` m from it after 20 steps in 2 segments. */
function episode(goal: [number, number], final: number, random = false): PlanEpisodeTrace {
  const f = Array.from({ length: 21 }, (_, t) => [(goal[0] * t) / 21, (goal[1] * t) / 21]);
  const seg = (start: number, skill: number[]) => ({
    start,
    skill,
    predicted: random ? null : [f[start], f[Math.min(20, start + 10)]],
    candidates: random ? [] : [{ skills: [skill], trajectory: [f[start], f[start + 1]], score: -1 }],
    planMs: 3,
  });
  return {
    goal,
    final_distance: final,
    success: final < 0.1,
    steps: 20,
    task: 'goal',
    waypoints: [goal],
    seed: 0,
    steps_to_goal: final < 0.1 ? 18 : null,
    nan: false,
    f,
    qpos: random ? [] : f,
    segments: [seg(0, [1, 0]), seg(10, [0.5, 0.5])],
  };
}

function planned(goals: Array<[number, number]>): Omit<ResultOf<'planSkills'>, 'runId' | 'planId'> {
  const planner = goals.map((g, i) => episode(g, 0.05 + 0.1 * i));
  const baseline = goals.map((g) => episode(g, 0.6, true));
  const figures = (t: PlanEpisodeTrace[]) => ({
    episodes: t.map(({ goal, final_distance, success, steps }) => ({ goal, final_distance, success, steps })),
    mean_final_distance: t.reduce((s, e) => s + e.final_distance!, 0) / t.length,
    success_rate: t.filter((e) => e.success).length / t.length,
  });
  return {
    checkpoint: {
      file: 'checkpoint.bin',
      sha256: 'ab'.repeat(32),
      iteration: 60,
      envSteps: 30000,
      fallback: null,
    },
    report: {
      ...figures(planner),
      success_radius: 0.1,
      baseline: figures(baseline),
      planner: {
        preset: 'dense',
        settings: {
          horizon: 1,
          hold: 10,
          candidates: 50,
          refineSteps: 10,
          gamma: 10,
          variance: 1.5,
          smoothing: 0.9,
          init: 'normal',
        },
        actions: 'mean',
        episode_steps: 50,
        stop_at_goal: true,
        seed: 0,
        sources: { hold: 'DADS paper App. A.5, dense reward (H_Z = 10)', horizon: 'override' },
      },
    },
    traces: { planner, baseline },
  };
}

async function openSkills(runId: string): Promise<VueWrapper> {
  const wrapper = mount(RunView, { props: { runId } });
  await flushPromises();
  await wrapper.find('[data-tab=skills]').trigger('click');
  await flushPromises();
  return wrapper;
}

const map = (w: VueWrapper) => w.findComponent({ name: 'SkillMap' });
const pick = async (w: VueWrapper, x: number, y: number) => {
  map(w).vm.$emit('pick', x, y, 0.05);
  await flushPromises();
};

describe('the Skills view', () => {
  it('is a tab of runs with a skill dynamics (DADS) only', async () => {
    lab.runs.push(fakeRun({ id: 'dads-1', algo: 'dads' }), fakeRun({ id: 'diayn-1', algo: 'diayn' }));
    const dads = mount(RunView, { props: { runId: 'dads-1' } });
    await flushPromises();
    expect(dads.findAll('[role=tab]').map((t) => t.text())).toEqual(['Overview', 'Skills', 'Config']);
    dads.unmount();
    const diayn = mount(RunView, { props: { runId: 'diayn-1' } });
    await flushPromises();
    expect(diayn.findAll('[role=tab]').map((t) => t.text())).toEqual(['Overview', 'Config']);
    diayn.unmount();
  });

  it('places goals where the map is clicked, plans them, and shows each episode and the final distances', async () => {
    lab.runs.push(fakeRun({ id: 'dads-1', algo: 'dads' }));
    lab.plans['dads-1'] = planned([
      [0.5, -0.3],
      [-0.2, 0.6],
    ]);
    const w = await openSkills('dads-1');
    const plan = () => w.find('[data-test=plan]');
    expect(plan().attributes('disabled')).toBeDefined(); // no goals yet
    await pick(w, 0.4962, -0.3049);
    await pick(w, -0.2, 0.6);
    await pick(w, 0.9, 0.9);
    await pick(w, 0.91, 0.89); // on the third goal: removes it
    expect(w.findAll('[data-test=goal]').map((g) => g.text())).toEqual([
      expect.stringContaining('1: (0.50, -0.30) m'),
      expect.stringContaining('2: (-0.20, 0.60) m'),
    ]);
    expect(JSON.parse(map(w).attributes('data-goals')!)).toEqual([
      [0.5, -0.3],
      [-0.2, 0.6],
    ]);
    expect(plan().text()).toBe('Plan 2 goals');

    await w.find('input[name=seed]').setValue(4);
    await w.find('input[name=set-hold]').setValue('5');
    await w.find('[data-test=plan-form]').trigger('submit');
    await flushPromises();
    const [params] = calls('planSkills') as Array<{ planId: string }>;
    expect(params).toEqual({
      runId: 'dads-1',
      planId: expect.stringMatching(/^plan-/),
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

    // Both episodes, each with its random-skill comparison, drawn on the map and in 3D.
    expect(map(w).attributes()).toMatchObject({
      'data-traces': '2',
      'data-skill-kind': 'continuous',
      'data-baseline': '2',
      'data-radius': '0.1',
      'data-editable': 'true',
    });
    expect(w.find('.scene-stub').attributes()).toMatchObject({
      'data-env': 'point-mass',
      'data-traces': '2',
    });
    const rows = w.findAll('[data-test=plan-row]');
    expect(rows.map((r) => r.find('[data-test=final-distance]').text())).toEqual(['0.050 m', '0.150 m']);
    expect(rows[0].text()).toContain('yes');
    expect(rows[1].text()).toContain('no');
    expect(rows[0].text()).toContain('0.600 m'); // the random skills from the same start
    const figures = w.find('[data-test=plan-figures]').text();
    expect(figures).toContain('success rate (final distance < 0.1 m)');
    expect(figures).toContain('0.50');
    expect(figures).toContain('0.100 m'); // mean final distance of MPPI
    expect(figures).toContain('0.600 m'); // of random skills
    const results = w.find('[data-test=plan-results]').text();
    expect(results).toContain('checkpoint at 30 k env steps');
    expect(results).toContain('DADS paper App. A.5, dense reward (H_Z = 10)');
    expect(w.find('[data-test=plan-command]').text()).toBe(
      'skill-lab plan dads-1 --goal 0.5,-0.3 --goal -0.2,0.6 --seed 4 --set hold=5 --json',
    );

    // The baseline can be hidden from the map; a new goal starts a new plan.
    await w.find('input[name=show-baseline]').setValue(false);
    expect(map(w).attributes('data-show-baseline')).toBe('false');
    await pick(w, 0, 0.3);
    expect(w.find('[data-test=plan-results]').exists()).toBe(false);
    expect(JSON.parse(map(w).attributes('data-goals')!)).toHaveLength(3);
    w.unmount();
  });

  it('shows episodes as they arrive, can stop the plan, and stops it when the view closes', async () => {
    lab.runs.push(fakeRun({ id: 'dads-1', algo: 'dads' }));
    lab.plans['dads-1'] = planned([[0.5, -0.3]]);
    lab.holdPlans = true;
    const w = await openSkills('dads-1');
    await pick(w, 0.5, -0.3);
    await w.find('[data-test=plan-form]').trigger('submit');
    await flushPromises();
    expect(w.find('[data-test=plan-status]').text()).toContain('1 of 1 episodes done');
    expect(map(w).attributes('data-traces')).toBe('1'); // from the planEpisode event
    expect(map(w).attributes('data-editable')).toBe('false');
    expect(w.find('[data-test=final-distance]').text()).toBe('0.050 m');
    // Another plan's episodes are not this one's.
    lab.emit('planEpisode', {
      planId: 'someone-else',
      runId: 'dads-1',
      kind: 'planner',
      index: 1,
      trace: episode([1, 1], 0.3),
    });
    await flushPromises();
    expect(map(w).attributes('data-traces')).toBe('1');

    await w.find('[data-test=stop-plan]').trigger('click');
    await flushPromises();
    const { planId } = calls('planSkills')[0] as { planId: string };
    expect(calls('stopPlan')).toEqual([{ planId }]);
    expect(w.find('[data-test=plan-error]').text()).toContain(`plan ${planId} was stopped`);
    expect(w.find('[data-test=plan]').exists()).toBe(true);

    // Planning again, then leaving the page: the plan is stopped, nobody would see it.
    await w.find('[data-test=plan-form]').trigger('submit');
    await flushPromises();
    const second = (calls('planSkills')[1] as { planId: string }).planId;
    w.unmount();
    await flushPromises();
    expect(calls('stopPlan')).toEqual([{ planId }, { planId: second }]);
  });

  it('says why a plan is refused', async () => {
    lab.runs.push(fakeRun({ id: 'dads-0', algo: 'dads', envSteps: 0, iterations: 0, status: 'created' }));
    const w = await openSkills('dads-0');
    expect(w.find('[data-test=no-checkpoint]').text()).toContain('no checkpoint yet');
    await pick(w, 0.5, 0.5);
    await w.find('[data-test=plan-form]').trigger('submit');
    await flushPromises();
    expect(w.find('[data-test=plan-error]').text()).toContain('run dads-0 has no checkpoint yet');
    w.unmount();
  });
});
