/**
 * A policy source: the frozen parts of a finished or stopped skill-discovery run — its skill policy
 * π(a | s, z), DADS's skill dynamics q(Δf | s, z) with its normalizers' statistics, DIAYN's
 * discriminator q(z | f(s)) — loaded from the run's checkpoint without rebuilding its replay buffer
 * (only the arrays these parts need are copied out of the file, which is still checked whole), for
 * what uses a trained skill: zero-shot planning (engine/planning), a meta-controller over skills.
 *
 * The checkpoint is read like a resume reads it (runs/checkpoints.ts): checkpoint.bin, or with a
 * warning the previous checkpoint when the latest is damaged. The parts are never trained; nothing
 * here writes to the run.
 */
import { envSpec, type EnvSpec } from '../sim/envs.ts';
import { armSkillFamilySizes } from '../sim/arm_skill_family.ts';
import type { EnvName } from '../sim/types.ts';
import { skillEnvOf, type AlgoName, type RunConfig } from '../config.ts';
import { algoInfo, algosWhere } from '../algos/lookup.ts';
import { SkillDynamics } from '../algos/dads.ts';
import { FrozenPolicy } from '../algos/frozen_policy.ts';
import {
  LatentPolicyInput,
  PolicyInput,
  stateFunction,
  type SkillSpace,
  type StateFunction,
} from '../algos/skills.ts';
import { RunningNormalizer, type NormalizerState } from '../algos/running_normalizer.ts';
import { OFF_POLICY_DEFAULTS } from '../algos/off_policy_options.ts';
import { namedParams, underPrefix } from '../algos/state.ts';
import { assignArrays, type NamedArrays } from '../nn/checkpoint.ts';
import { MLP } from '../nn/mlp.ts';
import { readRunCheckpoint } from './checkpoints.ts';
import { RunStore, RunStoreError, type RunDir } from './store.ts';

export type { SkillSpace } from '../algos/skills.ts';

/** Which checkpoint the parts came from, as a run that uses them records it. */
export interface CheckpointRef {
  /** checkpoint.bin, or checkpoint.prev.bin after a fallback. */
  file: string;
  /** SHA-256 of that file (hex). */
  sha256: string;
  iteration: number;
  envSteps: number;
  /** Why the latest checkpoint could not be used, when the previous one was loaded; else null. */
  fallback: string | null;
}

/** A run's frozen skill policy π(a | s, z), what a controller composes. Dispose when done. */
export interface PolicySource {
  readonly run: { id: string; path: string };
  readonly algo: AlgoName;
  readonly config: RunConfig;
  readonly checkpoint: CheckpointRef;
  readonly skills: SkillSpace;
  /** π(a | s, z): z is one-hot [B, count] for discrete skills, [B, dim] for continuous ones. */
  readonly policy: FrozenPolicy;
  dispose(): void;
}

/** The frozen parts of a skill-discovery run; see the file comment. Dispose when done. */
export interface SkillSource extends PolicySource {
  /** The env the skills were trained on (build new ones with the run's own env options). */
  readonly env: EnvSpec;
  /** The state function f(s) the skills are judged on. */
  readonly f: StateFunction;
  /** DADS: q(Δf | s, z) with its normalizers' moving statistics; null otherwise. */
  readonly skillDynamics: SkillDynamics | null;
  /** DIAYN: the discriminator's logits network over f(s'), [B, fDim] → [B, count]; null otherwise. */
  readonly discriminator: MLP | null;
}

/** Algorithms whose runs have skills a {@link SkillSource} can load: those conditioned on a skill. */
export const SKILL_SOURCE_ALGOS: readonly AlgoName[] = algosWhere(
  (a) => a.conditioning === 'discrete-skill' || a.conditioning === 'continuous-skill',
) as AlgoName[];

/**
 * Checkpoint array prefixes of the frozen parts (SacLearner, DadsAlgorithm, DiaynAlgorithm saveState;
 * the skill embedding's task embeddings are among the actor's weights), and of the observation
 * normalizer's statistics that {@link readSkillArrays} adds for latent-skill runs.
 */
const PART_PREFIXES = [
  'sac/actor/weights/',
  'skill_dynamics/weights/',
  'discriminator/weights/',
  'obs_norm/',
];

/** Where a latent-skill run's task embeddings are among its checkpoint's actor weights. */
const EMBEDDING_PREFIX = 'sac/actor/weights/aux/embedding';

/** Options of {@link loadSkillSource}. */
export interface LoadSkillSourceOptions {
  /** Workspace (default: $SKILL_LAB_WORKSPACE or ./workspace). */
  workspace?: string;
  /** The algorithms the caller can use (default {@link SKILL_SOURCE_ALGOS}). */
  accept?: readonly AlgoName[];
  /** What the parts are for, named in refusals ("planning", "skill-controller --skills-from"). */
  purpose?: string;
  /** Told when the previous checkpoint is loaded because the latest is damaged. */
  onWarning?: (message: string) => void;
}

/**
 * The checks {@link loadSkillSource} makes before reading anything big: the run exists, is of an
 * accepted algorithm and has a checkpoint. Cheap and without tensors, so a command can refuse a
 * wrong run before it starts its compute backend.
 * @param runRef run id or path
 * @throws RunStoreError for an unknown run (listing known ids), a run of an algorithm not in `accept`
 *   (naming the run, its algorithm and what is allowed), or a run without a checkpoint.
 */
export function openSkillRun(
  runRef: string,
  opts: Pick<LoadSkillSourceOptions, 'workspace' | 'accept' | 'purpose'> = {},
): { run: RunDir; config: RunConfig } {
  const run = new RunStore(opts.workspace).open(runRef);
  const config = run.readConfig();
  const accept = opts.accept ?? SKILL_SOURCE_ALGOS;
  const purpose = opts.purpose ?? 'this';
  if (!accept.includes(config.algo))
    throw new RunStoreError(
      `run ${run.id} is a ${config.algo} run; ${purpose} needs a run of ${accept.join(' or ')}`,
    );
  if (!run.hasCheckpoint())
    throw new RunStoreError(
      `run ${run.id} has no checkpoint yet (${run.checkpointPath} is missing): train it first`,
    );
  return { run, config };
}

/**
 * A skill run's frozen parts as arrays: what a {@link SkillSource} is built from, and what a run that
 * uses them keeps as its own copy (runs/skill_pin.ts), with the skill run's config to rebuild them.
 */
export interface SkillArrays {
  readonly run: { id: string; path: string };
  readonly config: RunConfig;
  /** The checkpoint's arrays of the frozen parts only (policy, skill dynamics, discriminator). */
  readonly arrays: NamedArrays;
  readonly checkpoint: CheckpointRef;
}

/** Checkpoint array names of the frozen parts a {@link SkillSource} reads. */
export function isSkillPartArray(name: string): boolean {
  return PART_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * Reads the arrays of a run's frozen skill parts from its checkpoint (after the checks of
 * {@link openSkillRun}); nothing is built.
 * @param runRef run id or path
 * @throws RunStoreError as {@link openSkillRun}, or naming both checkpoint files when neither can
 *   be read.
 */
export async function readSkillArrays(
  runRef: string,
  opts: LoadSkillSourceOptions = {},
): Promise<SkillArrays> {
  const { run, config } = openSkillRun(runRef, opts);
  const checkpoint = await readRunCheckpoint(run, config.algo, { select: isSkillPartArray, sha256: true });
  const counters = checkpoint.algoMeta as {
    iteration?: number;
    envSteps?: number;
    obsNorm?: NormalizerState;
  };
  if (algoInfo(config.algo).latentSkills) {
    // The normalizer lives in the checkpoint's meta; as arrays it travels with the pinned copy.
    const norm = counters.obsNorm;
    if (!norm) throw new RunStoreError(`${checkpoint.file}: no observation normalizer in the checkpoint`);
    checkpoint.arrays['obs_norm/sum'] = { shape: [norm.sum.length], data: Float32Array.from(norm.sum) };
    checkpoint.arrays['obs_norm/sum_sq'] = {
      shape: [norm.sumSq.length],
      data: Float32Array.from(norm.sumSq),
    };
    checkpoint.arrays['obs_norm/count'] = { shape: [1], data: Float32Array.of(norm.n) };
  }
  const ref: CheckpointRef = {
    file: checkpoint.file,
    sha256: checkpoint.sha256!,
    iteration: counters.iteration ?? 0,
    envSteps: counters.envSteps ?? 0,
    fallback: checkpoint.fallbackReason,
  };
  if (ref.fallback !== null)
    opts.onWarning?.(
      `run ${run.id}: the latest checkpoint cannot be used (${ref.fallback}); using the previous checkpoint ${ref.file}`,
    );
  return { run: { id: run.id, path: run.path }, config, arrays: checkpoint.arrays, checkpoint: ref };
}

/**
 * Loads a run's frozen skill parts (after the checks of {@link openSkillRun}).
 * @param runRef run id or path
 * @throws RunStoreError as {@link openSkillRun}, or naming both checkpoint files when neither can
 *   be read; Error naming the checkpoint file when a part's weights are missing or mis-shaped (a
 *   checkpoint of another config).
 */
export async function loadSkillSource(
  runRef: string,
  opts: LoadSkillSourceOptions = {},
): Promise<SkillSource> {
  return skillSourceFromArrays(await readSkillArrays(runRef, opts));
}

/**
 * The frozen policy of a skill run from its parts' arrays: {@link skillSourceFromArrays}, or for a
 * skill embedding on the arm (whose tasks are an arm task family, not a skill-discovery env) its
 * π(a|s,z) alone.
 * @throws as {@link skillSourceFromArrays}; Error for an arm run without a pre-training family.
 */
export function policySourceFromArrays(parts: SkillArrays): PolicySource {
  const info = algoInfo(parts.config.algo);
  if (!(info.latentSkills && parts.config.env === 'arm')) return skillSourceFromArrays(parts);
  const dims = armSkillFamilySizes(parts.config.task ?? '');
  const {
    env: _env,
    f: _f,
    ...source
  } = latentSkillSource(parts, dims, null, null, info.latentSkills.dimKey);
  return source;
}

/**
 * The networks of a skill run from its frozen parts' arrays ({@link readSkillArrays}, or a copy of
 * them).
 * @throws Error naming `parts.checkpoint.file` when a part's weights are missing or mis-shaped.
 */
export function skillSourceFromArrays(parts: SkillArrays): SkillSource {
  const { run, config, arrays } = parts;
  const ref = parts.checkpoint;
  const env = envSpec(skillEnvOf(config) as EnvName);
  const f = stateFunction(config.stateFunction, env.obsDim, env.coordDims);
  const info = algoInfo(config.algo);
  if (info.latentSkills)
    return latentSkillSource(parts, env, env, f, info.latentSkills.dimKey) as SkillSource;
  // The skill count (discrete) or dimension (continuous) is the config value `--skills` sets.
  const key = info.skillsOption?.key;
  if (!key) throw new Error(`${config.algo}: the catalog names no skill option; its skills cannot be loaded`);
  const size = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], config) as number;
  const skills: SkillSpace =
    info.conditioning === 'discrete-skill'
      ? { kind: 'discrete', count: size }
      : { kind: 'continuous', dim: size };
  const skillDim = size;
  const input = new PolicyInput(env.obsDim, config.hideCoords ? env.coordDims : [], skillDim);
  const owned: Array<{ dispose(): void }> = [];
  try {
    const policy = FrozenPolicy.fromArrays(arrays, input, env.actDim, config.sac.hidden, ref.file);
    owned.push(policy);
    let skillDynamics: SkillDynamics | null = null;
    let discriminator: MLP | null = null;
    if (info.skillModels.skillDynamics) {
      const d = config.dads;
      const stateDims =
        d.dynamicsInput === 'none'
          ? []
          : Array.from({ length: env.obsDim }, (_, i) => i).filter((i) => !env.coordDims.includes(i));
      skillDynamics = new SkillDynamics(
        'skill_dynamics',
        stateDims,
        d.skillDim,
        f.dims.length,
        d.components,
        d.dynamicsHidden,
        d.dynamicsLr,
        0,
      );
      owned.push(skillDynamics);
      assignArrays(
        skillDynamics.namedVariables(),
        underPrefix('skill_dynamics/weights', arrays),
        `${ref.file}: DADS skill dynamics`,
      );
    }
    if (info.skillModels.discriminator) {
      discriminator = new MLP({
        name: 'discriminator',
        inputDim: f.dims.length,
        hiddenSizes: config.diayn.discriminatorHidden,
        outputDim: config.diayn.skills,
        seed: 0,
      });
      owned.push(discriminator);
      assignArrays(
        namedParams(discriminator),
        underPrefix('discriminator/weights', arrays),
        `${ref.file}: DIAYN discriminator`,
      );
    }
    return {
      run: { id: run.id, path: run.path },
      algo: config.algo,
      config,
      checkpoint: ref,
      env,
      f,
      skills,
      policy,
      skillDynamics,
      discriminator,
      dispose() {
        for (const part of owned) part.dispose();
      },
    };
  } catch (err) {
    for (const part of owned) part.dispose();
    throw err;
  }
}

/**
 * A skill-embedding run's frozen policy π(a | s, z), steered through z = center + scale ⊙ c for a
 * controller's c ∈ [−1, 1]^d (algos/skills.ts LatentPolicyInput): the box spans the task embeddings'
 * means plus two of their largest σ on each side, center_j = (max_t μ_tj + min_t μ_tj)/2 and
 * scale_j = (max_t μ_tj − min_t μ_tj)/2 + 2·max_t σ_tj, so a controller can reach every task's
 * skills, interpolate between them and go a little beyond.
 * @throws Error naming the checkpoint file when a weight, the embeddings or the normalizer is missing
 *   or mis-shaped.
 */
function latentSkillSource(
  parts: SkillArrays,
  dims: { obsDim: number; actDim: number },
  env: EnvSpec | null,
  f: StateFunction | null,
  dimKey: string,
): PolicySource & { env: EnvSpec | null; f: StateFunction | null; skillDynamics: null; discriminator: null } {
  const { run, config, arrays } = parts;
  const ref = parts.checkpoint;
  const d = dimKey.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], config) as number;
  const need = (name: string, length?: number) => {
    const a = arrays[name];
    if (!a || (length !== undefined && a.data.length !== length))
      throw new Error(
        `${ref.file}: ${name} is missing or has the wrong size (a checkpoint of another config?)`,
      );
    return a.data;
  };
  const mean = need(`${EMBEDDING_PREFIX}/mean`);
  const logStd = need(`${EMBEDDING_PREFIX}/log_std`, mean.length);
  if (mean.length % d !== 0)
    throw new Error(`${ref.file}: task embeddings of ${mean.length} values are not rows of z (d = ${d})`);
  const normalizer = new RunningNormalizer(
    dims.obsDim,
    OFF_POLICY_DEFAULTS.normEps,
    OFF_POLICY_DEFAULTS.normClip,
  );
  normalizer.setState({
    sum: Array.from(need('obs_norm/sum', dims.obsDim)),
    sumSq: Array.from(need('obs_norm/sum_sq', dims.obsDim)),
    n: need('obs_norm/count', 1)[0],
  });
  const maxStd = config.embedding.embeddingMaxStd;
  // A Bernoulli embedding's z lies in [0, 1]^d: the controller's c ∈ [−1, 1]^d covers that cube.
  const bernoulli = config.embedding.distribution === 'bernoulli';
  const center = new Float32Array(d).fill(0.5);
  const scale = new Float32Array(d).fill(0.5);
  for (let j = 0; j < d && !bernoulli; j++) {
    let [lo, hi, sigma] = [Infinity, -Infinity, 0];
    for (let t = 0; t < mean.length / d; t++) {
      lo = Math.min(lo, mean[t * d + j]);
      hi = Math.max(hi, mean[t * d + j]);
      sigma = Math.max(sigma, Math.min(maxStd, Math.exp(logStd[t * d + j])));
    }
    center[j] = (hi + lo) / 2;
    scale[j] = (hi - lo) / 2 + 2 * sigma;
  }
  const input = new LatentPolicyInput(dims.obsDim, normalizer, center, scale);
  const policy = FrozenPolicy.fromArrays(arrays, input, dims.actDim, config.sac.hidden, ref.file);
  return {
    run: { id: run.id, path: run.path },
    algo: config.algo,
    config,
    checkpoint: ref,
    env,
    f,
    skills: { kind: 'continuous', dim: d },
    policy,
    skillDynamics: null,
    discriminator: null,
    dispose: () => policy.dispose(),
  };
}
