import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../native/backend.ts';
import { retraceTarget, retraceTraces, type RetraceInputs } from './retrace.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

/** [N, B] step-major tensors from rows per step. */
const grid = (rows: number[][]) => tf.tensor2d(rows);

function target(x: Record<keyof RetraceInputs, number[][]>, gamma: number): number[] {
  const inputs = Object.fromEntries(
    Object.entries(x).map(([k, v]) => [k, grid(v)]),
  ) as unknown as RetraceInputs;
  const g = retraceTarget(inputs, gamma);
  const out = Array.from(g.dataSync());
  tf.dispose([g, ...Object.values(inputs)]);
  return out;
}

describe('Retrace target (Munos et al. 2016), by hand', () => {
  // Two sequences of three steps; sequence 0 runs through, sequence 1's episode ends after step 1.
  const base = {
    reward: [
      [1, 2],
      [0.5, -1],
      [2, 7],
    ],
    notDone: [
      [1, 1],
      [1, 0],
      [1, 1],
    ],
    nextValue: [
      [10, 20],
      [11, 21],
      [12, 22],
    ],
    q: [
      [0, 0],
      [9, 19],
      [13, 23],
    ],
  };

  it('with no continuation it is the one-step soft target r + γ(1 − d)V̄(s′)', () => {
    const zeros = [
      [0, 0],
      [0, 0],
      [0, 0],
    ];
    const got = target({ ...base, continues: zeros, traces: zeros }, 0.5);
    expect(got).toEqual([1 + 0.5 * 10, 2 + 0.5 * 20]);
  });

  it('follows the recursion with truncated traces, stopping at the episode end', () => {
    const continues = [
      [1, 1],
      [1, 0],
      [0, 0],
    ];
    const traces = [
      [0, 0],
      [1, 0.5],
      [0.25, 1],
    ];
    const got = target({ ...base, continues, traces }, 0.5);
    // Sequence 0: G2 = 2 + 0.5·12 = 8; G1 = 0.5 + 0.5·(11 + 1·0.25·(8 − 13)) = 5.375;
    // G0 = 1 + 0.5·(10 + 1·1·(5.375 − 9)) = 4.1875.
    // Sequence 1: its step 1 ends the episode (terminated): G1 = −1 + 0; G0 = 2 + 0.5·(20 + 1·0.5·(−1 − 19)) = 7.
    expect(got[0]).toBeCloseTo(4.1875, 5);
    expect(got[1]).toBeCloseTo(7, 5);
  });

  it('the traces are λ·min(1, π/μ); shapes that differ are refused', () => {
    const c = retraceTraces(
      tf.tensor2d([[Math.log(0.2), Math.log(0.9)]]),
      tf.tensor2d([[Math.log(0.4), Math.log(0.3)]]),
      0.9,
    );
    const v = Array.from(c.dataSync());
    expect(v[0]).toBeCloseTo(0.45, 5);
    expect(v[1]).toBeCloseTo(0.9, 5);
    c.dispose();
    const one = tf.tensor2d([[1, 2]]);
    const two = tf.tensor2d([[1], [2]]);
    expect(() =>
      retraceTarget({ reward: one, notDone: one, continues: one, nextValue: one, q: one, traces: two }, 0.9),
    ).toThrow(/retrace: traces has shape \[2,1\], reward \[1,2\]/);
    tf.dispose([one, two]);
  });
});
