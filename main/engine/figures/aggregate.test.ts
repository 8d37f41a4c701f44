/**
 * The aggregate figure at paper widths: side by side with the variants named in full where that
 * fits (two columns), stacked with the variants keyed by letter where it does not (one column), the
 * figure exactly as wide as asked and its text readable: no text cut or overlapping, none under 7 pt.
 */
import { describe, expect, it } from 'vitest';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { aggregateLayout, aggregateSpec, type VariantScores } from './aggregate.ts';
import { fitToWidth } from './paper.ts';
import { parseWidth, svgSize } from './pdf.ts';
import { renderSvg } from './render.ts';

const LONG = [
  'DIAYN sac.lr=0.001 diayn.skills=8',
  'DADS sac.lr=0.0003 dads.skillDim=4',
  'SKILL-CONTROLLER (DIAYN skills) hold=10',
];

/** Variants with 5 seeds each, their scores overlapping. */
function variants(labels: readonly string[]): VariantScores[] {
  return labels.map((label, i) => ({
    label,
    scores: Array.from({ length: 5 }, (_, s) => 0.3 + 0.1 * i + 0.08 * Math.sin(s * 2.3 + i)),
  }));
}

const METRIC = { title: 'success rate', unit: 'success (fraction of episodes)' };

async function fitted(vs: VariantScores[], width: string, title?: string) {
  const widthPt = parseWidth(width);
  const layout = aggregateLayout(vs, { figureWidth: widthPt, print: true });
  const specFor = (panel: number) =>
    aggregateSpec(vs, {
      metric: METRIC,
      title,
      panelWidth: panel,
      figureWidth: widthPt,
      print: true,
      bootstrap: { reps: 200 },
    }).spec;
  const fit = await fitToWidth(specFor, widthPt, layout.columns);
  return { ...fit, widthPt, layout, spec: specFor(fit.panelWidth) };
}

interface TextBox {
  text: string;
  fontSize: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** Every text item Vega draws, with its box in the figure's coordinates (as laid out for the SVG). */
async function textBoxes(spec: object): Promise<TextBox[]> {
  await renderSvg(spec); // installs the DejaVu text metrics the figure is measured with
  const view = new vega.View(vega.parse(compile(spec as TopLevelSpec).spec), { renderer: 'none' });
  await view.runAsync();
  const boxes: TextBox[] = [];
  type Item = {
    x?: number;
    y?: number;
    text?: unknown;
    fontSize?: number;
    opacity?: number;
    bounds: { x1: number; y1: number; x2: number; y2: number };
    items?: Mark[];
  };
  type Mark = { marktype: string; items: Item[] };
  const walk = (mark: Mark, dx: number, dy: number) => {
    for (const item of mark.items) {
      if (mark.marktype === 'text') {
        const text = Array.isArray(item.text) ? item.text.join(' ') : String(item.text ?? '');
        if (text.trim() && item.opacity !== 0)
          boxes.push({
            text,
            fontSize: item.fontSize ?? 11,
            x1: item.bounds.x1 + dx,
            y1: item.bounds.y1 + dy,
            x2: item.bounds.x2 + dx,
            y2: item.bounds.y2 + dy,
          });
      }
      if (mark.marktype === 'group')
        for (const child of item.items ?? []) walk(child, dx + (item.x ?? 0), dy + (item.y ?? 0));
    }
  };
  walk((view.scenegraph() as unknown as { root: Mark }).root, 0, 0);
  view.finalize();
  return boxes;
}

/** Pairs of text boxes that overlap by more than `slack` px both ways. */
function overlaps(boxes: TextBox[], slack = 0.5): string[] {
  const found: string[] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      const ox = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
      const oy = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
      if (ox > slack && oy > slack) found.push(`"${a.text}" × "${b.text}"`);
    }
  return found;
}

/** The text of an SVG's <text> elements, one a line (the lines of one element joined by spaces), entities decoded. */
function svgText(svg: string): string {
  return [...svg.matchAll(/<text[^>]*>(.*?)<\/text>/g)]
    .map((m) =>
      m[1]
        .replace(/<\/tspan><tspan[^>]*>/g, ' ')
        .replace(/<[^>]+>/g, '')
        .replace(/&gt;/g, '>')
        .replace(/&lt;/g, '<')
        .replace(/&amp;/g, '&')
        .replace(/&#39;/g, "'"),
    )
    .join('\n');
}

describe('aggregate figure at paper widths', () => {
  it('lays out side by side with full names in a page, stacked and keyed in a column', () => {
    const short = variants(['sac.lr=0.001', 'sac.lr=0.003']);
    expect(aggregateLayout(short, { figureWidth: parseWidth('page'), print: true })).toEqual({
      stacked: false,
      keyed: false,
      columns: 2,
    });
    const long = variants(LONG);
    expect(aggregateLayout(long, { figureWidth: parseWidth('page'), print: true })).toMatchObject({
      stacked: false,
      keyed: true,
    });
    expect(aggregateLayout(long, { figureWidth: parseWidth('column'), print: true })).toEqual({
      stacked: true,
      keyed: true,
      columns: 1,
    });
    // Without a fixed width (on screen): as before, side by side, names in full.
    expect(aggregateLayout(long, {})).toEqual({ stacked: false, keyed: false, columns: 2 });
  });

  for (const [width, names, title] of [
    ['column', LONG, undefined],
    ['column', LONG, 'Skill discovery; final success'],
    ['300pt', LONG, undefined],
    ['8.5cm', ['sac.lr=0.001', 'sac.lr=0.003'], undefined],
    ['column', [LONG[0]], undefined],
    ['page', LONG, undefined],
    ['page', ['sac.lr=0.001', 'sac.lr=0.003', 'sac.lr=0.01'], 'DIAYN: learning rate'],
  ] as const)
    it(`fits ${names.length} variant(s) ${names === LONG ? 'with long names ' : ''}to ${width}${title ? ' with a title' : ''}, every name drawn whole, no text overlapping or under 7 pt`, async () => {
      const vs = variants(names);
      const fit = await fitted(vs, width, title);
      expect(Math.abs(svgSize(fit.svg).width - fit.widthPt)).toBeLessThan(0.5);
      expect(fit.warnings).toEqual([]);
      const text = svgText(fit.svg);
      // Each variant in full with its n (in the legend, and beside the statistics where it fits);
      // keyed, its letter beside the statistics and in the pairs.
      for (const [i, v] of vs.entries()) {
        const key = 'ABC'[i];
        expect(text).toContain(fit.layout.keyed ? `${key}: ${v.label} (n=5)` : `${v.label} (n=5)`);
      }
      if (vs.length > 1)
        expect(text).toContain(fit.layout.keyed ? 'P(A > B)' : `P(${vs[0].label} > ${vs[1].label})`);
      expect(text).not.toContain('…'); // Vega's mark of cut text
      const boxes = await textBoxes(fit.spec);
      expect(overlaps(boxes)).toEqual([]);
      expect(Math.min(...boxes.map((b) => b.fontSize))).toBeGreaterThanOrEqual(7);
      // Nothing past the figure's edges.
      const left = Math.min(...boxes.map((b) => b.x1));
      expect(Math.max(...boxes.map((b) => b.x2)) - left).toBeLessThanOrEqual(fit.widthPt);
    });
});
