/**
 * The Figures tab's state (issue #13 A): the figure builder's form, what the chosen runs need for the
 * variant preview and the metric list (their config, skill source, relabeling and metric columns —
 * fetched once per run), the workspace's sweeps (a sweep run's variant names its swept values), the
 * last preview and export, and the saved figures.
 *
 * Previews and exports are drawn by the service exactly as `skill-lab figure --spec` draws them; a
 * preview answered after the form changed again is dropped (only the newest request shows).
 */
import { defineStore } from 'pinia';
import { reactive, ref, shallowRef } from 'vue';
import type {
  FigureSpecInput,
  ResultOf,
  SavedFigure,
  SweepSummary,
} from '../../../main/api/contract/contract.ts';
import { labClient } from '../api/lab.ts';
import {
  emptyFigureForm,
  formFromSpec,
  runFacts,
  type FigureForm,
  type FigureQueryForm,
  type RunFacts,
} from '../logic/figures.ts';

/** Runs whose facts are fetched at once. */
const FETCH_AT_ONCE = 4;

export const useFiguresStore = defineStore('figures', () => {
  const form = reactive<FigureForm>(emptyFigureForm());
  /** Facts per run id (see RunFacts); a run missing here reads by its summary alone. */
  const facts = shallowRef<Record<string, RunFacts>>({});
  const factErrors = ref<Record<string, string>>({});
  const sweeps = ref<SweepSummary[]>([]);

  const preview = shallowRef<(ResultOf<'previewFigure'> & { spec: FigureSpecInput }) | null>(null);
  const previewBusy = ref(false);
  const previewError = ref<string | null>(null);
  const exported = shallowRef<ResultOf<'exportFigure'> | null>(null);
  const exportBusy = ref(false);
  const exportError = ref<string | null>(null);
  const saved = ref<SavedFigure[]>([]);
  const savedError = ref<string | null>(null);
  /** The saved figure whose spec fills the form; null once the form is its own. */
  const loadedFrom = ref<string | null>(null);
  /** The query that saved figure was drawn from (its spec keeps it beside the runs); null for none. */
  const loadedQuery = ref<FigureQueryForm | null>(null);

  const pending = new Map<string, Promise<void>>();
  let previewSeq = 0;

  /** Fetches the facts of the runs that have none yet (a few at a time); failures are noted per run. */
  async function loadFacts(runIds: readonly string[]): Promise<void> {
    const missing = runIds.filter((id) => !facts.value[id] && !factErrors.value[id]);
    const queue = [...missing.filter((id) => !pending.has(id))];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const runId = id;
        const job = (async () => {
          try {
            const client = labClient();
            const [{ run }, { rows }] = await Promise.all([
              client.getRun({ runId }),
              client.getMetrics({ runId }),
            ]);
            facts.value = { ...facts.value, [runId]: runFacts(run, rows) };
          } catch (err) {
            factErrors.value = { ...factErrors.value, [runId]: (err as Error).message };
          } finally {
            pending.delete(runId);
          }
        })();
        pending.set(runId, job);
        await job;
      }
    };
    await Promise.all([
      ...Array.from({ length: Math.min(FETCH_AT_ONCE, queue.length) }, worker),
      ...missing.map((id) => pending.get(id)).filter(Boolean),
    ]);
  }

  /** Loads the sweeps (their points' swept values name a sweep run's variant); quietly none on failure. */
  async function loadSweeps(): Promise<void> {
    try {
      sweeps.value = (await labClient().listSweeps()).sweeps;
    } catch {
      sweeps.value = [];
    }
  }

  /** Reloads the saved figures (newest first). */
  async function loadSaved(): Promise<void> {
    try {
      saved.value = (await labClient().listFigures()).figures;
      savedError.value = null;
    } catch (err) {
      savedError.value = (err as Error).message;
    }
  }

  /** Draws `spec` (the form's) as the CLI would; the newest request wins, an older answer is dropped. */
  async function drawPreview(spec: FigureSpecInput): Promise<void> {
    const seq = ++previewSeq;
    previewBusy.value = true;
    previewError.value = null;
    try {
      const res = await labClient().previewFigure({ spec });
      if (seq === previewSeq) preview.value = { ...res, spec };
    } catch (err) {
      if (seq === previewSeq) previewError.value = (err as Error).message;
    } finally {
      if (seq === previewSeq) previewBusy.value = false;
    }
  }

  /** Writes the figure's files into the workspace's figures/ folder, then reloads the saved list. */
  async function exportFigure(spec: FigureSpecInput, name?: string): Promise<void> {
    exportBusy.value = true;
    exportError.value = null;
    try {
      exported.value = await labClient().exportFigure(name ? { spec, name } : { spec });
      await loadSaved();
    } catch (err) {
      exportError.value = (err as Error).message;
    } finally {
      exportBusy.value = false;
    }
  }

  /**
   * Fills the form from a saved figure's spec (runs mode with the runs it was drawn from), so it can
   * be redrawn, changed and exported again.
   * @throws Error when its spec is not a figure spec
   */
  function loadSavedFigure(figure: SavedFigure): void {
    // The saved name carries its time stamp; a new export gets a new one.
    const base = figure.name.replace(/-\d{8}-\d{6}(-\d+)?$/, '');
    Object.assign(form, formFromSpec(figure.spec, base));
    loadedFrom.value = figure.name;
    const query = (figure.spec as { query?: Partial<FigureQueryForm> } | null)?.query;
    loadedQuery.value = query
      ? {
          sweep: query.sweep ?? '',
          algo: query.algo ?? '',
          preset: query.preset ?? '',
          task: query.task ?? '',
          status: [...(query.status ?? [])],
        }
      : null;
    exported.value = null;
  }

  /** Empties the form (the runs list and saved figures stay). */
  function reset(): void {
    Object.assign(form, emptyFigureForm());
    loadedFrom.value = null;
    loadedQuery.value = null;
    preview.value = null;
    previewError.value = null;
    exported.value = null;
    exportError.value = null;
  }

  return {
    form,
    facts,
    factErrors,
    sweeps,
    preview,
    previewBusy,
    previewError,
    exported,
    exportBusy,
    exportError,
    saved,
    savedError,
    loadedFrom,
    loadedQuery,
    loadFacts,
    loadSweeps,
    loadSaved,
    drawPreview,
    exportFigure,
    loadSavedFigure,
    reset,
  };
});
