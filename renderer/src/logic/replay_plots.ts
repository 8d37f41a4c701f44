/**
 * The replay browser's plots (issue #4 §6), as Vega-Lite specs built from the service's answers:
 * the return histogram and the desired-goal heat map of the filtered episodes, and an episode's
 * per-step reward under its original and a relabeled goal with the timeline's cursor. Data shaping
 * is plain TypeScript, so it is tested without a browser.
 */
import type { ResultOf } from '../../../main/api/contract/contract.ts';
import { baseConfig, type PlotTheme } from './plots.ts';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Colours of the original and the relabeled goal: 3D markers, legend and reward lines alike. */
export const GOAL_COLOURS = { original: '#2e9e4f', relabeled: '#e0701b' } as const;

/** Names of the two goals in the reward plot's legend. */
export const GOAL_LABELS = { original: 'original goal', relabeled: 'relabeled goal' } as const;

/** Name of the reward plot's streamed dataset: the cursor's rule and points ({@link cursorRows}). */
export const REWARD_CURSOR_DATA = 'cursor';

type Stats = ResultOf<'episodeStats'>;
type EpisodeData = ResultOf<'getEpisode'>;

/** Histogram of episode returns: one bar per bin [lo, hi). */
export function returnHistogramSpec(returns: Stats['returns'], theme: PlotTheme, width = 320): object {
  const values = returns.counts.map((count, i) => ({
    lo: returns.edges[i],
    hi: returns.edges[i + 1],
    count,
    // A bar ranged in x is horizontal unless its y is ranged too: from 0 to the count.
    zero: 0,
  }));
  return {
    $schema: SCHEMA,
    width,
    height: 150,
    config: baseConfig(theme),
    title: 'episode returns',
    data: { values },
    mark: { type: 'bar', color: GOAL_COLOURS.original, stroke: theme.background, strokeWidth: 0.5 },
    encoding: {
      x: { field: 'lo', type: 'quantitative', title: 'return', scale: { zero: false } },
      x2: { field: 'hi' },
      y: { field: 'count', type: 'quantitative', title: 'episodes' },
      y2: { field: 'zero' },
      tooltip: [
        { field: 'lo', title: 'from', format: '.2f' },
        { field: 'hi', title: 'to', format: '.2f' },
        { field: 'count', title: 'episodes' },
      ],
    },
  };
}

/** Heat map of desired goals on the table (goal components 0 and 1, m): counts per cell. */
export function goalHeatmapSpec(
  goals: NonNullable<Stats['goals']>,
  theme: PlotTheme,
  size = 220,
  kind: 'desired' | 'achieved' = 'desired',
): object {
  const values = goals.counts.flatMap((row, j) =>
    row.map((count, i) => ({
      x: goals.xEdges[i],
      x2: goals.xEdges[i + 1],
      y: goals.yEdges[j],
      y2: goals.yEdges[j + 1],
      count,
    })),
  );
  const scale = { zero: false, nice: false };
  return {
    $schema: SCHEMA,
    width: size,
    height: size,
    config: baseConfig(theme),
    title: kind === 'desired' ? 'desired goals (top view)' : 'achieved goals at the end (top view)',
    data: { values },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'goal x (m)', scale },
      x2: { field: 'x2' },
      y: { field: 'y', type: 'quantitative', title: 'goal y (m)', scale },
      y2: { field: 'y2' },
      color: { field: 'count', type: 'quantitative', title: 'episodes', scale: { scheme: 'greens' } },
      tooltip: [{ field: 'count', title: 'episodes' }],
    },
  };
}

/** One point of a reward line: the reward r(ag_step, goal) received on reaching state `step`. */
export interface RewardDatum {
  step: number;
  reward: number;
  goal: string;
}

/**
 * The reward lines: reward[t] is received on reaching state t+1, so it is drawn at step t+1 and the
 * cursor at state s sits on the reward of the step that led there (the state the 3D view shows).
 */
export function rewardRows(ep: Pick<EpisodeData, 'reward' | 'relabel'>): RewardDatum[] {
  const rows: RewardDatum[] = ep.reward.map((reward, t) => ({
    step: t + 1,
    reward,
    goal: GOAL_LABELS.original,
  }));
  if (ep.relabel)
    rows.push(
      ...ep.relabel.reward.map((reward, t) => ({ step: t + 1, reward, goal: GOAL_LABELS.relabeled })),
    );
  return rows;
}

/** Rows of {@link REWARD_CURSOR_DATA} at state `step` (0…T): the rule, and a point on each line. */
export function cursorRows(
  ep: Pick<EpisodeData, 'reward' | 'relabel'>,
  step: number,
): Array<{ step: number; reward: number | null; goal: string }> {
  const at = (r: number[]) => (step >= 1 && step <= r.length ? r[step - 1] : null);
  const rows: Array<{ step: number; reward: number | null; goal: string }> = [
    { step, reward: at(ep.reward), goal: GOAL_LABELS.original },
  ];
  if (ep.relabel) rows.push({ step, reward: at(ep.relabel.reward), goal: GOAL_LABELS.relabeled });
  return rows;
}

/**
 * Per-step reward under the original and the relabeled goal (two coloured lines with a legend),
 * steps 0…T on x, and the cursor read from the streamed dataset {@link REWARD_CURSOR_DATA}: moving
 * the cursor replaces that dataset's rows, never the spec.
 */
export function rewardSpec(
  ep: Pick<EpisodeData, 'reward' | 'relabel'>,
  theme: PlotTheme,
  width = 520,
): object {
  const labels = ep.relabel ? [GOAL_LABELS.original, GOAL_LABELS.relabeled] : [GOAL_LABELS.original];
  const color = {
    field: 'goal',
    type: 'nominal',
    title: null,
    scale: {
      domain: labels,
      range: ep.relabel ? [GOAL_COLOURS.original, GOAL_COLOURS.relabeled] : [GOAL_COLOURS.original],
    },
    legend: { orient: 'bottom' },
  };
  const x = {
    field: 'step',
    type: 'quantitative',
    title: 'step',
    scale: { domain: [0, Math.max(1, ep.reward.length)], nice: false },
  };
  return {
    $schema: SCHEMA,
    width,
    height: 160,
    config: baseConfig(theme),
    title: 'reward per step',
    layer: [
      {
        data: { values: rewardRows(ep) },
        mark: { type: 'line', interpolate: 'step-before' },
        encoding: {
          x,
          y: { field: 'reward', type: 'quantitative', title: 'reward' },
          color,
          // Where the two rewards agree the lines overlap: the original's is wider, so both show.
          strokeWidth: {
            field: 'goal',
            type: 'nominal',
            scale: { domain: [GOAL_LABELS.original, GOAL_LABELS.relabeled], range: [4, 1.5] },
            legend: null,
          },
        },
      },
      {
        data: { name: REWARD_CURSOR_DATA },
        mark: { type: 'rule', color: theme.text, strokeDash: [4, 3], strokeWidth: 1.5 },
        encoding: { x: { field: 'step', type: 'quantitative' } },
      },
      {
        data: { name: REWARD_CURSOR_DATA },
        transform: [{ filter: 'datum.reward != null' }],
        mark: { type: 'point', filled: true, size: 70, stroke: theme.text, strokeWidth: 1, opacity: 1 },
        encoding: {
          x: { field: 'step', type: 'quantitative' },
          y: { field: 'reward', type: 'quantitative' },
          color,
        },
      },
    ],
  };
}
