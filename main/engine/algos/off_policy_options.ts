/**
 * What goal-conditioned SAC (goal_sac.ts) and multi-task SAC (multitask_sac.ts) share before they
 * learn anything: options merged over defaults, the SAC options' range checks, and building the
 * envs they collect with (closing them again when construction fails).
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
  rewardScale: number;
  /** ε of the input normalizer's standard deviation. */
  normEps: number;
  /** Normalized inputs are clipped to ±normClip. */
  normClip: number;
}

/** `defaults` overridden by `given`; an option given as undefined keeps its default instead of erasing it. */
export function withDefaults<T extends object>(defaults: Readonly<Partial<T>>, given: Partial<T>): T {
  const set = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  return { ...defaults, ...set } as T;
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
