/**
 * The numbers backend parity is judged on (native/parity.test.ts): a small SAC learner (Haarnoja
 * et al. 2018b: twin critics, targets, tanh-Gaussian actor, automatic α, Polyak) takes a few seeded
 * updates on one fixed batch on the active compute backend. Its initial weights and noise come from
 * seeded generators in JavaScript, so two backends start from the same numbers and differ only by
 * their floating-point arithmetic.
 *
 * Run as a script in a process of its own (tfjs holds one backend per process):
 *
 *     SKILL_LAB_BACKEND=tfjs-node node --import tsx main/engine/algos/parity_probe.ts
 *
 * prints one JSON {@link ParityProbe}.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../native/backend.ts';
import type { SacUpdateStats } from './sac.ts';
import { sacFixture } from './sac_fixture.ts';

/** What the probe prints. */
export interface ParityProbe {
  /** tfjs backend name and device. */
  backend: string;
  device: string;
  /** One row per update: critic_loss, actor_loss, alpha_loss, alpha, entropy, q_mean. */
  stats: SacUpdateStats[];
  /** Every weight of the policy and the first critic after the updates, in variable order. */
  weights: number[];
  /** Deterministic actions [8, actDim] of fixed inputs after the updates. */
  actions: number[];
}

/** Sizes: small enough for a test, big enough for the matmuls to use blocked kernels. */
const INPUT = 12;
const ACT = 3;
const BATCH = 64;
export const PARITY_UPDATES = 5;

/** Runs the probe on the active backend (see the file comment). */
export async function parityProbe(): Promise<ParityProbe> {
  const info = await initBackend({ quiet: true });
  const { learner, batch } = sacFixture({
    name: 'parity',
    inputDim: INPUT,
    actDim: ACT,
    hidden: [64, 64],
    batch: BATCH,
    terminalEvery: 7,
  });
  try {
    const stats: SacUpdateStats[] = [];
    for (let k = 0; k < PARITY_UPDATES; k++) stats.push(learner.update(batch));
    const weights = [...learner.policy.variables, ...learner.q1.variables].flatMap((v) =>
      Array.from(v.dataSync()),
    );
    const actions = Array.from(learner.act(batch.input.slice(0, 8 * INPUT), true));
    return { backend: tf.getBackend(), device: info.device, stats, weights, actions };
  } finally {
    learner.dispose();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  process.stdout.write(`${JSON.stringify(await parityProbe())}\n`);
}
