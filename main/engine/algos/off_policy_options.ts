/**
 * What goal-conditioned SAC (goal_sac.ts) and multi-task SAC (multitask_sac.ts) share before they
 * learn anything: the shared options and their defaults, options merged over defaults, the SAC
 * options' range checks, and building the envs they collect with (closing them again when
 * construction fails). What they share while learning is in off_policy_core.ts.
 */

/** The options both algorithms take from SAC and the collection loop. */
export interface OffPolicyOptions {
  /** Seed of every generator in the algorithm (nets, noise, env resets, sampling). */
  seed: number;
  /** Envs collecting in lockstep. */
  numEnvs: number;
  /** Hidden widths of policy and critics. */
  hidden: number[];
  /** Adam step size of actor, critics and temperature. */
  lr: number;
  /** Discount γ. */
  gamma: number;
  /** Polyak rate τ of the target critics. */
  tau: number;
  /** Minibatch size B. */
  batchSize: number;
  /** Replay capacity in transitions. */
  replayCapacity: number;
  /** Episodes per env per iteration. */
  episodesPerIteration: number;
  /** SAC updates per iteration. */
  updatesPerIteration: number;
  /** Env steps with uniform random actions and no updates at the start. */
  learningStarts: number;
  alphaMode: 'auto' | 'fixed';
  /** Initial (or fixed) temperature α. */
  alphaInit: number;
  /** Target entropy H̄; null → −dim(A) (Haarnoja et al. 2018b §5). */
  targetEntropy: number | null;
  /** Actor-loss penalty on the squared mean action (see SacLearnerOptions.actionL2); 0 → plain SAC. */
  actionL2: number;
  rewardScale: number;
  /** ε of the input normalizer's standard deviation. */
  normEps: number;
  /** Normalized inputs are clipped to ±normClip. */
  normClip: number;
}

/**
 * Defaults of the shared options, the same for both algorithms; where they come from
 * (reference/relabeling_and_multitask.md §1.3–1.6, §2, §3).
 */
export const OFF_POLICY_DEFAULTS: Readonly<Omit<OffPolicyOptions, 'seed'>> = Object.freeze({
  numEnvs: 1,
  hidden: [256, 256], // SB3 zoo SAC+HER uses 256-512 wide nets; baselines 3×256; GH fetchreach 256×256
  lr: 1e-3, // baselines HER actor/critic lr; SB3 zoo HER lr
  gamma: 0.98, // 1 − 1/T with T = 50 (baselines HER config; GH fetchreach γ = 0.98)
  tau: 0.05, // baselines polyak 0.95; SB3 zoo HER τ = 0.05
  batchSize: 256, // baselines HER batch_size
  replayCapacity: 1_000_000, // baselines / SB3 buffer size
  episodesPerIteration: 2, // baselines rollout_batch_size
  updatesPerIteration: 40, // baselines n_batches per cycle
  learningStarts: 1000,
  alphaMode: 'auto' as const,
  alphaInit: 1,
  targetEntropy: null,
  actionL2: 0, // plain SAC; baselines HER action_l2 = 1 with DDPG
  rewardScale: 1,
  normEps: 0.01, // baselines norm_eps
  normClip: 5, // baselines norm_clip
});

/** `defaults` overridden by `given`; an option given as undefined keeps its default instead of erasing it. */
export function withDefaults<T extends object>(defaults: Readonly<Partial<T>>, given: Partial<T>): T {
  const set = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  return { ...defaults, ...set } as T;
}

/**
 * The options an algorithm runs with: `defaults` overridden by `given` ({@link withDefaults}), the
 * shared options' ranges checked ({@link checkOffPolicyOptions}).
 * @throws Error naming `algo`, the first shared option out of range, the rule and the value.
 */
export function resolveOptions<T extends OffPolicyOptions>(
  algo: string,
  defaults: Readonly<Partial<T>>,
  given: Partial<T>,
): T {
  const opts = withDefaults<T>(defaults, given);
  checkOffPolicyOptions(algo, opts);
  return opts;
}

/**
 * Checks the ranges of the shared options.
 * @throws Error naming `algo`, the first option out of range, the rule and the value.
 */
export function checkOffPolicyOptions(algo: string, o: OffPolicyOptions): void {
  const fail = (name: keyof OffPolicyOptions, rule: string) => {
    throw new Error(`${algo}: ${name} must be ${rule}, got ${JSON.stringify(o[name])}`);
  };
  for (const name of ['numEnvs', 'batchSize', 'episodesPerIteration', 'replayCapacity'] as const)
    if (!Number.isInteger(o[name]) || o[name] < 1) fail(name, 'a positive integer');
  for (const name of ['updatesPerIteration', 'learningStarts'] as const)
    if (!Number.isInteger(o[name]) || o[name] < 0) fail(name, 'an integer ≥ 0');
  if (!(o.gamma > 0 && o.gamma < 1)) fail('gamma', 'in (0, 1)');
  if (!(o.tau > 0 && o.tau <= 1)) fail('tau', 'in (0, 1]');
  for (const name of ['lr', 'alphaInit', 'normEps', 'normClip', 'rewardScale'] as const)
    if (!(o[name] > 0 && Number.isFinite(o[name]))) fail(name, 'a positive number');
  if (!(o.actionL2 >= 0 && Number.isFinite(o.actionL2))) fail('actionL2', 'a number ≥ 0');
  if (!Array.isArray(o.hidden) || !o.hidden.every((h) => Number.isInteger(h) && h > 0))
    fail('hidden', 'a list of positive integers');
}

/**
 * Makes envs 0 … n−1 with `factory` and hands them to `build`; when a factory call or `build` throws,
 * the envs made so far are closed and the error is rethrown.
 */
export async function withEnvs<E extends { close(): void }, R>(
  factory: (index: number) => E | Promise<E>,
  n: number,
  build: (envs: E[]) => R,
): Promise<R> {
  const envs: E[] = [];
  try {
    for (let i = 0; i < n; i++) envs.push(await factory(i));
    return build(envs);
  } catch (err) {
    for (const e of envs) e.close();
    throw err;
  }
}
