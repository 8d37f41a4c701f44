/**
 * Checks shared by the MuJoCo envs (envs.ts, arm_env.ts): action validation with clipping, and
 * the signs of a simulation that blew up.
 */
import type { MjData } from './mujoco.ts';

/** mjWARN_BADQPOS, mjWARN_BADQVEL, mjWARN_BADQACC. */
const BAD_STATE_WARNINGS = [3, 4, 5] as const;

/** True when every element is a finite number. */
export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

/**
 * Copies `action` into `out`, clipped elementwise to [low[j], high[j]].
 * @throws Error naming `envName` when `action` is not an array of `out.length` finite numbers (the
 *   index of the first bad element).
 */
export function clipActionInto(
  envName: string,
  action: ArrayLike<number>,
  low: ArrayLike<number>,
  high: ArrayLike<number>,
  out: Float64Array,
): void {
  const n = out.length;
  if (action === null || typeof action !== 'object' || typeof action.length !== 'number')
    throw new Error(`${envName}: action must be an array of ${n} numbers`);
  if (action.length !== n) throw new Error(`${envName}: action has length ${action.length}, expected ${n}`);
  for (let j = 0; j < n; j++) {
    const a = action[j];
    if (typeof a !== 'number' || !Number.isFinite(a))
      throw new Error(`${envName}: action[${j}] is ${String(a)}; actions must be finite numbers`);
    out[j] = a < low[j] ? low[j] : a > high[j] ? high[j] : a;
  }
}

/**
 * Whether a block of `substeps` physics steps of `timestep` s that started at time `t0` blew up.
 * MuJoCo repairs a NaN/Inf/huge qpos, qvel or qacc by resetting the data to qpos0 and counting a
 * warning, then keeps stepping, so the state after the block can look finite. Two cheap signs catch
 * that: the clock went backwards (a reset zeroes time), or, when the block started at time 0 where
 * the clock cannot tell, the bad-state warning counters (zeroed by the env's own reset).
 */
export function wentUnstable(data: MjData, t0: number, substeps: number, timestep: number): boolean {
  if (!allFinite(data.qpos as Float64Array) || !allFinite(data.qvel as Float64Array)) return true;
  if (data.time < t0 + (substeps - 0.5) * timestep) return true;
  if (t0 < 0.5 * timestep) {
    // A reference to MjData's own vector: do not delete it. Elements come back as copies: delete those.
    const warnings = data.warning;
    for (const w of BAD_STATE_WARNINGS) {
      const stat = warnings.get(w);
      if (!stat) continue;
      const count = stat.number;
      stat.delete();
      if (count > 0) return true;
    }
  }
  return false;
}
