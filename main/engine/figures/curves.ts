/**
 * Relabeling switches on learning curves — in the comparison figures and in the app's views alike.
 * Pure functions: the renderer reaches them through main/api/contract/presentation.ts. Which curves each
 * algorithm draws is in its entry of the algorithm catalog (algos/catalog.ts: `curves`).
 */
import { RELABEL_STRATEGIES } from '../replay/relabel.ts';
import { TASK_RELABEL_STRATEGIES } from '../replay/task_relabel.ts';

/**
 * The relabeling setting of a metric row, e.g. "future k=4" (goal-sac: relabel_strategy indexes
 * RELABEL_STRATEGIES, with relabel_k) or "hipi 50%" (multitask-sac: TASK_RELABEL_STRATEGIES, with
 * relabel_ratio); null for rows without it.
 */
function relabelLabel(r: Readonly<Record<string, number>>): string | null {
  if (!Number.isFinite(r.relabel_strategy)) return null;
  if (Number.isFinite(r.relabel_ratio)) {
    const strategy = TASK_RELABEL_STRATEGIES[r.relabel_strategy] ?? `#${r.relabel_strategy}`;
    return strategy === 'none' ? 'none' : `${strategy} ${Math.round(100 * r.relabel_ratio)}%`;
  }
  const strategy = RELABEL_STRATEGIES[r.relabel_strategy] ?? `#${r.relabel_strategy}`;
  return strategy === 'none' ? 'none' : `${strategy} k=${r.relabel_k}`;
}

/**
 * Where a run's relabeling changed (goal-sac's hindsight or multitask-sac's task relabeling), from
 * its metric rows. A switch is placed at the x of the row before the first row with the new setting:
 * the iteration it took effect in started there. Rows without the columns are skipped.
 * @returns one entry per change, with a label such as "→ final k=4".
 */
export function relabelSwitches(
  rows: ReadonlyArray<Record<string, number>>,
  xKey: 'env_steps' | 'wall_s',
): Array<{ x: number; label: string }> {
  const out: Array<{ x: number; label: string }> = [];
  let prev: string | null = null;
  let prevX = 0;
  for (const r of rows) {
    const label = relabelLabel(r);
    if (label === null) continue;
    if (prev !== null && label !== prev) out.push({ x: prevX, label: `→ ${label}` });
    prev = label;
    prevX = r[xKey];
  }
  return out;
}

/**
 * The relabeling settings of a run in the order it trained with them, e.g. "future k=4 → final k=2"
 * (one setting when it never switched; "no relabeling" for none); null for rows without relabeling.
 * The same text labels the run in figures and in the workbench (issue #13 B3).
 */
export function relabelSequence(rows: ReadonlyArray<Record<string, number>>): string | null {
  const seq: string[] = [];
  for (const r of rows) {
    const label = relabelLabel(r);
    if (label !== null && label !== seq[seq.length - 1]) seq.push(label);
  }
  if (seq.length === 0) return null;
  return seq.map((l) => (l === 'none' ? 'no relabeling' : l)).join(' → ');
}
