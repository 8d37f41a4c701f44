/**
 * The replay browser's state (issue #4 §6): the chosen goal-sac run, one page of its episodes (sort,
 * applied filter, hand-picked selection), the filtered stats, the last export; and the open
 * episode with its relabeled goal, the run's task scene and the episode page's own timeline.
 *
 * Every query runs in the app/server process (DuckDB over the run's Parquet); this store only asks.
 * A refused filter leaves the last good page on screen and reports the service's message.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { ParamsOf, ResultOf } from '../../../main/api/contract/contract.ts';
import type { EpisodeColumn, EpisodeRow } from '../../../main/api/contract/replay_schemas.ts';
import { labClient } from '../api/lab.ts';
import { createTimelineControl } from '../logic/timeline_control.ts';
import { frameAt } from '../logic/episodes.ts';

/** Rows per page of the episode table. */
export const EPISODE_PAGE_SIZE = 50;

/** A sort of the episode table. */
export interface EpisodeSort {
  column: EpisodeColumn;
  dir: 'asc' | 'desc';
}

/**
 * The relabeled goal the episode page compares against: none, the final achieved goal, or the goal
 * achieved at step `step` (what future relabeling offers the transitions before it).
 */
export type RelabelChoice = { kind: 'none' } | { kind: 'final' } | { kind: 'future'; step: number };

/** The 3D scene of a run's episodes: the compiled MJCF, or why there is none. */
export interface RunScene {
  runId: string;
  xml: string | null;
  note: string | null;
}

/** Seconds per step on the timeline of an episode whose control period is `dt` (0: bit flipping). */
export function stepSeconds(dt: number): number {
  return dt > 0 ? dt : 0.1;
}

/** The sort after clicking `column`'s header: the same column flips, another starts ascending. */
export function nextSort(current: EpisodeSort, column: EpisodeColumn): EpisodeSort {
  return current.column === column
    ? { column, dir: current.dir === 'asc' ? 'desc' : 'asc' }
    : { column, dir: 'asc' };
}

/** getEpisode's relabelGoal for a choice; `T` clamps a future step into [1, T]. */
export function relabelGoalOf(
  choice: RelabelChoice,
  T: number | null,
): ParamsOf<'getEpisode'>['relabelGoal'] | undefined {
  if (choice.kind === 'none') return undefined;
  if (choice.kind === 'final') return { strategy: 'final' };
  const step = Math.max(1, T === null ? choice.step : Math.min(T, choice.step));
  return { strategy: 'future', step: Math.round(step) };
}

const messageOf = (err: unknown) => (err as Error).message;

export const useReplayStore = defineStore('replay', () => {
  const runId = ref<string | null>(null);

  // ── the episode list ──
  const page = ref(0);
  const sort = ref<EpisodeSort>({ column: 'episode_id', dir: 'asc' });
  /** The filter of the page shown (the last one the service accepted). */
  const filter = ref('');
  /** The service's message for the last refused filter; null once one is accepted. */
  const filterError = ref<string | null>(null);
  const rows = shallowRef<EpisodeRow[]>([]);
  /**
   * The run's episode columns as the service lists them: the fixed ones, then the physics domain
   * randomization drew per episode (`friction_scale`, …) when its task randomizes any.
   */
  const columns = shallowRef<ResultOf<'listEpisodes'>['columns']>([]);
  const total = ref(0);
  const totalUnfiltered = ref(0);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const stats = shallowRef<ResultOf<'episodeStats'> | null>(null);
  /** Which goals the heat map counts: the desired ones, or where the episodes ended (issue #13 B6). */
  const goalKind = ref<'desired' | 'achieved'>('desired');
  const statsError = ref<string | null>(null);
  /** Hand-picked episode ids (export narrows to them when any). */
  const selection = ref<number[]>([]);
  const exporting = ref(false);
  const exported = ref<ResultOf<'exportEpisodes'> | null>(null);
  const exportError = ref<string | null>(null);
  let listToken = 0;
  let statsToken = 0;

  const pages = computed(() => Math.max(1, Math.ceil(total.value / EPISODE_PAGE_SIZE)));

  /**
   * Asks for a page with the given sort and filter; commits all of them only when the service
   * answers. @returns false when the filter was refused (filterError then says why).
   */
  async function query(next: { page: number; sort: EpisodeSort; filter: string }): Promise<boolean> {
    const id = runId.value;
    if (!id) return false;
    const token = ++listToken;
    loading.value = true;
    try {
      const res = await labClient().listEpisodes({
        runId: id,
        page: next.page,
        pageSize: EPISODE_PAGE_SIZE,
        sort: next.sort,
        ...(next.filter.trim() ? { filter: next.filter.trim() } : {}),
      });
      if (token !== listToken) return true;
      page.value = next.page;
      sort.value = next.sort;
      filter.value = next.filter.trim();
      rows.value = res.rows;
      columns.value = res.columns;
      total.value = res.total;
      totalUnfiltered.value = res.totalUnfiltered;
      filterError.value = null;
      error.value = null;
      return true;
    } catch (err) {
      if (token !== listToken) return true;
      const code = (err as { code?: string }).code;
      if (code === 'invalid' && next.filter.trim()) {
        filterError.value = messageOf(err);
        return false;
      }
      error.value = messageOf(err);
      return false;
    } finally {
      if (token === listToken) {
        loading.value = false;
        loaded.value = true;
      }
    }
  }

  /** Reloads the return histogram and goal heat map under the applied filter. */
  async function loadStats(): Promise<void> {
    const id = runId.value;
    if (!id) return;
    const token = ++statsToken;
    try {
      const res = await labClient().episodeStats({
        runId: id,
        goalKind: goalKind.value,
        ...(filter.value ? { filter: filter.value } : {}),
      });
      if (token === statsToken) {
        stats.value = res;
        statsError.value = null;
      }
    } catch (err) {
      if (token === statsToken) statsError.value = messageOf(err);
    }
  }

  /** Opens a run's episodes: first page by id, no filter, fresh selection; closes any episode. */
  async function selectRun(id: string | null): Promise<void> {
    if (id === runId.value && loaded.value) return;
    runId.value = id;
    closeEpisode();
    rows.value = [];
    columns.value = [];
    total.value = totalUnfiltered.value = 0;
    stats.value = null;
    selection.value = [];
    exported.value = null;
    exportError.value = null;
    filterError.value = null;
    loaded.value = false;
    filter.value = '';
    if (!id) return;
    await Promise.all([
      query({ page: 0, sort: { column: 'episode_id', dir: 'asc' }, filter: '' }),
      loadStats(),
    ]);
  }

  /** Reloads the current page and stats (new episodes of a run that trains). */
  async function refresh(): Promise<void> {
    await Promise.all([query({ page: page.value, sort: sort.value, filter: filter.value }), loadStats()]);
  }

  /** Applies a filter (blank: none) from page 0; a refused one keeps the page shown. */
  async function applyFilter(text: string): Promise<void> {
    if (await query({ page: 0, sort: sort.value, filter: text })) await loadStats();
  }

  /** Sorts by a column (a second click on the same column reverses), from page 0. */
  async function sortBy(column: EpisodeColumn): Promise<void> {
    await query({ page: 0, sort: nextSort(sort.value, column), filter: filter.value });
  }

  /** Shows page `p` (0-based, clamped). */
  async function goToPage(p: number): Promise<void> {
    await query({ page: Math.max(0, Math.min(pages.value - 1, p)), sort: sort.value, filter: filter.value });
  }

  /** Adds or removes an episode from the hand-picked selection. */
  function toggleSelected(episodeId: number): void {
    const i = selection.value.indexOf(episodeId);
    if (i >= 0) selection.value.splice(i, 1);
    else selection.value.push(episodeId);
  }

  /** Writes the selection (when any) under the applied filter to a file in the run's exports/. */
  async function exportSelection(format: 'csv' | 'parquet'): Promise<void> {
    const id = runId.value;
    if (!id || exporting.value) return;
    exporting.value = true;
    exportError.value = null;
    try {
      exported.value = await labClient().exportEpisodes({
        runId: id,
        format,
        ...(filter.value ? { filter: filter.value } : {}),
        ...(selection.value.length ? { episodeIds: [...selection.value].sort((a, b) => a - b) } : {}),
      });
    } catch (err) {
      exported.value = null;
      exportError.value = messageOf(err);
    } finally {
      exporting.value = false;
    }
  }

  // ── the episode page ──
  const episodeId = ref<number | null>(null);
  const episode = shallowRef<ResultOf<'getEpisode'> | null>(null);
  const episodeError = ref<string | null>(null);
  const relabel = ref<RelabelChoice>({ kind: 'final' });
  const scene = shallowRef<RunScene | null>(null);
  /** The episode page's own timeline (s of simulated time; one frame per env step). */
  const timeline = createTimelineControl();
  let episodeToken = 0;
  let sceneToken = 0;

  /** Steps T of the open episode (null before it loads). */
  const steps = computed(() => episode.value?.episode.length ?? null);
  /** State index 0…T under the timeline's cursor. */
  const cursorStep = computed(() => {
    const ep = episode.value;
    if (!ep) return 0;
    return frameAt(timeline.timeline.time, stepSeconds(ep.dt), ep.episode.length + 1);
  });

  /** Loads the open episode with its reward under the chosen relabeled goal. */
  async function loadEpisode(): Promise<void> {
    const id = runId.value;
    const ep = episodeId.value;
    if (!id || ep === null) return;
    const token = ++episodeToken;
    const relabelGoal = relabelGoalOf(relabel.value, steps.value);
    try {
      const res = await labClient().getEpisode({
        runId: id,
        episodeId: ep,
        ...(relabelGoal ? { relabelGoal } : {}),
      });
      if (token !== episodeToken) return;
      const fresh = episode.value?.episode.episode_id !== res.episode.episode_id;
      episode.value = res;
      episodeError.value = null;
      const dt = stepSeconds(res.dt);
      timeline.setDuration(res.episode.length * dt, dt);
      if (fresh) timeline.seek(0);
    } catch (err) {
      if (token === episodeToken) episodeError.value = messageOf(err);
    }
  }

  /** The run's task scene, once per run: the task.json it trains on, compiled by the service. */
  async function loadScene(): Promise<void> {
    const id = runId.value;
    if (!id || scene.value?.runId === id) return;
    const token = ++sceneToken;
    let result: RunScene;
    try {
      const { xml } = await labClient().getRunTask({ runId: id });
      result = xml
        ? { runId: id, xml, note: null }
        : { runId: id, xml: null, note: 'bit flipping has no 3D scene: the plots show the episode.' };
    } catch (err) {
      result = { runId: id, xml: null, note: `no 3D scene: ${messageOf(err)}` };
    }
    if (token === sceneToken) scene.value = result;
  }

  /** Opens an episode's page (reward under the current relabel choice, scene of the run). */
  async function openEpisode(id: number): Promise<void> {
    episodeId.value = id;
    episode.value = null;
    episodeError.value = null;
    timeline.timeline.playing = false;
    timeline.setDuration(0, 0);
    await Promise.all([loadEpisode(), loadScene()]);
  }

  /** Back to the table. */
  function closeEpisode(): void {
    episodeId.value = null;
    episode.value = null;
    episodeToken++;
    timeline.timeline.playing = false;
  }

  /** Chooses the relabeled goal and reloads the relabeled reward. */
  /** Switches the heat map between desired and achieved goals. */
  async function setGoalKind(kind: 'desired' | 'achieved'): Promise<void> {
    goalKind.value = kind;
    await loadStats();
  }

  async function setRelabel(choice: RelabelChoice): Promise<void> {
    relabel.value = choice;
    await loadEpisode();
  }

  return {
    runId,
    page,
    pages,
    sort,
    filter,
    filterError,
    rows,
    columns,
    total,
    totalUnfiltered,
    loading,
    loaded,
    error,
    stats,
    statsError,
    goalKind,
    setGoalKind,
    selection,
    exporting,
    exported,
    exportError,
    selectRun,
    refresh,
    applyFilter,
    sortBy,
    goToPage,
    toggleSelected,
    exportSelection,
    episodeId,
    episode,
    episodeError,
    relabel,
    scene,
    timeline,
    steps,
    cursorStep,
    openEpisode,
    closeEpisode,
    setRelabel,
  };
});
