/**
 * Vector PDF of a figure's SVG for papers: PDFKit draws the SVG (svg-to-pdfkit), text stays text in
 * the shipped DejaVu Sans, embedded as a subset (so the PDF prints the same on any machine and
 * journals' font checks pass). The page is the figure: its width is the requested width exactly
 * (e.g. 3.25 in for one column), the drawing scaled to it, height in proportion.
 *
 * Units: Vega lays figures out in px; here 1 px = 1 pt, so a figure laid out 234 px wide with 8 px
 * labels prints as a 3.25 in column with 8 pt labels.
 *
 * Node only.
 */
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { FONT_FILES } from './fonts.ts';

/** Paper widths in points (1/72 in): a one-column and a two-column figure of the usual conference formats. */
export const PAPER_WIDTHS = { column: 3.25 * 72, page: 6.75 * 72 } as const;

/**
 * Parses a figure width: "3.25in", "8.5cm", "90mm", "234pt", or the names "column" (3.25 in) and
 * "page" (6.75 in).
 * @returns the width in points
 * @throws RangeError naming what is allowed
 */
export function parseWidth(text: string | number): number {
  if (typeof text === 'number') {
    if (text > 0 && Number.isFinite(text)) return text;
    throw new RangeError(`width: ${text} is not a positive number of points`);
  }
  const t = text.trim();
  if (t in PAPER_WIDTHS) return PAPER_WIDTHS[t as keyof typeof PAPER_WIDTHS];
  const m = /^(\d+(?:\.\d+)?)\s*(in|cm|mm|pt)$/.exec(t);
  const per = { in: 72, cm: 72 / 2.54, mm: 72 / 25.4, pt: 1 } as const;
  const v = m ? Number(m[1]) * per[m[2] as keyof typeof per] : NaN;
  if (!(v >= 72 && v <= 20 * 72))
    throw new RangeError(
      `width "${text}": give "column" (3.25 in), "page" (6.75 in) or a length such as 3.25in, 8.5cm, 90mm or 234pt, between 1 in and 20 in`,
    );
  return v;
}

/** The width and height attributes of an SVG root, in px. */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const width = Number(/\bwidth="([\d.]+)"/.exec(root)?.[1]);
  const height = Number(/\bheight="([\d.]+)"/.exec(root)?.[1]);
  if (!(width > 0 && height > 0)) throw new Error('figure SVG has no width and height');
  return { width, height };
}

/**
 * Draws an SVG as a one-page PDF `widthPt` wide (default: the SVG's own width, 1 px = 1 pt).
 * @returns the PDF bytes
 * @throws Error when the SVG has no size or the fonts are missing
 */
export async function svgToPdf(
  svg: string,
  opts: { widthPt?: number; title?: string } = {},
): Promise<Buffer> {
  const size = svgSize(svg);
  const width = opts.widthPt ?? size.width;
  const height = (size.height * width) / size.width;
  const doc = new PDFDocument({
    size: [width, height],
    margin: 0,
    autoFirstPage: true,
    info: { Title: opts.title ?? 'skill-lab figure', Creator: 'skill-lab', Producer: 'PDFKit' },
  });
  doc.registerFont('DejaVuSans', FONT_FILES.regular);
  doc.registerFont('DejaVuSans-Bold', FONT_FILES.bold);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  SVGtoPDF(doc, svg, 0, 0, {
    width,
    height,
    assumePt: true,
    preserveAspectRatio: 'xMinYMin meet',
    // Every figure is set in DejaVu Sans (fonts.ts); bold for titles.
    fontCallback: (_family: string, bold: boolean) => (bold ? 'DejaVuSans-Bold' : 'DejaVuSans'),
  });
  doc.end();
  return done;
}
