/**
 * `skill-lab figure --spec`: a paper figure from a figure spec — PDF at the requested width with its
 * fonts embedded and its text as text, SVG, PNG, the plotted data as CSV and the spec saved beside
 * it, redrawn identically from the saved spec; bad specs refused naming the field.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { PDFDict, PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import { createRun, tempStore } from '../engine/runs/test_helpers.ts';
import { cli, expectRefusals } from './test_helpers.ts';

/** A workspace with 2 + 2 DIAYN runs on the point mass at two learning rates, metric rows written directly. */
/** DIAYN runs of two seeds per learning rate, `iterations` metric rows each. */
function workspace(lrs = [0.001, 0.003], iterations = 10) {
  const store = tempStore();
  const ids: string[] = [];
  for (const lr of lrs)
    for (const seed of [0, 1]) {
      const run = createRun(store, {
        algo: 'diayn',
        preset: 'point-mass',
        seed,
        totalEnvSteps: 5000,
        overrides: { 'sac.lr': lr },
      });
      for (let i = 1; i <= iterations; i++)
        run.appendMetrics({
          iteration: i,
          env_steps: 500 * i,
          wall_s: i,
          intrinsic_reward: lr * 100 * i + seed * 0.1,
          discriminator_accuracy: 0.25 + 0.05 * i,
          alpha: 0.1,
        });
      ids.push(run.id);
    }
  return { root: store.root, ids };
}

/** The decoded content streams of a PDF's first page. */
function pageText(pdf: PDFDocument): string {
  const page = pdf.getPage(0);
  const contents = page.node.Contents();
  const streams = contents && 'asArray' in contents ? contents.asArray() : [contents];
  return streams
    .map((ref) => pdf.context.lookup(ref as never) as PDFRawStream)
    .map((s) => inflateSync(Buffer.from(s.contents)).toString('latin1'))
    .join('\n');
}

describe('skill-lab figure --spec', () => {
  it('writes SVG, a one-column PDF with embedded fonts and real text, PNG, CSV and the spec, and redraws from the saved spec', async () => {
    const { root, ids } = workspace();
    const specFile = join(root, 'fig.json');
    writeFileSync(
      specFile,
      JSON.stringify({
        title: 'DIAYN: learning rate',
        query: { algo: 'diayn', preset: 'point-mass' },
        groupBy: ['sac.lr'],
        metrics: ['intrinsic_reward', 'discriminator_accuracy'],
        width: 'column',
        columns: 1,
        smoothing: 0,
      }),
    );
    const out = join(root, 'paper');
    const r = cli(['figure', '--spec', specFile, '--out', out], root);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/figure of 4 run\(s\)/);
    for (const ext of ['svg', 'pdf', 'png', 'csv', 'spec.json'])
      expect(existsSync(`${out}.${ext}`), ext).toBe(true);

    const pdf = await PDFDocument.load(readFileSync(`${out}.pdf`));
    expect(pdf.getPageCount()).toBe(1);
    expect(pdf.getPage(0).getWidth()).toBeCloseTo(3.25 * 72, 6);
    // Fonts embedded: every font descriptor carries its TrueType program (FontFile2).
    const descriptors = pdf.context
      .enumerateIndirectObjects()
      .map(([, o]) => o)
      .filter(
        (o): o is PDFDict =>
          o instanceof PDFDict && o.get(PDFName.of('Type')) === PDFName.of('FontDescriptor'),
      );
    expect(descriptors.length).toBeGreaterThanOrEqual(1);
    for (const d of descriptors) expect(d.get(PDFName.of('FontFile2'))).toBeDefined();
    // Text is text: text objects set in the embedded fonts at print sizes (7–9 pt), not outlines.
    const text = pageText(pdf);
    expect(text).toMatch(/BT[\s\S]*Tf[\s\S]*(Tj|TJ)[\s\S]*ET/);
    const sizes = [...text.matchAll(/\/F\d+ ([\d.]+) Tf/g)].map((m) => Number(m[1]));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(6);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(9);

    const csv = readFileSync(`${out}.csv`, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('metric,variant,x,value,lo,hi,n');
    // At 5000 env steps the two seeds of lr 0.003 are at 3.0 and 3.1: IQM of two = their mean, the
    // bootstrap's interval spans both.
    const last = csv.find((l) => l.startsWith('intrinsic reward (nats),sac.lr=0.003 (n=2),5000,'))!;
    const [value, lo, hi, n] = last.split(',').slice(3).map(Number);
    expect(value).toBeCloseTo(3.05, 9);
    expect(lo).toBeCloseTo(3.0, 9);
    expect(hi).toBeCloseTo(3.1, 9);
    expect(n).toBe(2);
    const svg = readFileSync(`${out}.svg`, 'utf8');
    expect(svg).toContain('sac.lr=0.001 (n=2)');
    expect(svg).toContain('IQM over seeds');

    const saved = JSON.parse(readFileSync(`${out}.spec.json`, 'utf8'));
    expect(saved.runs.sort()).toEqual([...ids].sort());
    const again = cli(['figure', '--spec', `${out}.spec.json`, '--out', join(root, 'again')], root);
    expect(again.code, again.err).toBe(0);
    expect(readFileSync(join(root, 'again.svg'), 'utf8')).toBe(svg);
  });

  it('draws the aggregate figure of final values: intervals of mean, median and IQM, profile, P(X > Y)', async () => {
    const { root } = workspace();
    const specFile = join(root, 'agg.json');
    writeFileSync(
      specFile,
      JSON.stringify({
        kind: 'aggregate',
        query: { algo: 'diayn' },
        groupBy: ['sac.lr'],
        metrics: ['intrinsic_reward'],
        width: 'page',
      }),
    );
    const out = join(root, 'agg');
    const r = cli(['figure', '--spec', specFile, '--out', out], root);
    expect(r.code, r.err).toBe(0);
    const pdf = await PDFDocument.load(readFileSync(`${out}.pdf`));
    expect(pdf.getPage(0).getWidth()).toBeCloseTo(6.75 * 72, 6);
    const rows = readFileSync(`${out}.csv`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    expect(rows[0]).toEqual(['part', 'variant', 'what', 'x', 'value', 'lo', 'hi', 'n']);
    // final values: lr 0.001 → 1.0 and 1.1 (seeds 0, 1), lr 0.003 → 3.0 and 3.1
    const iqm = rows.find((c) => c[0] === 'interval' && c[1] === 'sac.lr=0.003' && c[2] === 'IQM')!;
    expect(Number(iqm[4])).toBeCloseTo(3.05, 9);
    expect(Number(iqm[5])).toBeCloseTo(3.0, 9);
    expect(Number(iqm[6])).toBeCloseTo(3.1, 9);
    expect(iqm[7]).toBe('2');
    const poi = rows.find((c) => c[0] === 'improvement')!;
    expect(poi[1]).toBe('P(sac.lr=0.001 > sac.lr=0.003)');
    expect(Number(poi[4])).toBe(0); // every run at 0.001 scores below every run at 0.003
    expect(rows.filter((c) => c[0] === 'profile').length).toBe(2 * 41);
    const svg = readFileSync(`${out}.svg`, 'utf8');
    for (const text of ['performance profile', 'probability of improvement', 'IQM', 'sac.lr=0.001 (n=2)'])
      expect(svg).toContain(text);
  });

  it('draws the aggregate figure of 3 variants with long names in one column: stacked, keyed, as wide as asked', async () => {
    const { root } = workspace([0.001, 0.003, 0.01], 3);
    // Variant names such as "sac.lr=0.001, sac.batchSize=128, diayn.skills=4, diayn.discriminatorLr=0.001"
    const groupBy = ['sac.lr', 'sac.batchSize', 'diayn.skills', 'diayn.discriminatorLr'];
    for (const width of ['column', '300pt']) {
      const specFile = join(root, `agg-${width}.json`);
      writeFileSync(
        specFile,
        JSON.stringify({
          kind: 'aggregate',
          title: 'DIAYN: final intrinsic reward by learning rate',
          query: { algo: 'diayn' },
          groupBy,
          metrics: ['intrinsic_reward'],
          width,
        }),
      );
      const out = join(root, `agg-${width}`);
      const r = cli(['figure', '--spec', specFile, '--out', out], root);
      expect(r.code, r.err).toBe(0);
      const widthPt = width === 'column' ? 3.25 * 72 : 300;
      const pdf = await PDFDocument.load(readFileSync(`${out}.pdf`));
      expect(pdf.getPage(0).getWidth()).toBeCloseTo(widthPt, 6);
      const svg = readFileSync(`${out}.svg`, 'utf8');
      const svgWidth = Number(/^<svg[^>]* width="([\d.]+)"/.exec(svg)![1]);
      expect(Math.abs(svgWidth - widthPt)).toBeLessThan(0.5);
      // Every variant named whole with its n (in the legend, by its key A, B, C; a long name on
      // lines of its own), the pairs by key; nothing cut short, no text under 7 pt.
      const text = [...svg.matchAll(/<text[^>]*>(.*?)<\/text>/g)]
        .map((m) => m[1].replace(/<\/tspan><tspan[^>]*>/g, ' ').replace(/<[^>]+>/g, ''))
        .join('\n')
        .replace(/&gt;/g, '>');
      for (const [i, lr] of ['0.001', '0.003', '0.01'].entries())
        expect(text).toContain(
          `${'ABC'[i]}: sac.lr=${lr}, sac.batchSize=128, diayn.skills=4, diayn.discriminatorLr=0.001 (n=2)`,
        );
      for (const pair of ['P(A > B)', 'P(A > C)', 'P(B > C)']) expect(text).toContain(pair);
      expect(text).not.toContain('…');
      const sizes = [...svg.matchAll(/font-size="([\d.]+)px"/g)].map((m) => Number(m[1]));
      expect(Math.min(...sizes)).toBeGreaterThanOrEqual(7);
      // The CSV keeps the full names.
      const csv = readFileSync(`${out}.csv`, 'utf8');
      expect(csv).toContain(
        'P(sac.lr=0.001, sac.batchSize=128, diayn.skills=4, diayn.discriminatorLr=0.001 > sac.lr=0.003,',
      );
    }
  });

  it('refuses a bad spec naming the field, a width outside 1–20 in, unknown runs and an empty query', () => {
    const { root, ids } = workspace();
    const write = (name: string, spec: unknown) => {
      const f = join(root, `${name}.json`);
      writeFileSync(f, JSON.stringify(spec));
      return f;
    };
    expectRefusals(root, [
      [
        ['figure', '--spec', write('none', { title: 'x' })],
        /none\.json is not a valid figure spec:\n\s+runs: give the runs/,
      ],
      [['figure', '--spec', write('stat', { runs: ids, statistic: 'max' })], /statistic: Invalid option/],
      [['figure', '--spec', write('wide', { runs: ids, width: '40in' })], /width "40in": give "column"/],
      [['figure', '--spec', write('ghost', { runs: ['no-such-run'] })], /No run "no-such-run"/],
      [
        ['figure', '--spec', write('empty', { query: { algo: 'dads' } })],
        /no run matches the query \{"algo":"dads"\}/,
      ],
      [['figure', '--spec', write('metric', { runs: ids, metrics: ['nope'] })], /no run reports nope/],
      [
        [
          'figure',
          '--spec',
          write('agg2', { kind: 'aggregate', runs: ids, metrics: ['alpha', 'intrinsic_reward'] }),
        ],
        /metrics: an aggregate figure is of one metric/,
      ],
      [
        ['figure', '--spec', join(root, 'missing.json')],
        /cannot read figure spec .*missing\.json: no such file/,
      ],
    ]);
  });
});
