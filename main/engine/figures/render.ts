/**
 * Headless rendering of a Vega-Lite spec to SVG (Vega, no canvas) and PNG (resvg), with the shipped
 * DejaVu fonts so output is identical on a bare machine with no system fonts.
 */
import { writeFileAtomic } from '../atomic.ts';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { FONT_FAMILY, FONT_FILES, dejaVuMetrics, isBold } from './fonts.ts';

type TextItem = { fontSize?: number; fontWeight?: unknown; limit?: number };
interface TextMetrics {
  width: (item: TextItem, text: unknown) => number;
}

let metricsInstalled = false;

/**
 * Makes Vega measure text with DejaVu Sans advance widths. Vega's hook is a module-global
 * (`textMetrics.width`, the same one vl-convert overrides), so this is done once per process.
 */
function installTextMetrics(): void {
  if (metricsInstalled) return;
  const tm = (vega as unknown as { textMetrics: TextMetrics }).textMetrics;
  const m = dejaVuMetrics();
  tm.width = (item, text) => {
    const size = item.fontSize != null ? +item.fontSize || 0 : 11;
    const s = text == null ? '' : String(text).trim();
    return (isBold(item.fontWeight) ? m.bold : m.regular).width(s, size);
  };
  metricsInstalled = true;
}

/**
 * Compiles a Vega-Lite spec and renders it to an SVG string headlessly.
 * @returns the SVG and any Vega-Lite/Vega warnings (a warning usually means a layout bug in the spec).
 * @throws Error if the spec does not compile or the fonts in assets/fonts are missing.
 */
export async function renderSvg(spec: object): Promise<{ svg: string; warnings: string[] }> {
  installTextMetrics();
  const warnings: string[] = [];
  const logger = vega.logger(vega.Warn, undefined, (_method, level, args) => {
    if (level === 'WARN') warnings.push(args.map(String).join(' '));
  });
  const vg = compile(spec as TopLevelSpec, { logger }).spec;
  const view = new vega.View(vega.parse(vg), { renderer: 'none', logger });
  try {
    await view.runAsync();
    // Clip-path ids come from a process-wide counter; restarting it makes equal specs give equal bytes.
    vega.resetSVGDefIds();
    const svg = await view.toSVG();
    return { svg, warnings };
  } finally {
    view.finalize();
  }
}

/** Rasterizes an SVG at `scale`× on white with the shipped fonts only. */
export function svgToPng(svg: string, scale = 2): Buffer {
  for (const f of Object.values(FONT_FILES)) {
    if (!existsSync(f)) throw new Error(`figure font missing: ${f}`);
  }
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: {
      fontFiles: [FONT_FILES.regular, FONT_FILES.bold],
      loadSystemFonts: false,
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
  });
  return resvg.render().asPng();
}

/**
 * Renders a Vega-Lite spec (e.g. from `comparisonSpec`) to `outBase + '.svg'` and `outBase + '.png'`
 * (PNG at 2× scale on white), creating the directory; each file is written atomically. Warnings from
 * Vega are printed to stderr.
 * @param outBase output path without extension, e.g. `workspace/compare/diayn-vs-dads`.
 * @returns the absolute paths written.
 * @throws Error if the spec does not compile, the fonts are missing, or a file cannot be written.
 */
export async function renderFigure(
  spec: object,
  outBase: string,
): Promise<{ svgPath: string; pngPath: string }> {
  const { svg, warnings } = await renderSvg(spec);
  for (const w of warnings) console.warn(`figure: ${w}`);
  const png = svgToPng(svg, 2);
  const base = resolve(outBase);
  await mkdir(dirname(base), { recursive: true });
  const svgPath = `${base}.svg`;
  const pngPath = `${base}.png`;
  await writeFileAtomic(svgPath, svg);
  await writeFileAtomic(pngPath, png);
  return { svgPath, pngPath };
}
