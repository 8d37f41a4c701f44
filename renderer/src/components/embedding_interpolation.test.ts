// @vitest-environment happy-dom
/**
 * The interpolation panel of a skill-embedding run on the arm (issue #11 §2): the pairs named by their
 * tasks, the goals of the pair's block start listed and handed to the map (x-y) and the 3D scene
 * (x-y-z), the arm's own scene and step length, and a readout that names the goal the block ends
 * nearest. The map and the 3D scene are stand-ins here (e2e/embedding.spec.ts draws the point mass's).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import type { EvalSummary, PlanEpisodeTrace } from '../../../main/api/contract/contract.ts';
import { setLabClient } from '../api/lab.ts';
import { createFakeLab, fakeEvalSummary, fakeRun, type FakeLab } from '../testing/fake_client.ts';
import EmbeddingInterpolation from './EmbeddingInterpolation.vue';

vi.mock('./SkillMap.vue', async () => ({
  default: (await import('../testing/skill_stubs.ts')).SkillMapStub,
}));
vi.mock('./SkillPlanScene.vue', async () => ({
  default: (await import('../testing/skill_stubs.ts')).SkillPlanSceneStub,
}));

const NAMES = ['push +x', 'push −x', 'push +y', 'push −y', 'lift'];
const START = [-0.1, 0, 0.025];
const GOALS = [
  [0, 0, 0.025],
  [-0.2, 0, 0.025],
  [-0.1, 0.1, 0.025],
  [-0.1, -0.1, 0.025],
  [-0.1, 0, 0.125],
];

/** An episode whose block goes from the start to `end`, judged against the goal of task `near`. */
function trace(end: number[], near: number, z: number[]): PlanEpisodeTrace {
  const dist = Math.hypot(...GOALS[near].map((v, j) => end[j] - v));
  return {
    task: 'z = …',
    waypoints: [],
    seed: 7,
    steps_to_goal: null,
    nan: false,
    f: [START, end],
    qpos: [Array(16).fill(0), Array(16).fill(0.1)],
    segments: [{ start: 0, skill: z, predicted: null, candidates: [], planMs: 0 }],
    goal: GOALS[near],
    final_distance: dist,
    success: dist < 0.05,
    steps: 1,
  };
}

let lab: FakeLab;
beforeEach(() => {
  setActivePinia(createPinia());
  lab = createFakeLab();
  setLabClient(lab.client);
});
afterEach(() => vi.restoreAllMocks());

describe('the interpolation on the arm', () => {
  it('names the tasks, hands the start’s goals to the map and the arm’s scene, and names the goal reached', async () => {
    const run = fakeRun({
      id: 'emb-arm',
      algo: 'skill-embedding',
      env: 'arm',
      preset: 'arm-skills',
      evaluated: true,
    });
    lab.runs.push(run);
    const summary: EvalSummary = {
      ...fakeEvalSummary(run, 0),
      success_radius: 0.05,
      regions: [],
      task_names: NAMES,
      interpolations: [
        {
          from: 0,
          to: 4,
          alphas: [0, 0.5, 1],
          goals: GOALS,
          traces: [
            trace([0.01, 0, 0.025], 0, [1, 0, 0]),
            trace([-0.1, 0, 0.05], 4, [0, 0, 0]),
            trace([-0.1, 0.01, 0.06], 4, [-1, 0, 0]),
          ],
        },
      ],
    };
    lab.evaluations[run.id] = { summary, rollouts: [] };
    const w = mount(EmbeddingInterpolation, { props: { run } });
    await flushPromises();

    expect(w.findAll('select[name=interp-pair] option').map((o) => o.text())).toEqual(['push +x → lift']);
    expect(w.get('[data-test=interp-goals]').text()).toBe(
      'goals for this start (numbered on the map): 1 push +x · 2 push −x · 3 push +y · 4 push −y · 5 lift',
    );
    const readout = w.get('[data-test=interp-readout]');
    expect(readout.text()).toContain('α = 0.0 · z = (1.00, 0.00, 0.00)');
    expect(readout.text()).toContain(
      'the block ends 0.01 m from the goal of “push +x” (0.00, 0.00, 0.03), reached',
    );
    // The map gets x-y goals, the 3D scene the arm's own scene and x-y-z goals.
    expect(JSON.parse(w.get('.map-stub').attributes('data-goals')!)).toEqual(GOALS.map((g) => [g[0], g[1]]));
    const scene = w.findComponent({ name: 'SkillPlanScene' });
    expect(scene.props('xml')).toBe('<mujoco model="family"/>');
    expect(scene.props('goals')).toEqual(GOALS);
    expect(scene.props('dt')).toBe(0.04);

    await w.get('input[name=interp-alpha]').setValue('2');
    expect(readout.text()).toContain('α = 1.0');
    expect(readout.text()).toContain('from the goal of “lift” (-0.10, 0.00, 0.13)');
    expect(readout.text()).not.toContain('reached');
  });
});
