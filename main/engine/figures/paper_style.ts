/**
 * What the paper figures (learning curves, the aggregate) share above their panels: the caption
 * wrapped to a fixed width, the title over it, and the Vega-Lite config of white paper, DejaVu Sans
 * and a light grid, so the two kinds of figure read alike in one paper.
 *
 * Node only (text measurement).
 */
import { FONT_FAMILY, textWidth } from './fonts.ts';
import { SKILL_PALETTE } from './palette.ts';

/** The font sizes (px, = pt in print) the title block and the config read. */
export interface PaperFonts {
  title: number;
  subtitle: number;
  label: number;
  axisTitle: number;
  header: number;
}

/**
 * Greedy line breaking of `parts` (joined by "; ") into lines at most `width` px wide at `fontSize`.
 * A part wider than the line is broken between its words (a single word wider than the line stays
 * whole).
 */
export function wrapParts(parts: readonly string[], width: number, fontSize: number, bold = false): string[] {
  const fits = (s: string) => textWidth(s, fontSize, bold) <= width;
  const lines: string[] = [];
  let line = '';
  for (const part of parts) {
    const next = line ? `${line}; ${part}` : part;
    if (fits(next)) {
      line = next;
      continue;
    }
    if (line) lines.push(line + ';');
    line = '';
    for (const word of part.split(' ')) {
      const more = line ? `${line} ${word}` : word;
      if (line && !fits(more)) {
        lines.push(line);
        line = word;
      } else line = more;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * A caption's parts as one line joined by "; ", or, at a fixed figure width, wrapped into lines that
 * fit it (so the caption never widens the figure).
 */
export function captionText(
  parts: readonly string[],
  figureWidth: number | undefined,
  fontSize: number,
): string | string[] {
  return figureWidth ? wrapParts(parts, figureWidth - 4, fontSize) : parts.join('; ');
}

/** The figure's title with the caption as its subtitle, or, without a title, the caption alone. */
export function titleBlock(
  title: string | string[] | undefined,
  caption: string | string[],
  f: PaperFonts,
): object {
  // Vega draws no subtitle under an empty title: without a title the caption is the title line.
  return title
    ? {
        text: title,
        subtitle: caption,
        anchor: 'start',
        fontSize: f.title,
        subtitleFontSize: f.subtitle,
        subtitleColor: '#555',
      }
    : { text: caption, anchor: 'start', fontSize: f.subtitle, fontWeight: 'normal', color: '#555' };
}

/**
 * The Vega-Lite config of a paper figure: DejaVu Sans (the font its text is measured in), white
 * paper, grey frames, a light grid and bold panel headers; `more` adds to the axis and header
 * settings, and a legend's. Print figures get a 2 px margin.
 */
export function paperConfig(
  f: PaperFonts,
  print: boolean | undefined,
  more: { axis?: object; header?: object; legend?: object } = {},
): object {
  return {
    font: FONT_FAMILY,
    background: 'white',
    view: { stroke: '#888' },
    axis: {
      labelFontSize: f.label,
      titleFontSize: f.axisTitle,
      grid: true,
      gridColor: '#e5e5e5',
      ...more.axis,
    },
    header: { labelFontSize: f.header, labelFontWeight: 'bold', ...more.header },
    ...(more.legend ? { legend: more.legend } : {}),
    ...(print ? { padding: 2 } : {}),
  };
}

/**
 * The colour encoding of the paper figures' variants: the skill palette in variant order, the
 * legend below the figure, laid out horizontally; `legend` adds the figure's own legend settings.
 */
export function variantColor(
  labels: readonly string[],
  legend: Record<string, unknown>,
): {
  field: 'variant';
  type: 'nominal';
  title: null;
  scale: { domain: readonly string[]; range: string[] };
  legend: Record<string, unknown>;
} {
  return {
    field: 'variant',
    type: 'nominal',
    title: null,
    scale: { domain: labels, range: labels.map((_, i) => SKILL_PALETTE[i % SKILL_PALETTE.length]) },
    legend: { orient: 'bottom', direction: 'horizontal', ...legend },
  };
}
