import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { patchMujocoGlue, EVAL_INVOKER_LINE } from './mujoco_no_eval.ts';

const require = createRequire(import.meta.url);
const glueDir = dirname(require.resolve('@mujoco/mujoco/mujoco.wasm'));
const glue = readFileSync(join(glueDir, 'mujoco.js'), 'utf8');

/**
 * Runs a script that loads a glue with code generation from strings disallowed — what a CSP
 * without 'unsafe-eval' does in the browser — then loads a model, steps it and poses it.
 */
function runWithoutEval(glueSource: string) {
  const dir = mkdtempSync(join(tmpdir(), 'skill-lab-glue-'));
  writeFileSync(join(dir, 'mujoco.mjs'), glueSource);
  copyFileSync(join(glueDir, 'mujoco.wasm'), join(dir, 'mujoco.wasm'));
  writeFileSync(
    join(dir, 'run.mjs'),
    `import load from './mujoco.mjs';
     const mj = await load();
     const m = mj.MjModel.from_xml_string('<mujoco><asset><texture name="c" type="2d" builtin="checker" width="8" height="8"/><material name="m" texture="c"/></asset><worldbody><geom type="plane" pos="0 0 -5" size="1 1 0.1" material="m"/><body><freejoint/><geom size="0.1"/></body></worldbody></mujoco>');
     const texAdr = m.tex_adr[0]; // built through an emval method caller
     const d = new mj.MjData(m);
     for (let i = 0; i < 10; i++) mj.mj_step(m, d);
     d.qpos[0] = 1.5;
     mj.mj_kinematics(m, d);
     console.log(JSON.stringify({ x: d.xpos[3], z: d.qpos[2], texAdr }));
     d.delete(); m.delete();`,
  );
  return spawnSync(process.execPath, ['--disallow-code-generation-from-strings', join(dir, 'run.mjs')], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('MuJoCo glue under a CSP without unsafe-eval', () => {
  it('the shipped glue needs string code generation (so the patch is needed)', () => {
    expect(glue).toContain(EVAL_INVOKER_LINE);
    const r = runWithoutEval(glue);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Code generation from strings disallowed|EvalError/);
  });

  it('the patched glue loads, steps and poses a model without generating code', () => {
    const r = runWithoutEval(patchMujocoGlue(glue));
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim());
    expect(out.x).toBeCloseTo(1.5, 6); // mj_kinematics moved the body to the written qpos
    expect(out.z).toBeLessThan(0); // ten steps of free fall from z = 0
    expect(out.texAdr).toBe(0);
  });

  it('refuses a glue it does not know', () => {
    expect(() => patchMujocoGlue('console.log(1)')).toThrow(/needs updating/);
  });
});
