/**
 * The fonts a figure is rendered with, and text measurement that matches them.
 *
 * Headless Vega has no canvas to measure text, so by default it guesses 0.8 em per character, which is
 * about 40% too wide for DejaVu Sans: axis titles then sit far from their labels and legends get padded.
 * Reading the advance widths straight from the TTF files we render with makes Vega's layout match what
 * resvg draws, with no native canvas dependency.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The font family name every figure uses (config font in the spec, default family in resvg). */
export const FONT_FAMILY = 'DejaVu Sans';

const FONT_DIR = new URL('../../../assets/fonts/', import.meta.url);

/** Absolute paths of the regular and bold DejaVu Sans files shipped in `assets/fonts/`. */
export const FONT_FILES = {
  regular: fileURLToPath(new URL('DejaVuSans.ttf', FONT_DIR)),
  bold: fileURLToPath(new URL('DejaVuSans-Bold.ttf', FONT_DIR)),
};

/** Per-character advance widths of one font, in em (multiply by font size in px for px). */
export interface FontMetrics {
  /** Advance width in em of a Unicode code point; characters the font lacks get the average width. */
  advance(codePoint: number): number;
  /** Width in px of `text` set at `fontSize` px (no kerning, like Vega's canvas measurement). */
  width(text: string, fontSize: number): number;
}

/**
 * Reads advance widths from a TrueType file (tables `head`, `hhea`, `hmtx`, and a format-4 Unicode
 * `cmap`, which every Latin font has).
 * @throws Error if the file cannot be read or lacks those tables.
 */
export function loadFontMetrics(path: string): FontMetrics {
  const buf = readFileSync(path);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const numTables = dv.getUint16(4);
  const tables = new Map<string, number>();
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + 16 * i;
    tables.set(buf.toString('latin1', rec, rec + 4), dv.getUint32(rec + 8));
  }
  const need = (tag: string): number => {
    const off = tables.get(tag);
    if (off === undefined) throw new Error(`font ${path}: missing '${tag}' table`);
    return off;
  };
  const unitsPerEm = dv.getUint16(need('head') + 18);
  const numHMetrics = dv.getUint16(need('hhea') + 34);
  const hmtx = need('hmtx');
  const glyphAdvance = (glyph: number): number =>
    dv.getUint16(hmtx + 4 * Math.min(glyph, numHMetrics - 1)) / unitsPerEm;

  const cmap = need('cmap');
  let sub = -1;
  const nSub = dv.getUint16(cmap + 2);
  for (let i = 0; i < nSub; i++) {
    const platform = dv.getUint16(cmap + 4 + 8 * i);
    const encoding = dv.getUint16(cmap + 6 + 8 * i);
    const off = cmap + dv.getUint32(cmap + 8 + 8 * i);
    if (dv.getUint16(off) === 4 && (platform === 0 || (platform === 3 && encoding === 1))) {
      sub = off;
      break;
    }
  }
  if (sub < 0) throw new Error(`font ${path}: no format-4 Unicode cmap`);
  const segX2 = dv.getUint16(sub + 6);
  const ends = sub + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const rangeOffsets = deltas + segX2;
  const glyphOf = (cp: number): number => {
    if (cp > 0xffff) return 0;
    for (let s = 0; s < segX2; s += 2) {
      if (cp > dv.getUint16(ends + s)) continue;
      const start = dv.getUint16(starts + s);
      if (cp < start) return 0;
      const delta = dv.getInt16(deltas + s);
      const ro = dv.getUint16(rangeOffsets + s);
      if (ro === 0) return (cp + delta) & 0xffff;
      // idRangeOffset is relative to its own position in the file (TrueType spec, cmap format 4).
      const g = dv.getUint16(rangeOffsets + s + ro + 2 * (cp - start));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };

  const cache = new Map<number, number>();
  let sum = 0;
  for (let cp = 0x61; cp <= 0x7a; cp++) sum += glyphAdvance(glyphOf(cp));
  const average = sum / 26;
  const advance = (cp: number): number => {
    let w = cache.get(cp);
    if (w === undefined) {
      const g = glyphOf(cp);
      w = g === 0 ? average : glyphAdvance(g);
      cache.set(cp, w);
    }
    return w;
  };
  return {
    advance,
    width(text, fontSize) {
      let em = 0;
      for (const ch of text) em += advance(ch.codePointAt(0) as number);
      return em * fontSize;
    },
  };
}

let metrics: { regular: FontMetrics; bold: FontMetrics } | undefined;

/** Regular and bold DejaVu Sans metrics, loaded once. @throws Error if the font files are missing. */
export function dejaVuMetrics(): { regular: FontMetrics; bold: FontMetrics } {
  metrics ??= { regular: loadFontMetrics(FONT_FILES.regular), bold: loadFontMetrics(FONT_FILES.bold) };
  return metrics;
}

/** Whether a Vega fontWeight value selects the bold face. */
export function isBold(weight: unknown): boolean {
  if (typeof weight === 'number') return weight >= 600;
  return weight === 'bold' || weight === 'bolder' || (typeof weight === 'string' && Number(weight) >= 600);
}

/**
 * Width in px of `text` in DejaVu Sans at `fontSize` px; used both to lay out the spec (wrapping long axis
 * titles) and, through {@link installTextMetrics}, by Vega itself.
 */
export function textWidth(text: string, fontSize: number, bold = false): number {
  const m = dejaVuMetrics();
  return (bold ? m.bold : m.regular).width(text, fontSize);
}
