/**
 * Stand-ins for the Skills map (canvas) and the 3D plan scene (WebGL, MuJoCo) in the happy-dom tests
 * of the views that show skill traces (skills.test.ts, controller.test.ts): they record what they are
 * given as data attributes, and the map's `pick` can be emitted to click it. The real components are
 * drawn and pixel-checked by e2e/skills.spec.ts. Use inside `vi.mock` factories (hoisted), e.g.
 * `vi.mock('../components/SkillMap.vue', async () => ({ default: (await import('../testing/skill_stubs.ts')).SkillMapStub }))`.
 */
export const SkillMapStub = {
  name: 'SkillMap',
  props: [
    'bounds',
    'arena',
    'goals',
    'radius',
    'traces',
    'baseline',
    'showBaseline',
    'skillKind',
    'time',
    'dt',
    'editable',
  ],
  emits: ['pick'],
  template:
    '<div class="map-stub" :data-goals="JSON.stringify(goals)" :data-traces="traces.length" :data-skill-kind="skillKind" :data-baseline="baseline.length" :data-show-baseline="showBaseline" :data-radius="radius" :data-editable="editable" />',
};

export const SkillPlanSceneStub = {
  name: 'SkillPlanScene',
  props: ['env', 'xml', 'traces', 'skillKind', 'goals', 'radius', 'time', 'dt'],
  template:
    '<div class="scene-stub" :data-env="env" :data-traces="traces.length" :data-skill-kind="skillKind" />',
};
