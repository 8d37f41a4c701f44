/**
 * The batched, pure reward of a task spec: one {@link GoalRewardFn} that the env's `step`, hindsight
 * relabeling and evaluation all call (Gymnasium-Robotics `compute_reward(achieved_goal,
 * desired_goal, info)`, achieved first; reference/relabeling_and_multitask.md §1.2).
 *
 * Terms (reward = Σ weight × term):
 * - `sparse`: −1 unless ‖achieved − desired‖ < threshold, else 0 (Fetch: −(d > 0.05)).
 * - `dense`: −‖achieved − desired‖ (Fetch dense).
 * - `ee-object`: −info.eeObjectDistance (m, grip site to the first object; per transition).
 * - `lift`: + clamp(info.liftHeight, 0, maxHeight) (m, first object above its resting height).
 * Success: ‖achieved − desired‖ < success threshold (Fetch `_is_success`).
 *
 * At exactly d = threshold Fetch's sparse reward says 0 while its success says false; here both use
 * `d < threshold`, so a sparse reward of 0 always means success when the thresholds agree.
 *
 * Never imports tfjs.
 */
import type { GoalEvaluation, GoalRewardFn } from './goal_reward.ts';
import type { RewardTerm } from './schema.ts';

/** Per-transition info column: distance in m from the grip site to the first object (after the step). */
export const INFO_EE_OBJECT_DISTANCE = 'eeObjectDistance';
/** Per-transition info column: height in m of the first object above its resting height (after the step). */
export const INFO_LIFT_HEIGHT = 'liftHeight';

/** The info columns `terms` read, in a stable order (what a replay buffer must store per step). */
export function rewardInfoKeys(terms: readonly RewardTerm[]): string[] {
  const keys: string[] = [];
  if (terms.some((t) => t.kind === 'ee-object')) keys.push(INFO_EE_OBJECT_DISTANCE);
  if (terms.some((t) => t.kind === 'lift')) keys.push(INFO_LIFT_HEIGHT);
  return keys;
}

/**
 * Builds the batched reward of a task.
 * @param name the task name, for error messages.
 * @param goalDim 3 for the arm, 2 for the point mass.
 * @param terms the spec's reward terms.
 * @param successThreshold m.
 * @returns evaluate(achieved [B·goalDim], desired [B·goalDim], info?) → {reward [B], success [B]}.
 *   Pure: no state, same inputs give the same outputs.
 *   @throws Error when the lengths do not agree, or an info column a term needs is missing or not of length B.
 */
export function makeGoalReward(
  name: string,
  goalDim: number,
  terms: readonly RewardTerm[],
  successThreshold: number,
): GoalRewardFn {
  const frozen = terms.map((t) => ({ ...t }));
  const infoKeys = rewardInfoKeys(frozen);
  return (achieved, desired, info): GoalEvaluation => {
    if (achieved.length % goalDim !== 0 || desired.length !== achieved.length)
      throw new Error(
        `${name}: evaluate needs achieved and desired goals of equal length B*${goalDim}, got ${achieved.length} and ${desired.length}`,
      );
    const batch = achieved.length / goalDim;
    const columns: Record<string, Float32Array> = {};
    for (const key of infoKeys) {
      const col = info?.[key];
      if (!col || col.length !== batch)
        throw new Error(
          `${name}: evaluate needs the info column '${key}' of length ${batch} (got ${col ? col.length : 'none'})`,
        );
      columns[key] = col;
    }
    const reward = new Float32Array(batch);
    const success = new Uint8Array(batch);
    for (let b = 0; b < batch; b++) {
      let sq = 0;
      for (let k = 0; k < goalDim; k++) {
        const diff = achieved[b * goalDim + k] - desired[b * goalDim + k];
        sq += diff * diff;
      }
      const d = Math.sqrt(sq);
      let r = 0;
      for (const term of frozen) {
        switch (term.kind) {
          case 'sparse':
            r -= term.weight * (d < term.threshold ? 0 : 1);
            break;
          case 'dense':
            r -= term.weight * d;
            break;
          case 'ee-object':
            r -= term.weight * columns[INFO_EE_OBJECT_DISTANCE][b];
            break;
          case 'lift':
            r += term.weight * Math.min(Math.max(columns[INFO_LIFT_HEIGHT][b], 0), term.maxHeight);
            break;
        }
      }
      reward[b] = r;
      success[b] = d < successThreshold ? 1 : 0;
    }
    return { reward, success };
  };
}
