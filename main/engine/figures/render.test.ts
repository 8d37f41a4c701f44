import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparisonSpec, renderFigure, renderSvg, type FigureRun } from './compare.ts';
import { demoRuns } from './demo.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk, which the PNG spec requires to come first. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg[^>]* width="([\d.]+)" height="([\d.]+)"/.exec(svg);
  if (!m) throw new Error('no svg size');
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** The strings drawn as <text> in a Vega SVG (one element per line of text). */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skill-lab-figures-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('renderFigure', () => {
  it('writes the demo figure as SVG and 2× PNG, labels legible as text, no temp files left', async () => {
    const spec = comparisonSpec(demoRuns({ labels: ['DIAYN', 'DADS'], seeds: [0, 1], skills: 4 }), {
      arena: { xmin: -1, xmax: 1, ymin: -1, ymax: 1 },
    });
    const { svg, warnings } = await renderSvg(spec);
    expect(warnings).toEqual([]);

    const out = join(dir, 'nested', 'deeper', 'demo');
    const { svgPath, pngPath } = await renderFigure(spec, out);
    expect(svgPath).toBe(`${out}.svg`);
    expect(pngPath).toBe(`${out}.png`);

    const written = await readFile(svgPath, 'utf8');
    expect(written).toBe(svg);
    expect(written.startsWith('<svg')).toBe(true);
    const texts = svgTexts(written);
    for (const t of ['DIAYN', 'DADS', 'x (m)', 'y (m)', 'intrinsic reward', 'environment steps']) {
      expect(texts).toContain(t);
    }
    expect(written).toContain('font-family="DejaVu Sans"');

    const png = await readFile(pngPath);
    const size = pngSize(png);
    const s = svgSize(written);
    expect(size).toEqual({ width: Math.round(2 * s.width), height: Math.round(2 * s.height) });
    // Two ~380 px columns plus the legend, at 2×.
    expect(s.width).toBeGreaterThan(700);
    expect(s.width).toBeLessThan(1000);
    expect(png.length).toBeGreaterThan(50_000);

    expect((await readdir(join(dir, 'nested', 'deeper'))).sort()).toEqual(['demo.png', 'demo.svg']);

    // Set SKILL_LAB_FIGURE_DEMO=/path/file.png to keep a copy for looking at it.
    const keep = process.env.SKILL_LAB_FIGURE_DEMO;
    if (keep) copyFileSync(pngPath, keep);
  });

  it('renders 50 skills × 5 rollouts × 200 steps in a few seconds', async () => {
    const runs = demoRuns({
      labels: ['DIAYN', 'DADS'],
      seeds: [0, 1],
      skills: 50,
      rollouts: 5,
      steps: 200,
      rows: 1000,
    });
    const t0 = performance.now();
    const { svgPath, pngPath } = await renderFigure(comparisonSpec(runs), join(dir, 'big'));
    const seconds = (performance.now() - t0) / 1000;
    expect(seconds).toBeLessThan(10);
    expect((await stat(svgPath)).size).toBeGreaterThan(0);
    expect(pngSize(await readFile(pngPath)).width).toBeGreaterThan(1000);
  });

  it('renders edge cases without warnings: one run, traces only, metrics only, wall-clock axis', async () => {
    const base: FigureRun = {
      label: 'only',
      seed: 0,
      env: 'ant',
      metrics: [{ env_steps: 1000, wall_s: 2, loss: 0.5 }],
      traces: [],
      curves: [{ key: 'loss', title: 'loss' }],
    };
    const cases: FigureRun[][] = [
      [base],
      [{ ...base, metrics: [], traces: [{ skill: 3, rollout: 0, step: 0, x: 1, y: -2 }] }],
      [base, { ...base, label: 'other', curves: [] }],
    ];
    for (const runs of cases) {
      const { svg, warnings } = await renderSvg(comparisonSpec(runs, { xAxis: 'wall_s' }));
      expect(warnings).toEqual([]);
      for (const r of runs) expect(svgTexts(svg)).toContain(r.label);
    }
  });

  it('overwrites an existing figure in place', async () => {
    const out = join(dir, 'again');
    await writeFile(`${out}.svg`, 'old');
    await renderFigure(comparisonSpec(demoRuns({ labels: ['A'], seeds: [0] })), out);
    expect((await readFile(`${out}.svg`, 'utf8')).startsWith('<svg')).toBe(true);
  });
});
