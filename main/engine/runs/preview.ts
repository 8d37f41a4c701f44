/**
 * Live skill previews of a training run: now and then, roll out a few evaluation skills for one
 * episode with the deterministic (mean) policy and hand back their qpos per step, so the app can
 * show the skills moving while the run trains.
 *
 * A preview never changes training: it steps its own VecEnv (own MuJoCo data, own reset seeds) and
 * only calls `actDeterministic`, which draws no random numbers. Its cost is bounded by time: the next
 * preview waits at least `minIntervalMs` and at least 1/`maxOverhead` times the last preview's
 * duration, so previews take at most ~5 % of a run's wall-clock time by default.
 */
import { skillEnvOf, type RunConfig } from '../config.ts';
import type { Algorithm } from '../algos/types.ts';
import { envOptionsOf } from '../algos/sac.ts';
import { VecEnv } from '../sim/vec_env.ts';

/** One skill's preview episode. */
export interface PreviewChunk {
  /** The skill's id among `algo.evaluationSkills()` (DIAYN: its category). */
  skill: number;
  z: number[];
  /** Control period in s between consecutive qpos rows. */
  dt: number;
  /** qpos (MuJoCo generalized positions, m and rad) per env step; row 0 is the reset state. */
  qpos: number[][];
}

export interface PreviewOptions {
  /** Skills rolled out per preview (together, one env each); later previews rotate through the rest. */
  maxSkills?: number;
  /** Minimum time between the end of one preview and the start of the next, in ms. */
  minIntervalMs?: number;
  /** Largest fraction of wall-clock time previews may take. */
  maxOverhead?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** Reset seeds of preview envs: far from the training envs' (seed + i) and eval's (1_000_003 + …). */
const PREVIEW_SEED = 2_000_003;

/** qpos is sent as JSON; 10 µm / 10 µrad is far below what a 3D view can show. */
const round5 = (v: number) => Math.round(v * 1e5) / 1e5;

/** Periodic deterministic skill rollouts of a training algorithm (see the file comment). */
export class SkillPreview {
  private vec: VecEnv | null = null;
  private lastEnd = -Infinity;
  private lastCost = 0;
  private round = 0;
  private readonly maxSkills: number;
  private readonly minIntervalMs: number;
  private readonly maxOverhead: number;
  private readonly now: () => number;

  constructor(
    readonly config: RunConfig,
    opts: PreviewOptions = {},
  ) {
    this.maxSkills = opts.maxSkills ?? 4;
    this.minIntervalMs = opts.minIntervalMs ?? 5000;
    this.maxOverhead = opts.maxOverhead ?? 0.05;
    this.now = opts.now ?? (() => performance.now());
  }

  /** True when the next preview may run (the first one is due at once). */
  due(): boolean {
    const wait = Math.max(this.minIntervalMs, this.lastCost / this.maxOverhead);
    return this.now() - this.lastEnd >= wait;
  }

  /**
   * Rolls out up to `maxSkills` evaluation skills for one episode each.
   * @returns one chunk per skill, in skill order of this round.
   * @throws Error from building the env (MuJoCo) or from the policy.
   */
  async run(algo: Algorithm): Promise<PreviewChunk[]> {
    const start = this.now();
    const skills = algo.evaluationSkills();
    const m = Math.min(this.maxSkills, skills.length);
    const chosen = Array.from({ length: m }, (_, k) => skills[(this.round * m + k) % skills.length]);
    this.vec ??= await VecEnv.create(skillEnvOf(this.config), m, envOptionsOf(this.config), PREVIEW_SEED);
    const vec = this.vec;
    const sd = chosen[0]?.z.length ?? 0;
    const z = new Float32Array(m * sd);
    chosen.forEach((s, i) => z.set(s.z, i * sd));
    const env0 = vec.env(0);
    let obs = vec.reset(PREVIEW_SEED + this.round);
    const qpos: number[][][] = Array.from({ length: m }, (_, i) => [Array.from(vec.qpos(i), round5)]);
    const alive = new Array<boolean>(m).fill(true);
    for (let t = 1; t <= env0.maxEpisodeSteps && alive.some(Boolean); t++) {
      const out = vec.step(algo.actDeterministic(obs, z));
      for (let i = 0; i < m; i++) {
        if (!alive[i]) continue;
        qpos[i].push(Array.from(vec.qpos(i), round5));
        if (out.terminated[i] || out.truncated[i]) alive[i] = false;
      }
      // Ended envs are reset only to keep the batch shape; their rows are no longer recorded.
      for (let i = 0; i < m; i++) if (out.terminated[i] || out.truncated[i]) vec.resetEnv(i);
      obs = out.obs;
    }
    this.round += 1;
    this.lastEnd = this.now();
    this.lastCost = this.lastEnd - start;
    return chosen.map((s, i) => ({ skill: s.id, z: Array.from(s.z), dt: env0.dt, qpos: qpos[i] }));
  }

  /** Frees the preview envs. Idempotent. */
  close(): void {
    this.vec?.close();
    this.vec = null;
  }
}
