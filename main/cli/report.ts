/** Human-readable printing of evaluation reports and run lists. */
import type { EvalReport } from '../engine/runs/evaluate.ts';
import { findAlgo } from '../engine/algos/lookup.ts';
import { perTaskText } from '../api/contract/presentation.ts';

function n(v: unknown, digits = 3): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '-';
}

/** Prints the report of `skill-lab eval` as a short text table. */
export function printEvalReport(r: EvalReport): void {
  const info = findAlgo(r.algo);
  if (info?.evaluation === 'goals') {
    console.log(
      `\n${r.algo.toUpperCase()} on ${r.env}, task ${String(r.task)} — run ${r.run}, ${r.env_steps} env steps`,
    );
    console.log(
      `  deterministic policy, ${n(r.episodes, 0)} episodes of ${r.episode_steps} steps: ` +
        `success rate ${n(r.success_rate)}, mean return ${n(r.episode_return, 2)}`,
    );
    if (Array.isArray(r.task_success))
      console.log(`  success per task: ${perTaskText(r.task_success, r.task_names, (v) => n(v, 2))}`);
    if (Array.isArray(r.teacher_success))
      console.log(
        `  teachers' success per task (their mean actions, same resets): ${r.teacher_success
          .map((v: number) => n(v, 2))
          .join(', ')}${Array.isArray(r.teachers) ? ` — ${(r.teachers as string[]).join(', ')}` : ''}`,
      );
    if (typeof r.mean_final_distance === 'number')
      console.log(
        `  mean final distance to the goal ${n(r.mean_final_distance)} m (success: below ${n(r.success_radius, 2)} m)`,
      );
    const interpolations = r.interpolations as
      Array<{ alphas: number[]; traces: { success: boolean }[] }> | undefined;
    if (Array.isArray(interpolations) && interpolations.length > 0)
      console.log(
        `  interpolations between the tasks' embeddings: ${interpolations.length} pair${interpolations.length === 1 ? '' : 's'} × ${interpolations[0].alphas.length} values of α, ` +
          `${interpolations.reduce((s, p) => s + p.traces.filter((t) => t.success).length, 0)} of ` +
          `${interpolations.reduce((s, p) => s + p.traces.length, 0)} rollouts end within the success radius of a goal (the run page plays them in 3D)`,
      );
    const from = r.skills_from as { run?: string; algo?: string; sha256?: string } | undefined;
    if (from?.run)
      console.log(
        `  skills of ${from.algo?.toUpperCase()} run ${from.run} (checkpoint SHA-256 ${from.sha256?.slice(0, 12)}…)`,
      );
    return;
  }
  console.log(`\n${r.algo.toUpperCase()} on ${r.env} — run ${r.run}, ${r.env_steps} env steps`);
  console.log(
    `  f(s) = ${r.state_function}; ${r.skills.length} skills × ${r.rollouts_per_skill} rollouts of ${r.episode_steps} steps`,
  );
  console.log(`  x-y coverage: ${r.coverage_cells} cells of ${r.coverage_cell_m} m`);
  console.log(
    `  normalized skill variance (DADS Fig. 6, lower = more predictable): ${n(r.mean_normalized_variance)}`,
  );
  // The run-level figures its algorithm reports (catalog: evalFigures), as the run page shows them.
  const figures = info?.evalFigures ?? [];
  for (const { key, label } of figures)
    if (typeof r[key] === 'number') console.log(`  ${label}: ${n(r[key])}`);
  const extra = figures.map((f) => f.key).filter((k) => r.skills.some((s) => typeof s[k] === 'number'));
  const header = ['skill', 'z', 'final f(s) mean ± std', 'travelled (m)', 'norm. var.', ...extra];
  console.log('  ' + header.join(' | '));
  for (const s of r.skills) {
    const z = s.z.length > 4 ? `#${s.id}` : `[${s.z.map((v) => v.toFixed(2)).join(', ')}]`;
    const fin = s.final_mean
      .map((m, j) => `${m.toFixed(2)}±${s.final_std[j].toFixed(2)}`)
      .slice(0, 3)
      .join(', ');
    const cols = [
      String(s.id),
      z,
      fin,
      n(s.distance_travelled, 2),
      n(s.normalized_variance),
      ...extra.map((k) => n(s[k])),
    ];
    console.log('  ' + cols.join(' | '));
  }
}

/** "3 min ago" style age. */
export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
