import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../native/backend.ts';
import { Rng } from '../rng.ts';
import {
  categoricalLogProbOf,
  categoricalLogProbs,
  mixtureOfGaussiansLogProb,
  tanhGaussian,
} from './distributions.ts';
import { gradCheck } from './gradcheck.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

const LOG_2PI = Math.log(2 * Math.PI);
const values = (t: tf.Tensor) => Array.from(t.dataSync());

/** Double-precision reference of the tanh-Gaussian (direct formula, fine for moderate |u|). */
function tanhGaussianRef(
  mean: number[],
  logStd: number[],
  eps: number[],
): { action: number[]; logProb: number } {
  let logProb = 0;
  const action = mean.map((m, i) => {
    const ls = Math.min(2, Math.max(-20, Math.fround(logStd[i])));
    const s = Math.exp(ls);
    const u = m + s * eps[i];
    const logN = -0.5 * ((u - m) / s) ** 2 - ls - 0.5 * LOG_2PI;
    logProb += logN - Math.log(1 - Math.tanh(u) ** 2);
    return Math.tanh(u);
  });
  return { action, logProb };
}

describe('tanhGaussian', () => {
  it('matches a double-precision computation, clipping logStd to [−20, 2]', () => {
    const rng = new Rng(1);
    const B = 6;
    const d = 3;
    const mean = Array.from({ length: B }, () => Array.from({ length: d }, () => rng.normal()));
    const logStd = Array.from({ length: B }, () => Array.from({ length: d }, () => rng.uniformRange(-3, 1)));
    logStd[0][0] = 5; // clipped to 2
    logStd[1][1] = -30; // clipped to −20
    const eps = Array.from({ length: B }, () => Array.from({ length: d }, () => rng.normal()));
    const { action, logProb } = tanhGaussian(tf.tensor2d(mean), tf.tensor2d(logStd), tf.tensor2d(eps));
    expect(action.shape).toEqual([B, d]);
    expect(logProb.shape).toEqual([B]);
    const a = action.arraySync() as number[][];
    const lp = values(logProb);
    for (let b = 0; b < B; b++) {
      const ref = tanhGaussianRef(mean[b], logStd[b], eps[b]);
      ref.action.forEach((x, i) => expect(a[b][i]).toBeCloseTo(x, 5));
      expect(lp[b]).toBeCloseTo(ref.logProb, 3);
    }
    tf.dispose([action, logProb]);
  });

  it('stays finite where the direct formula overflows (|u| ≫ 1)', () => {
    const { action, logProb } = tanhGaussian(
      tf.tensor2d([[20, -30]]),
      tf.tensor2d([[-1, 0]]),
      tf.tensor2d([[0.5, -0.5]]),
    );
    const lp = values(logProb)[0];
    expect(Number.isFinite(lp)).toBe(true);
    // log(1 − tanh²u) = 2(log 2 − |u| − log(1 + e^{−2|u|})) ≈ 2 log 2 − 2|u| for large |u|.
    const u = [20 + Math.exp(-1) * 0.5, -30 - 0.5];
    const expected =
      -0.5 * 0.25 +
      1 -
      0.5 * LOG_2PI -
      (2 * Math.log(2) - 2 * Math.abs(u[0])) +
      (-0.5 * 0.25 - 0 - 0.5 * LOG_2PI) -
      (2 * Math.log(2) - 2 * Math.abs(u[1]));
    expect(lp).toBeCloseTo(expected, 2);
    expect(values(action)).toEqual([1, -1]);
    tf.dispose([action, logProb]);
  });

  it('is a normalized density of the action (numerical integration, 1-D)', () => {
    // a = tanh(u) with u on a fine grid: ∫ p(a) da = ∫ p(tanh u)·(1 − tanh² u) du must be 1,
    // and p must equal the derivative of the CDF Φ((atanh a − μ)/σ).
    const mu = 0.7;
    const logStd = -0.3;
    const sigma = Math.exp(logStd);
    const n = 4001;
    const us = Array.from({ length: n }, (_, i) => mu + sigma * (-8 + (16 * i) / (n - 1)));
    const eps = us.map((u) => [(u - mu) / sigma]);
    const { action, logProb } = tanhGaussian(
      tf.tensor2d(us.map(() => [mu])),
      tf.tensor2d(us.map(() => [logStd])),
      tf.tensor2d(eps),
    );
    const lp = values(logProb);
    const a = values(action);
    let integral = 0;
    for (let i = 0; i + 1 < n; i++) {
      const f = (j: number) => Math.exp(lp[j]) * (1 - Math.tanh(us[j]) ** 2);
      integral += 0.5 * (f(i) + f(i + 1)) * (us[i + 1] - us[i]);
    }
    expect(integral).toBeCloseTo(1, 4);
    const erf = (x: number) => {
      // erf by midpoint integration of e^{−t²}: precise enough for a central difference of the CDF.
      let s = 0;
      const m = 2000;
      for (let k = 0; k < m; k++) {
        const t = ((k + 0.5) * x) / m;
        s += Math.exp(-t * t);
      }
      return ((2 / Math.sqrt(Math.PI)) * s * x) / m;
    };
    const cdf = (act: number) => 0.5 * (1 + erf((Math.atanh(act) - mu) / sigma / Math.SQRT2));
    for (const i of [1200, 1800, 2000, 2300, 2700]) {
      const h = 1e-4;
      const numeric = (cdf(a[i] + h) - cdf(a[i] - h)) / (2 * h);
      expect(Math.exp(lp[i]) / numeric).toBeCloseTo(1, 3);
    }
    tf.dispose([action, logProb]);
  });

  it('is differentiable with respect to mean and logStd (reparameterization)', () => {
    const rng = new Rng(2);
    const rand = (s = 1) =>
      tf.tensor2d(Array.from({ length: 4 }, () => Array.from({ length: 2 }, () => s * rng.normal())));
    const [mean, logStd, eps, r] = [rand(), rand(0.5), rand(), rand()];
    const res = gradCheck(
      (m, ls) => {
        const { action, logProb } = tanhGaussian(m as tf.Tensor2D, ls as tf.Tensor2D, eps as tf.Tensor2D);
        return tf.add(tf.sum(tf.mul(action, r)), tf.mul(tf.sum(logProb), 0.3));
      },
      [mean, logStd],
    );
    expect(res.checked).toBe(16);
    expect(res.maxRelError, JSON.stringify(res.worst)).toBeLessThan(3e-3);
    tf.dispose([mean, logStd, eps, r]);
  });

  it('rejects mismatched shapes', () => {
    const a = tf.zeros([2, 3]) as tf.Tensor2D;
    const b = tf.zeros([2, 2]) as tf.Tensor2D;
    expect(() => tanhGaussian(a, b, a)).toThrow(/share one \[B, d\] shape/);
    tf.dispose([a, b]);
  });
});

describe('categorical', () => {
  it('log-softmax matches double precision and is stable for large logits', () => {
    const logits = [
      [1, 2, 3, -1],
      [1000, 999, -1000, 0],
    ];
    const lp = categoricalLogProbs(tf.tensor2d(logits));
    const got = lp.arraySync() as number[][];
    logits.forEach((row, b) => {
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
      row.forEach((x, k) => expect(got[b][k]).toBeCloseTo(x - lse, 4));
    });
    lp.dispose();
  });

  it('picks the labels' + "' log-probabilities", () => {
    const logits = tf.tensor2d([
      [0.5, -1, 2],
      [3, 0, 0],
    ]);
    const lp = categoricalLogProbOf(logits, tf.tensor1d([2, 1], 'int32'));
    const all = categoricalLogProbs(logits).arraySync() as number[][];
    expect(values(lp)[0]).toBeCloseTo(all[0][2], 6);
    expect(values(lp)[1]).toBeCloseTo(all[1][1], 6);
    expect(() => categoricalLogProbOf(logits, tf.tensor1d([0, 1]))).toThrow(/int32/);
    const g = tf.grad((l: tf.Tensor) =>
      tf.sum(categoricalLogProbOf(l as tf.Tensor2D, tf.tensor1d([2, 1], 'int32'))),
    )(logits);
    // d log softmax_y / dℓ = onehot(y) − softmax(ℓ)
    const sm = tf.softmax(logits).arraySync() as number[][];
    const gv = g.arraySync() as number[][];
    expect(gv[0][2]).toBeCloseTo(1 - sm[0][2], 5);
    expect(gv[1][0]).toBeCloseTo(-sm[1][0], 5);
    tf.dispose([logits, lp, g]);
  });
});

/** Double-precision mixture log-density with identity covariance. */
function mogRef(x: number[], logits: number[], means: number[][]): number {
  const d = x.length;
  const m = Math.max(...logits);
  const lse = m + Math.log(logits.reduce((s, l) => s + Math.exp(l - m), 0));
  const terms = logits.map(
    (l, k) => l - lse - 0.5 * x.reduce((s, xi, i) => s + (xi - means[k][i]) ** 2, 0) - 0.5 * d * LOG_2PI,
  );
  const tm = Math.max(...terms);
  return tm + Math.log(terms.reduce((s, t) => s + Math.exp(t - tm), 0));
}

describe('mixtureOfGaussiansLogProb', () => {
  it('matches double precision, including far-away points', () => {
    const rng = new Rng(3);
    const B = 5;
    const K = 4;
    const d = 3;
    const x = Array.from({ length: B }, () => Array.from({ length: d }, () => 2 * rng.normal()));
    x[4] = [40, -35, 50]; // every component underflows in a naive sum of densities
    const logits = Array.from({ length: B }, () => Array.from({ length: K }, () => rng.normal()));
    const means = Array.from({ length: B }, () =>
      Array.from({ length: K }, () => Array.from({ length: d }, () => rng.normal())),
    );
    const lp = mixtureOfGaussiansLogProb(tf.tensor2d(x), tf.tensor2d(logits), tf.tensor3d(means));
    expect(lp.shape).toEqual([B]);
    values(lp).forEach((v, b) => {
      const ref = mogRef(x[b], logits[b], means[b]);
      expect(Number.isFinite(v)).toBe(true);
      expect(Math.abs(v - ref)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref)));
    });
    lp.dispose();
  });

  it('is a normalized density (1-D numerical integration) and reduces to N(x; μ, 1) for K = 1', () => {
    const n = 6001;
    const xs = Array.from({ length: n }, (_, i) => -15 + (30 * i) / (n - 1));
    const lp = mixtureOfGaussiansLogProb(
      tf.tensor2d(xs.map((v) => [v])),
      tf.tensor2d(xs.map(() => [0.3, -1, 2])),
      tf.tensor3d(xs.map(() => [[-2], [1], [4]])),
    );
    const p = values(lp).map(Math.exp);
    let integral = 0;
    for (let i = 0; i + 1 < n; i++) integral += 0.5 * (p[i] + p[i + 1]) * (xs[i + 1] - xs[i]);
    expect(integral).toBeCloseTo(1, 4);
    const one = mixtureOfGaussiansLogProb(
      tf.tensor2d([[0.5, -1]]),
      tf.tensor2d([[3]]),
      tf.tensor3d([[[0, 1]]]),
    );
    expect(values(one)[0]).toBeCloseTo(-0.5 * (0.25 + 4) - LOG_2PI, 5);
    tf.dispose([lp, one]);
  });

  it('is differentiable in x, logits and means', () => {
    const rng = new Rng(4);
    const x = tf.tensor2d([
      [0.3, -0.2],
      [1, 0.5],
    ]);
    const logits = tf.tensor2d([
      [0.1, -0.4, 0.2],
      [0, 0.3, -0.3],
    ]);
    const means = tf.tensor3d(
      Array.from({ length: 2 }, () => Array.from({ length: 3 }, () => [rng.normal(), rng.normal()])),
    );
    const res = gradCheck(
      (a, l, m) => tf.sum(mixtureOfGaussiansLogProb(a as tf.Tensor2D, l as tf.Tensor2D, m as tf.Tensor3D)),
      [x, logits, means],
    );
    expect(res.checked).toBe(4 + 6 + 12);
    expect(res.maxRelError, JSON.stringify(res.worst)).toBeLessThan(3e-3);
    expect(() => mixtureOfGaussiansLogProb(x, logits, tf.zeros([2, 3, 3]) as tf.Tensor3D)).toThrow(
      /expected x \[B, d\]/,
    );
    tf.dispose([x, logits, means]);
  });
});
