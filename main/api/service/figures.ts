/**
 * The lab service's figures for papers (previewFigure, exportFigure, listFigures): each figure is
 * drawn by `skill-lab figure --spec` in a child process, so the workbench's figure builder exports
 * exactly what the command line does and the service's event loop never waits on the bootstrap or
 * the PDF.
 *
 * Node only.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSkillLab } from '../../engine/runs/cli_process.ts';
import type { FigureSpec } from '../../engine/figures/figure_spec.ts';
import { parseWidth } from '../../engine/figures/pdf.ts';
import { resolveFigureRuns } from '../../engine/runs/figure_data.ts';
import { RunStore, RunStoreError } from '../../engine/runs/store.ts';
import { ApiError, type ResultOf, type SavedFigure } from '../contract/contract.ts';

/** Extensions a figure may have beside its spec. */
const EXTENSIONS = ['svg', 'pdf', 'png', 'csv', 'spec.json'] as const;

export class LabFigures {
  constructor(private readonly workspace: string) {}

  get dir(): string {
    return join(this.workspace, 'figures');
  }

  /** @throws ApiError 'invalid' with the command's message (bad spec, unknown run, …), 'internal' otherwise */
  async preview(spec: FigureSpec): Promise<ResultOf<'previewFigure'>> {
    const tmp = mkdtempSync(join(tmpdir(), 'skill-lab-figure-'));
    try {
      const out = join(tmp, 'preview');
      await this.draw({ ...spec, formats: ['svg'] }, out, tmp);
      return {
        svg: readFileSync(`${out}.svg`, 'utf8'),
        csv: readFileSync(`${out}.csv`, 'utf8'),
        runIds: (JSON.parse(readFileSync(`${out}.spec.json`, 'utf8')) as { runs: string[] }).runs,
      };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** @throws as {@link preview} */
  async export(spec: FigureSpec, name = 'figure'): Promise<ResultOf<'exportFigure'>> {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    let base = `${name}-${stamp}`;
    for (let k = 2; existsSync(join(this.dir, `${base}.spec.json`)); k++) base = `${name}-${stamp}-${k}`;
    const tmp = mkdtempSync(join(tmpdir(), 'skill-lab-figure-'));
    try {
      await this.draw(spec, join(this.dir, base), tmp);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    const saved = this.read(base);
    if (!saved) throw new ApiError('internal', `the figure ${base} was drawn but its files are missing`);
    return { name: base, files: saved.files, runIds: (saved.spec as { runs: string[] }).runs };
  }

  list(): ResultOf<'listFigures'> {
    if (!existsSync(this.dir)) return { figures: [] };
    const figures = readdirSync(this.dir)
      .filter((f) => f.endsWith('.spec.json'))
      .map((f) => this.read(f.slice(0, -'.spec.json'.length)))
      .filter((f): f is SavedFigure => f !== null)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return { figures };
  }

  /** A saved figure by name; null when its spec is missing or unreadable. */
  private read(name: string): SavedFigure | null {
    const specPath = join(this.dir, `${name}.spec.json`);
    try {
      const spec = JSON.parse(readFileSync(specPath, 'utf8')) as unknown;
      const files: Record<string, string> = {};
      for (const ext of EXTENSIONS) {
        const p = join(this.dir, `${name}.${ext}`);
        if (existsSync(p)) files[ext] = p;
      }
      return { name, spec, files, createdAt: statSync(specPath).mtime.toISOString() };
    } catch {
      return null;
    }
  }

  /**
   * Runs `skill-lab figure --spec` on the spec (written into `tmp`) with output base `out`. Its width
   * and runs are checked here first, so that a spec naming no run fails at once, without a process.
   */
  private async draw(spec: FigureSpec, out: string, tmp: string): Promise<void> {
    try {
      parseWidth(spec.width);
      resolveFigureRuns(new RunStore(this.workspace), spec);
    } catch (err) {
      if (err instanceof RangeError)
        throw new ApiError('invalid', err.message, [{ path: 'spec.width', message: err.message }]);
      if (err instanceof RunStoreError)
        throw new ApiError('invalid', err.message, [
          { path: spec.runs ? 'spec.runs' : 'spec.query', message: err.message },
        ]);
      throw err;
    }
    const specFile = join(tmp, 'spec.json');
    writeFileSync(specFile, JSON.stringify(spec));
    const r = await runSkillLab(['figure', '--spec', specFile, '--out', out], { workspace: this.workspace });
    if (r.code === 0) return;
    const message = r.stderr.replace(/^error: /, '').trim() || `skill-lab figure exited with ${r.code}`;
    // Exit 2: the command refused the spec (a user's mistake); anything else is a failure.
    if (r.code === 2) throw new ApiError('invalid', message, [{ path: 'spec', message }]);
    throw new ApiError('internal', message);
  }
}
