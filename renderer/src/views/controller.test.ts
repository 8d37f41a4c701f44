// @vitest-environment happy-dom
/**
 * A meta-controller run's page (issue #9 §4, "a meta-controller run shows the skills it picked the
 * same way"): its overview draws the evaluation's traces with the Skills view's map and 3D scene —
 * DADS's continuous z on the hue wheel, DIAYN's skills by index in the skill palette with a legend —
 * the goal with the success radius, per episode the final distance, success, steps and the skills in
 * order, and names the skill run it composes (run, algorithm, checkpoint, SHA-256) with a link to it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import type {
  EvalSummary,
  PlanEpisodeTrace,
  RunRecordInfo,
  RunSummary,
} from '../../../main/api/contract/contract.ts';
import { SKILL_PALETTE } from '../../../main/api/contract/presentation.ts';
import { setLabClient } from '../api/lab.ts';
import { createFakeLab, fakeRun, type FakeLab } from '../testing/fake_client.ts';
import { useRunsStore } from '../stores/runs.ts';
import RunView from './RunView.vue';

// The map's canvas, WebGL and MuJoCo are for e2e/skills.spec.ts: here the map and the 3D scene
// record what they are given.
vi.mock('../components/SkillMap.vue', async () => ({
  default: (await import('../testing/skill_stubs.ts')).SkillMapStub,
}));
vi.mock('../components/SkillPlanScene.vue', async () => ({
  default: (await import('../testing/skill_stubs.ts')).SkillPlanSceneStub,
}));
vi.mock('../components/SkillReplay.vue', () => ({
  default: { name: 'SkillReplay', props: ['run', 'timeline', 'layout'], template: '<div />' },
}));
vi.mock('../components/TaskPreview.vue', () => ({
  default: { name: 'TaskPreview', props: ['xml', 'spec', 'samples', 'readonly'], template: '<div />' },
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

const SHA = '0123456789abcdef'.repeat(4);

/** An evaluation episode towards (0.5, 0.5) ending `final` m from it, one segment per skill given. */
function episode(seed: number, final: number, skills: number[][]): PlanEpisodeTrace {
  const steps = 10 * skills.length;
  const f = Array.from({ length: steps + 1 }, (_, t) => [(0.5 * t) / steps, (0.5 * t) / steps - final]);
  return {
    goal: [0.5, 0.5],
    final_distance: final,
    success: final < 0.1,
    steps,
    task: 'goal (0.50, 0.50) m with the skills of skills-1',
    waypoints: [[0.5, 0.5]],
    seed,
    steps_to_goal: final < 0.1 ? steps : null,
    nan: false,
    f,
    qpos: f,
    segments: skills.map((skill, k) => ({
      start: 10 * k,
      skill,
      predicted: null,
      candidates: [],
      planMs: 0,
    })),
  };
}

/** The evaluation report of a controller over `algo`'s skills, as skill_controller.ts writes it. */
function controllerSummary(run: RunSummary, algo: string, traces: PlanEpisodeTrace[]): EvalSummary {
  const finals = traces.map((t) => t.final_distance!);
  return {
    run: run.id,
    algo: run.algo,
    env: run.env,
    env_steps: run.envSteps,
    state_function: 'achieved goal',
    rollouts_per_skill: traces.length,
    episode_steps: 50,
    coverage_cells: 0,
    coverage_cell_m: 0,
    mean_normalized_variance: null,
    skills: [],
    episodes: traces.length,
    success_rate: traces.filter((t) => t.success).length / traces.length,
    episode_return: -12.5,
    task: traces[0].task,
    mean_final_distance: finals.reduce((s, d) => s + d, 0) / finals.length,
    success_radius: 0.1,
    goal: [0.5, 0.5],
    skills_from: { run: 'skills-1', algo, sha256: SHA },
    traces,
  };
}

/** A completed controller run over the skill run `skills-1` (of `algo`, listed unless `gone`). */
function controllerRun(algo: 'dads' | 'diayn', evaluated: PlanEpisodeTrace[] | null, gone = false) {
  const run = fakeRun({
    id: 'ctl-1',
    algo: 'skill-controller',
    metrics: { success_rate: 0.5, final_distance: 0.2 },
    evaluated: evaluated !== null,
  });
  lab.runs.push(run);
  if (!gone) lab.runs.push(fakeRun({ id: 'skills-1', algo }));
  const skillSource: RunRecordInfo['skillSource'] = {
    run: 'skills-1',
    path: '/ws/runs/skills-1',
    algo,
    checkpoint: 'checkpoint.bin',
    sha256: SHA,
    iteration: 60,
    envSteps: 30000,
    copy: 'skills.bin',
    pinnedAt: new Date().toISOString(),
  };
  lab.records['ctl-1'] = { skillSource };
  if (evaluated)
    lab.evaluations['ctl-1'] = { summary: controllerSummary(run, algo, evaluated), rollouts: [] };
  return run;
}

async function open(): Promise<VueWrapper> {
  const w = mount(RunView, { props: { runId: 'ctl-1' } });
  await flushPromises();
  return w;
}

const section = (w: VueWrapper) => w.find('[data-test=controller-skills]');

describe('a meta-controller run’s page', () => {
  it('draws the skills it picked over DADS skills on the map and in 3D, with the final distances and the pinned skills', async () => {
    controllerRun('dads', [
      episode(20000, 0.05, [
        [1, 0],
        [0.2, 0.9],
      ]),
      episode(20001, 0.3, [
        [-1, 0],
        [0, -1],
        [0.5, 0.5],
      ]),
    ]);
    const w = await open();
    // No planner tab: the controller's skills are on its overview.
    expect(w.findAll('[role=tab]').map((t) => t.text())).toEqual(['Overview', 'Config']);
    expect(section(w).exists()).toBe(true);

    const from = w.find('[data-test=skills-from]');
    expect(from.text()).toContain('skills from skills-1');
    expect(from.text()).toContain('DADS, checkpoint at 30 k env steps (iteration 60), SHA-256 0123456789ab…');
    expect(w.find('[data-test=skills-from-link]').attributes('href')).toBe('#run=skills-1');
    expect(w.find('[data-test=head-skills-from]').attributes('href')).toBe('#run=skills-1');

    // Both episodes drawn, skills on the hue wheel, the goal with its radius; nothing to click.
    expect(w.find('.map-stub').attributes()).toMatchObject({
      'data-traces': '2',
      'data-skill-kind': 'continuous',
      'data-radius': '0.1',
      'data-editable': 'false',
      'data-baseline': '0',
    });
    expect(JSON.parse(w.find('.map-stub').attributes('data-goals')!)).toEqual([[0.5, 0.5]]);
    expect(w.find('.scene-stub').attributes()).toMatchObject({
      'data-env': 'point-mass',
      'data-traces': '2',
      'data-skill-kind': 'continuous',
    });
    const legend = w.find('[data-test=skill-legend]');
    expect(legend.find('.wheel').exists()).toBe(true);
    expect(legend.find('input[name=show-baseline]').exists()).toBe(false);
    expect(legend.text()).not.toContain('predictions');

    const rows = w.findAll('[data-test=controller-episode]');
    expect(rows.map((r) => r.find('[data-test=final-distance]').text())).toEqual(['0.050 m', '0.300 m']);
    expect(rows[0].text()).toContain('seed 20000');
    expect(rows[0].text()).toContain('yes');
    expect(rows[1].text()).toContain('no');
    expect(rows[1].findAll('.seg').map((s) => s.attributes('title'))).toEqual([
      'segment 1: z = (−1.00, 0.00)',
      'segment 2: z = (0.00, −1.00)',
      'segment 3: z = (0.50, 0.50)',
    ]);
    // The evaluation's figures have the mean final distance beside the success rate.
    const figures = w.find('[data-test=evaluation]').text();
    expect(figures).toContain('mean final distance');
    expect(figures).toContain('0.175 m');
    expect(figures).toContain('success: < 0.1 m');
    w.unmount();
  });

  it('colours DIAYN’s skills by index in the skill palette, with a legend of the skills picked', async () => {
    const onehot = (k: number) => Array.from({ length: 12 }, (_, j) => (j === k ? 1 : 0));
    controllerRun('diayn', [
      episode(20000, 0.4, [onehot(3), onehot(11), onehot(3)]),
      episode(20001, 0.5, [onehot(1)]),
    ]);
    const w = await open();
    expect(w.find('.map-stub').attributes('data-skill-kind')).toBe('discrete');
    expect(w.find('.scene-stub').attributes('data-skill-kind')).toBe('discrete');
    expect(w.find('[data-test=skills-from]').text()).toContain('DIAYN, checkpoint at 30 k env steps');
    const legend = w.find('[data-test=skill-legend]');
    expect(legend.find('.wheel').exists()).toBe(false);
    const chips = legend.findAll('[data-test=legend-skill]');
    expect(chips.map((c) => c.text())).toEqual(['1', '3', '11']);
    expect(chips[1].attributes('title')).toBe('skill 3: held in 2 segments');
    // Skill 11 has skill 1's colour (the palette has 10): said so.
    expect(chips[0].find('i').attributes('style')).toContain(SKILL_PALETTE[1]);
    expect(chips[2].find('i').attributes('style')).toContain(SKILL_PALETTE[1]);
    expect(legend.text()).toContain('skills 1, 11 share a colour');
    const [first] = w.findAll('[data-test=controller-episode]');
    expect(first.findAll('.seg').map((s) => s.text())).toEqual(['3', '11', '3']);
    expect(first.findAll('.seg')[0].attributes('style')).toContain(rgb(SKILL_PALETTE[3]));
    w.unmount();
  });

  it('says what shows once evaluated, draws the episodes when the evaluation ends, and marks a skill run deleted since', async () => {
    const run = controllerRun('dads', null, true);
    const w = await open();
    expect(section(w).find('[data-test=no-traces]').text()).toContain('Once evaluated');
    expect(w.find('.map-stub').exists()).toBe(false);
    expect(w.find('[data-test=not-evaluated]').text()).toContain('runs the deterministic policy');
    expect(w.find('[data-test=skills-from]').text()).toContain(
      'deleted since; this run keeps its own copy of the skills',
    );

    // The run is evaluated (from here or elsewhere): the traces follow.
    lab.evaluations['ctl-1'] = {
      summary: controllerSummary(run, 'dads', [episode(20000, 0.08, [[1, 0]])]),
      rollouts: [],
    };
    lab.emit('runStatus', { ...run, evaluated: true });
    await flushPromises();
    expect(w.find('.map-stub').attributes('data-traces')).toBe('1');
    expect(w.find('[data-test=final-distance]').text()).toBe('0.080 m');
    w.unmount();
  });

  it('is only on the pages of algorithms whose evaluation traces the skills picked (the catalog says which)', async () => {
    lab.runs.push(fakeRun({ id: 'dads-1', algo: 'dads' }), fakeRun({ id: 'goal-1', algo: 'goal-sac' }));
    for (const id of ['dads-1', 'goal-1']) {
      const w = mount(RunView, { props: { runId: id } });
      await flushPromises();
      expect(section(w).exists(), id).toBe(false);
      w.unmount();
    }
  });
});

/** A `#rrggbb` colour as the DOM writes it in a style, `rgb(r, g, b)`. */
function rgb(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}
