import { describe, expect, it } from 'vitest';
import {
  axisTitles,
  ellipsePoints,
  embeddingSpec,
  interpolationPoint,
  type SkillEmbeddingData,
} from './embedding_plot.ts';

const theme = { text: '#111', grid: '#ddd', background: '#fff' };

function data(projection: SkillEmbeddingData['projection'], latentDim = 2): SkillEmbeddingData {
  const task = (k: number, x: number, y: number) => ({
    task: k,
    name: `goal ${k}`,
    mean: [x, y],
    std: [0.1, 0.2],
    entropy: 0,
    x,
    y,
    sx: 0.1,
    sy: 0.2,
  });
  return {
    runId: 'r',
    latentDim,
    projection,
    tasks: [task(0, -1, 0), task(1, 1, 0.5)],
    kl: [
      [0, 3],
      [4, 0],
    ],
    iteration: 1,
    envSteps: 100,
  };
}

describe('embedding plot', () => {
  it('draws each task’s 2σ ellipse, closed, around its mean', () => {
    const pts = ellipsePoints(data({ kind: 'direct' }).tasks, 8) as Array<{
      task: string;
      x: number;
      y: number;
    }>;
    const first = pts.filter((p) => p.task === 'task 1');
    expect(first).toHaveLength(9);
    expect(first[0].x).toBeCloseTo(1 + 0.2, 9); // μx + 2σx at angle 0
    expect(first[2].y).toBeCloseTo(0.5 + 0.4, 9); // μy + 2σy at angle π/2
    expect(first[8].x).toBeCloseTo(first[0].x, 9);
  });

  it('names the axes by what they are, and gives both the same span', () => {
    expect(axisTitles(data({ kind: 'direct' }))).toEqual(['z₁', 'z₂']);
    expect(axisTitles(data({ kind: 'pca', axes: [], explained: [0.874, 0.1] }, 3))).toEqual([
      "PC 1 (87 % of the means' variance)",
      "PC 2 (10 % of the means' variance)",
    ]);
    const spec = embeddingSpec(data({ kind: 'direct' }), theme, 300) as {
      layer: Array<{ encoding: { x: { scale: { domain: number[] } }; y: { scale: { domain: number[] } } } }>;
    };
    const { x, y } = spec.layer[0].encoding;
    expect(x.scale.domain[1] - x.scale.domain[0]).toBeCloseTo(y.scale.domain[1] - y.scale.domain[0], 9);
    expect(x.scale.domain[0]).toBeLessThan(-1 - 0.2);
    expect(x.scale.domain[1]).toBeGreaterThan(1 + 0.2);
  });

  it('marks z(α) of an interpolation on the line between the two drawn means', () => {
    const d = data({ kind: 'direct' });
    expect(interpolationPoint(d, { from: 0, to: 1, alpha: 0.25 })).toEqual({ x: -0.5, y: 0.125 });
    expect(interpolationPoint(d, { from: 0, to: 7, alpha: 0.5 })).toBeNull();
    const layers = (s: object) => (s as { layer: unknown[] }).layer.length;
    const mark = embeddingSpec(d, theme, 300, { from: 0, to: 1, alpha: 0.25 }) as {
      layer: Array<{ data: { values: Array<{ x: number; y: number }> }; mark: { shape?: string } }>;
    };
    expect(layers(mark)).toBe(layers(embeddingSpec(d, theme, 300)) + 2);
    const diamond = mark.layer.find((l) => l.mark.shape === 'diamond')!;
    expect(diamond.data.values[0]).toMatchObject({ x: -0.5, y: 0.125 });
  });
});
