import { describe, expect, it } from 'vitest';
import { tableBox, taskFrameBox, taskHandles } from './task_handles.ts';

// The parts of a compiled arm scene (tasks/mjcf.ts) that matter here: the arm's base at the table's
// near edge, its shoulder 0.35 m up, and the table.
const ARM_XML = `<mujoco model="arm">
  <worldbody>
    <geom name="table" class="scene" type="box" pos="0 0 -0.025" size="0.45 0.55 0.025" friction="1 0.005 0.0001" material="table"/>
    <body name="base" pos="-0.5 0 0"><body name="shoulder" pos="0 0 0.35"/></body>
  </worldbody>
</mujoco>`;

const L_WALL = {
  robot: 'arm',
  objects: [
    { kind: 'block', halfSize: [0.025, 0.025, 0.025], start: { x: [-0.15, -0.05], y: [-0.15, 0.05] } },
  ],
  obstacles: [{ kind: 'wall', pos: [0.05, -0.05], yaw: Math.PI / 2, halfSize: [0.16, 0.01, 0.04] }],
  goal: { x: [0.12, 0.22], y: [-0.13, -0.02] },
};

describe('task preview framing (issue #13 B7)', () => {
  it('reads the table from the compiled scene', () => {
    expect(tableBox(ARM_XML)).toEqual({ center: [0, 0, -0.025], half: [0.45, 0.55, 0.025] });
    expect(tableBox('<mujoco><worldbody><geom name="floor" type="plane"/></worldbody></mujoco>')).toBeNull();
  });

  it('frames the table top and the task’s goal, wall and block, not the arm above the table’s edge', () => {
    const box = taskFrameBox(ARM_XML, taskHandles(L_WALL))!;
    expect(box.min[0]).toBeCloseTo(-0.45);
    expect(box.max[0]).toBeCloseTo(0.45);
    expect(box.min[1]).toBeCloseTo(-0.55);
    expect(box.max[1]).toBeCloseTo(0.55);
    expect(box.min[2]).toBeCloseTo(0);
    // The arm's base (x = -0.5) and shoulder (0.35 m up) stay out; the wall's 4 cm height is in.
    expect(box.max[2]).toBeGreaterThanOrEqual(0.08 - 1e-9);
    expect(box.max[2]).toBeLessThan(0.2);
    const centre = box.min.map((v, i) => (v + box.max[i]) / 2);
    expect(centre[0]).toBeCloseTo(0, 1);
    expect(centre[1]).toBeCloseTo(0, 1);
  });

  it('grows the frame to a handle beyond the table', () => {
    const far = { ...L_WALL, goal: { x: [0.5, 0.7], y: [0.6, 0.7] } };
    const box = taskFrameBox(ARM_XML, taskHandles(far))!;
    expect(box.max[0]).toBeCloseTo(0.7);
    expect(box.max[1]).toBeCloseTo(0.7);
  });

  it('leaves a scene without a table to the bodies’ bounds', () => {
    expect(taskFrameBox('<mujoco/>', taskHandles(L_WALL))).toBeNull();
  });
});
