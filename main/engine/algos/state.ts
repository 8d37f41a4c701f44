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
  opt: tf.AdamOptimizer,
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
  opt: tf.AdamOptimizer,
  context: string,
  trainable: Record<string, tf.Variable> = vars,
): Promise<void> {
  assignArrays(vars, underPrefix(`${prefix}/weights`, arrays), context);
  await restoreAdamState(opt, trainable, underPrefix(`${prefix}/opt`, arrays));
}
