/**
 * Checkpoint plumbing shared by the algorithms: named parameters of networks, prefixes, and the
 * weights + Adam state of a set of variables as one unit.
 */
import type * as tf from '@tensorflow/tfjs-core';
import {
  adamState,
  restoreAdamState,
  variablesToArrays,
  assignArrays,
  type NamedArrays,
} from '../nn/checkpoint.ts';
import type { Adam } from '../nn/adam.ts';

/** Anything that names its variables stably (MLP, BatchNorm). */
export interface NamedParams {
  namedVariables(): Record<string, tf.Variable>;
}

/** name → variable for a network, under an optional prefix. */
export function namedParams(net: NamedParams, prefix = ''): Record<string, tf.Variable> {
  const vars = net.namedVariables();
  return prefix ? Object.fromEntries(Object.entries(vars).map(([k, v]) => [`${prefix}/${k}`, v])) : vars;
}

/** Copies `arrays` with every name prefixed by `prefix/`. */
export function withPrefix(prefix: string, arrays: NamedArrays): NamedArrays {
  return Object.fromEntries(Object.entries(arrays).map(([k, v]) => [`${prefix}/${k}`, v]));
}

/** The entries of `arrays` under `prefix/`, with the prefix removed. */
export function underPrefix(prefix: string, arrays: NamedArrays): NamedArrays {
  const p = `${prefix}/`;
  return Object.fromEntries(
    Object.entries(arrays)
      .filter(([k]) => k.startsWith(p))
      .map(([k, v]) => [k.slice(p.length), v]),
  );
}

/** Weights of `vars` (all of them) and the Adam state of `trainable` (a subset), under `prefix`. */
export async function saveTrainable(
  prefix: string,
  vars: Record<string, tf.Variable>,
  opt: Adam,
  trainable: Record<string, tf.Variable> = vars,
): Promise<NamedArrays> {
  return {
    ...withPrefix(`${prefix}/weights`, variablesToArrays(vars)),
    ...withPrefix(`${prefix}/opt`, await adamState(opt, trainable)),
  };
}

/**
 * Restores what {@link saveTrainable} wrote.
 * @throws Error naming `context` and the parameter when something is missing or mis-shaped.
 */
export async function loadTrainable(
  prefix: string,
  arrays: NamedArrays,
  vars: Record<string, tf.Variable>,
  opt: Adam,
  context: string,
  trainable: Record<string, tf.Variable> = vars,
): Promise<void> {
  assignArrays(vars, underPrefix(`${prefix}/weights`, arrays), context);
  await restoreAdamState(opt, trainable, underPrefix(`${prefix}/opt`, arrays));
}

/**
 * A SAC learner's variables (continuous or discrete, sac.ts and discrete_sac.ts) as its checkpoint
 * part groups them, the optimizer of each trained group, and whether α is trained.
 */
export interface SacCheckpointParts {
  actor: Record<string, tf.Variable>;
  critic: Record<string, tf.Variable>;
  /** The target critics: weights only, never trained by an optimizer. */
  targets: Record<string, tf.Variable>;
  alpha: Record<string, tf.Variable>;
  actorOpt: Adam;
  criticOpt: Adam;
  alphaOpt: Adam;
  alphaMode: 'auto' | 'fixed';
}

/**
 * A SAC learner's checkpoint part under `prefix`: `actor/` and `critic/` with their Adam states,
 * `targets/`, then `alpha/` with its Adam state when α is trained ('auto'), else its value under
 * `alpha/weights/`. The names and their order are the checkpoint format of both learners.
 */
export async function saveSacParts(prefix: string, p: SacCheckpointParts): Promise<NamedArrays> {
  const arrays: NamedArrays = {
    ...(await saveTrainable(`${prefix}/actor`, p.actor, p.actorOpt)),
    ...(await saveTrainable(`${prefix}/critic`, p.critic, p.criticOpt)),
    ...withPrefix(`${prefix}/targets`, variablesToArrays(p.targets)),
  };
  if (p.alphaMode === 'auto')
    Object.assign(arrays, await saveTrainable(`${prefix}/alpha`, p.alpha, p.alphaOpt));
  else Object.assign(arrays, withPrefix(`${prefix}/alpha/weights`, variablesToArrays(p.alpha)));
  return arrays;
}

/**
 * Restores what {@link saveSacParts} wrote.
 * @param label the learner in error messages, e.g. 'SAC' ('SAC policy', 'SAC target critics', …)
 * @throws Error naming the learner's part and the parameter that is missing or mis-shaped.
 */
export async function loadSacParts(
  prefix: string,
  arrays: NamedArrays,
  p: SacCheckpointParts,
  label: string,
): Promise<void> {
  await loadTrainable(`${prefix}/actor`, arrays, p.actor, p.actorOpt, `${label} policy`);
  await loadTrainable(`${prefix}/critic`, arrays, p.critic, p.criticOpt, `${label} critics`);
  assignArrays(p.targets, underPrefix(`${prefix}/targets`, arrays), `${label} target critics`);
  if (p.alphaMode === 'auto')
    await loadTrainable(`${prefix}/alpha`, arrays, p.alpha, p.alphaOpt, `${label} alpha`);
  else assignArrays(p.alpha, underPrefix(`${prefix}/alpha/weights`, arrays), `${label} alpha`);
}
