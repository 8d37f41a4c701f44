/**
 * Presentation data shared with the engine, for the renderer (which may import main/api, not the
 * engine): skill colours, relabeling switches on curves, and the algorithm catalog — what each
 * algorithm is conditioned on, how it is evaluated and relabeled, its key metrics, curve panels and
 * form fields — so views ask the catalog instead of comparing algorithm names.
 *
 * Renderer-safe: zod and plain data only (presentation.test.ts checks the import closure).
 */
export { SKILL_PALETTE } from '../../engine/figures/palette.ts';
export { relabelSwitches } from '../../engine/figures/curves.ts';
export { ALGO_CATALOG } from '../../engine/algos/catalog.ts';
export { ALGOS, algoInfo, algosWhere, allAlgos, findAlgo, type AlgoName } from '../../engine/algos/lookup.ts';
export {
  isSkillDiscovery,
  joinNames,
  type AlgoInfo,
  type Conditioning,
  type EvalFigure,
  type EvaluationKind,
  type RelabelingInfo,
} from '../../engine/algos/algo_info.ts';

/**
 * A per-task figure in words, "push +x 0.80, lift 0.10" with the tasks' names (an evaluation's
 * `task_names`), else the values alone ("0.80, 0.10").
 */
export function perTaskText(
  values: readonly unknown[],
  names: unknown,
  format: (v: unknown) => string,
): string {
  const named = Array.isArray(names) && names.length === values.length;
  return values.map((v, k) => (named ? `${String(names[k])} ${format(v)}` : format(v))).join(', ');
}
