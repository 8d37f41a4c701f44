/**
 * What a compare column replays: one episode per skill (qpos per env step) and every x-y trace, from
 * a run's evaluation rollouts or, while it trains, from its latest live preview rollouts.
 */
import { SKILL_ENVS, type EvalRollout, type EnvInfo } from '../../../main/api/contract/contract.ts';
import { findAlgo } from '../../../main/api/contract/presentation.ts';
import type { Trace } from './plots.ts';

/**
 * The MuJoCo env whose skills a run's replay shows; null for runs not evaluated by skills (goal and
 * multi-task runs: catalog `evaluation`; a goal run's episodes are in the replay browser instead) and
 * runs on an env without a skill scene.
 */
export function replayEnv(run: { algo: string; env: string }): (typeof SKILL_ENVS)[number] | null {
  return findAlgo(run.algo)?.evaluation === 'skills' && (SKILL_ENVS as readonly string[]).includes(run.env)
    ? (run.env as (typeof SKILL_ENVS)[number])
    : null;
}

/** One skill's episode for the 3D replay. */
export interface Episode {
  skill: number;
  qpos: number[][];
}

/** A column's replay: episodes (one per skill, skill order), all x-y traces, and where they came from. */
export interface Replay {
  episodes: Episode[];
  traces: Trace[];
  source: 'evaluation' | 'live' | 'none';
  /** Env steps of the policy shown (evaluation's or the newest preview's). */
  envSteps: number | null;
}

/** Most skills replayed at once in 3D (K agents); more would hide each other. */
export const MAX_AGENTS = 10;

/** The replay from evaluation rollouts: rollout 0 of each skill in 3D, every rollout as a trace. */
export function replayFromEvaluation(rollouts: EvalRollout[], envSteps: number | null): Replay {
  const first = new Map<number, EvalRollout>();
  for (const r of rollouts)
    if (!first.has(r.skill) || r.rollout < first.get(r.skill)!.rollout) first.set(r.skill, r);
  const episodes = [...first.values()]
    .sort((a, b) => a.skill - b.skill)
    .slice(0, MAX_AGENTS)
    .map((r) => ({ skill: r.skill, qpos: r.qpos }));
  const traces = rollouts.map((r) => ({ skill: r.skill, rollout: r.rollout, xy: r.xy }));
  return { episodes, traces, source: episodes.length ? 'evaluation' : 'none', envSteps };
}

/** x-y of a qpos row: the env's coordinate dims index the observation, whose head is qpos. */
export function xyOf(qpos: number[], env: Pick<EnvInfo, 'coordDims'>): number[] {
  const [ix, iy] = env.coordDims;
  return [qpos[ix] ?? 0, iy === undefined ? 0 : (qpos[iy] ?? 0)];
}

/** The replay from live preview rollouts (the newest one per skill). */
export function replayFromLive(
  live: Record<number, { skill: number; qpos: number[][]; envSteps: number }>,
  env: Pick<EnvInfo, 'coordDims'>,
): Replay {
  const list = Object.values(live)
    .sort((a, b) => a.skill - b.skill)
    .slice(0, MAX_AGENTS);
  return {
    episodes: list.map((r) => ({ skill: r.skill, qpos: r.qpos })),
    traces: list.map((r) => ({ skill: r.skill, rollout: 0, xy: r.qpos.map((q) => xyOf(q, env)) })),
    source: list.length ? 'live' : 'none',
    envSteps: list.length ? Math.max(...list.map((r) => r.envSteps)) : null,
  };
}

/** The frame of an episode of `length` rows shown at time `t` (s) with `dt` s per row; holds the last. */
export function frameAt(t: number, dt: number, length: number): number {
  if (length <= 0) return 0;
  return Math.max(0, Math.min(length - 1, Math.floor(t / dt + 1e-9)));
}
