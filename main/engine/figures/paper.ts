/**
 * A figure at a paper's width: the panels are sized so that the whole figure is as wide as asked
 * (Vega lays out facets from their panels' width, so the panel width is found by measuring and
 * correcting: the figure's width is affine in it), then written as SVG, vector PDF (fonts embedded,
 * pdf.ts) and PNG at 300 dpi, with the plotted data as CSV beside.
 *
 * Node only.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../atomic.ts';
import { renderSvg, svgToPng } from './render.ts';
import { svgSize, svgToPdf } from './pdf.ts';

import type { FigureFormat } from './figure_spec.ts';

/** PNG resolution of paper figures, in dots per inch. */
const PNG_DPI = 300;

/**
 * Renders `specFor(panelWidth)` with the panel width that makes the figure `widthPt` wide.
 * @param columns panels per row (the width changes `columns` times as fast as the panel width)
 * @returns the SVG, its size in px (= pt) and the panel width it was drawn at
 * @throws Error when the figure cannot get that narrow (its fixed parts — legend, labels — are wider)
 */
export async function fitToWidth(
  specFor: (panelWidth: number) => object,
  widthPt: number,
  columns: number,
): Promise<{ svg: string; width: number; height: number; warnings: string[]; panelWidth: number }> {
  let panel = Math.max(40, widthPt / columns - 40);
  let slope = columns;
  let prev: { panel: number; width: number } | null = null;
  let best: { svg: string; warnings: string[]; width: number; panel: number } | null = null;
  for (let pass = 0; pass < 8; pass++) {
    const r = await renderSvg(specFor(panel));
    const { width } = svgSize(r.svg);
    if (!best || Math.abs(width - widthPt) < Math.abs(best.width - widthPt)) best = { ...r, width, panel };
    if (Math.abs(width - widthPt) < 0.5) break;
    // The width is affine in the panel width (slope: the panels per row), up to the steps of axis
    // labels coming and going: the slope measured between passes, when it is sensible, corrects it.
    const tooWide = new Error(
      `the figure cannot be ${(widthPt / 72).toFixed(2)} in wide: its legend and labels alone are wider; give a larger width or fewer panels per row`,
    );
    if (prev && panel !== prev.panel) {
      const measured = (width - prev.width) / (panel - prev.panel);
      if (measured > 0.5 * columns && measured < 2 * columns) slope = measured;
      // Narrower panels, the same width: a part that does not shrink with them is too wide.
      else if (width > widthPt && Math.abs(panel - prev.panel) >= 2 && Math.abs(measured) < 0.1)
        throw tooWide;
    }
    prev = { panel, width };
    panel += (widthPt - width) / slope;
    if (panel < 30) throw tooWide;
  }
  const size = svgSize(best!.svg);
  return { svg: best!.svg, ...size, warnings: best!.warnings, panelWidth: best!.panel };
}

/**
 * Writes a figure's SVG in the asked formats to `outBase`.<format>, and `csv` (the plotted data) to
 * `outBase`.csv when given; each file atomically.
 * @param widthPt the PDF page width (the SVG is drawn scaled to it)
 * @returns the absolute paths written, by extension
 */
export async function writeFigureFiles(
  svg: string,
  outBase: string,
  opts: { formats: readonly FigureFormat[]; widthPt: number; title?: string; csv?: string },
): Promise<Record<string, string>> {
  const base = resolve(outBase);
  await mkdir(dirname(base), { recursive: true });
  const written: Record<string, string> = {};
  const write = async (ext: string, data: string | Buffer) => {
    written[ext] = `${base}.${ext}`;
    await writeFileAtomic(written[ext], data);
  };
  if (opts.formats.includes('svg')) await write('svg', svg);
  if (opts.formats.includes('pdf'))
    await write('pdf', await svgToPdf(svg, { widthPt: opts.widthPt, title: opts.title }));
  if (opts.formats.includes('png')) {
    const { width } = svgSize(svg);
    await write('png', svgToPng(svg, ((opts.widthPt / width) * PNG_DPI) / 72));
  }
  if (opts.csv !== undefined) await write('csv', opts.csv);
  return written;
}

/** RFC 4180 CSV of rows with the given columns (values quoted when they hold a comma, quote or newline). */
export function toCsv(rows: ReadonlyArray<Record<string, unknown>>, columns: readonly string[]): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}
