import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../native/backend.ts';
import { SkillDynamics, dadsReward } from './dads.ts';
import { Rng } from '../rng.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('DADS reward and skill dynamics', () => {
  it('computes log(L+1) − log(1 + Σ exp(clip(Δ log q))) like a direct double-precision sum', () => {
    const rng = new Rng(3);
    const C = 5;
    const L = 7;
    const logq = Float32Array.from({ length: C }, () => rng.normal() * 3);
    const alt = Float32Array.from({ length: C * L }, () => rng.normal() * 3);
    alt[0] = logq[0] + 80; // clipped at +50
    alt[L] = logq[1] - 90; // clipped at −50
    const r = tf.tidy(() => dadsReward(tf.tensor1d(logq), tf.tensor2d(alt, [C, L])).dataSync());
    for (let c = 0; c < C; c++) {
      let sum = 1;
      for (let l = 0; l < L; l++) sum += Math.exp(Math.max(-50, Math.min(50, alt[c * L + l] - logq[c])));
      expect(r[c]).toBeCloseTo(Math.log(L + 1) - Math.log(sum), 4);
    }
    // A skill no alternative explains earns the maximum, log(L + 1).
    const best = tf.tidy(
      () => dadsReward(tf.tensor1d([0]), tf.fill([1, L], -100) as tf.Tensor2D).dataSync()[0],
    );
    expect(best).toBeCloseTo(Math.log(L + 1), 5);
  });

  it('evaluates a stateless q on all (target, skill) pairs exactly like the per-pair route', () => {
    const dyn = new SkillDynamics('sd_test', [], 2, 2, 4, [16, 16], 1e-3, 1);
    const rng = new Rng(9);
    const C = 6;
    const L = 4;
    const z = Float32Array.from({ length: L * 2 }, () => rng.uniformRange(-1, 1));
    const delta = Float32Array.from({ length: C * 2 }, () => rng.normal());
    const pairs = tf.tidy(() =>
      dyn.logProbPairs(tf.tensor2d(z, [L, 2]), tf.tensor2d(delta, [C, 2])).arraySync(),
    );
    for (let c = 0; c < C; c++) {
      for (let l = 0; l < L; l++) {
        const direct = tf.tidy(
          () =>
            dyn
              .logProb(
                null,
                tf.tensor2d(z.subarray(2 * l, 2 * l + 2), [1, 2]),
                tf.tensor2d(delta.subarray(2 * c, 2 * c + 2), [1, 2]),
              )
              .dataSync()[0],
        );
        expect(pairs[c][l]).toBeCloseTo(direct, 4);
      }
    }
    dyn.dispose();
  });

  it('fits a skill-dependent displacement: log-likelihood rises towards the identity-covariance optimum', () => {
    const dyn = new SkillDynamics('sd_fit', [], 1, 2, 4, [32, 32], 3e-3, 2);
    const rng = new Rng(4);
    const B = 128;
    // Δ = (z, −z) + small noise: q should learn a mean that tracks z.
    const batch = () => {
      const z = Float32Array.from({ length: B }, () => rng.uniformRange(-1, 1));
      const d = new Float32Array(2 * B);
      for (let b = 0; b < B; b++) {
        d[2 * b] = z[b] + 0.05 * rng.normal();
        d[2 * b + 1] = -z[b] + 0.05 * rng.normal();
      }
      return { z, d };
    };
    const first = batch();
    const lossBefore = dyn.fitStep(null, first.z, first.d, B);
    let loss = lossBefore;
    for (let k = 0; k < 400; k++) {
      const b = batch();
      loss = dyn.fitStep(null, b.z, b.d, B);
    }
    // The optimum of −log q with identity covariance in normalized space is log(2π) ≈ 1.84 plus
    // half the residual variance; a q that ignores z stays near 1.84 + 1 = 2.84.
    expect(lossBefore).toBeGreaterThan(2.5);
    expect(loss).toBeLessThan(2.0);
    dyn.dispose();
  });
});
