import { describe, expect, it } from 'vitest';
import type { EvalSummary } from '../../../main/api/contract/contract.ts';
import {
  configRows,
  evaluationFigures,
  filterConfigRows,
  formatDuration,
  runProgress,
  skillMetricKeys,
  sourceKind,
} from './run_page.ts';
import { curveColumns } from './plots.ts';

describe('run page model', () => {
  it('shows progress and, while training, the time left at the measured speed', () => {
    const run = { envSteps: 12_000, totalEnvSteps: 30_000, activity: 'training' as const };
    expect(runProgress(run, 300)).toEqual({
      fraction: 0.4,
      steps: '12 k / 30 k env steps',
      eta: 'about 1 min left at 300 steps/s',
    });
    expect(runProgress({ ...run, activity: null }, 300).eta).toBeNull();
    expect(runProgress(run, undefined).eta).toBeNull();
    expect(runProgress({ ...run, envSteps: 31_000 }, 300).fraction).toBe(1);
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(3 * 3600 + 20 * 60)).toBe('3 h 20 min');
    expect(formatDuration(2 * 86400 + 4 * 3600)).toBe('2 d 4 h');
  });

  it('lists every config value with its source, flags other algorithms’ sections, filters', () => {
    const config = {
      algo: 'diayn',
      seed: 3,
      task: null,
      sac: { lr: 0.001, hidden: [256, 256] },
      diayn: { skills: 8 },
      dads: { skillDim: 2 },
    };
    const sources = {
      'sac.lr': 'preset point-mass: DIAYN paper, Table 1',
      'diayn.skills': 'user override',
      seed: 'command line',
      'sac.hidden': 'default: DIAYN paper App. C',
      'her.gone': 'preset old: a key the config no longer has',
    };
    const rows = configRows(config, sources, 'diayn');
    expect(rows.map((r) => [r.key, r.value, r.kind, r.used])).toEqual([
      ['algo', 'diayn', 'none', true],
      ['seed', '3', 'user', true],
      ['task', 'null', 'none', true],
      ['sac.lr', '0.001', 'preset', true],
      ['sac.hidden', '[256,256]', 'default', true],
      ['diayn.skills', '8', 'user', true],
      ['dads.skillDim', '2', 'none', false],
      ['her.gone', '—', 'preset', true],
    ]);
    expect(filterConfigRows(rows, 'PAPER', false).map((r) => r.key)).toEqual(['sac.lr', 'sac.hidden']);
    expect(filterConfigRows(rows, 'sac table', false).map((r) => r.key)).toEqual(['sac.lr']);
    expect(filterConfigRows(rows, 'skill', true).map((r) => r.key)).toEqual(['diayn.skills']);
    expect(filterConfigRows(rows, 'skill', false).map((r) => r.key)).toEqual([
      'diayn.skills',
      'dads.skillDim',
    ]);
    expect(sourceKind('command line (--set)')).toBe('user');
  });

  it('gives a skill run’s figures as skill-lab eval prints them', () => {
    const summary = {
      run: 'r',
      algo: 'diayn',
      env: 'point-mass',
      env_steps: 3000,
      state_function: 'xy',
      rollouts_per_skill: 3,
      episode_steps: 100,
      coverage_cells: 41,
      coverage_cell_m: 0.1,
      mean_normalized_variance: 0.2345,
      discriminator_accuracy: 0.875,
      log_q: -0.4,
      skills: [
        {
          id: 0,
          z: [1, 0],
          final_mean: [0.5, -0.2],
          final_std: [0.01, 0.02],
          distance_travelled: 0.6,
          normalized_variance: 0.2,
          discriminator_accuracy: 0.9,
        },
        {
          id: 1,
          z: [0, 1],
          final_mean: [-0.5, 0.2],
          final_std: [0.01, 0.02],
          distance_travelled: 0.5,
          normalized_variance: null,
          discriminator_accuracy: 0.85,
        },
      ],
    } as EvalSummary;
    expect(evaluationFigures(summary).map((f) => `${f.label}: ${f.value}`)).toEqual([
      'skills × rollouts: 2 × 3',
      'f(s): xy',
      'x-y coverage: 41 cells',
      'normalized skill variance: 0.234',
      'discriminator accuracy: 0.875',
      'mean log q(z|s): -0.400',
    ]);
    expect(skillMetricKeys(summary)).toEqual(['discriminator_accuracy']);
  });

  it('gives a goal run’s success rate and return, and the success per task of a multi-task run', () => {
    const goal = {
      run: 'g',
      algo: 'multitask-sac',
      env: 'point-mass',
      env_steps: 2000,
      state_function: 'achieved goal',
      rollouts_per_skill: 20,
      episode_steps: 50,
      coverage_cells: 0,
      coverage_cell_m: 0,
      mean_normalized_variance: null,
      success_rate: 0.75,
      episode_return: -12.5,
      episodes: 20,
      task: '4 goals on a 0.3 m circle',
      task_success: [1, 0.5, 0.75, 0.75],
      skills: [],
    } as EvalSummary;
    expect(evaluationFigures(goal).map((f) => `${f.label}: ${f.value}`)).toEqual([
      'success rate: 0.750',
      'mean return: -12.50',
      'episodes: 20',
      'task: 4 goals on a 0.3 m circle',
      'success per task: 1.00, 0.50, 0.75, 0.75',
    ]);
    // With the tasks' names (every goal evaluation since they were reported), each value is named.
    const named = { ...goal, task_names: ['push +x', 'push −x', 'push +y', 'lift'] } as EvalSummary;
    expect(evaluationFigures(named).at(-1)!.value).toBe(
      'push +x 1.00, push −x 0.50, push +y 0.75, lift 0.75',
    );
    // A skill controller's goal in x-y: how far the episodes ended from it, next to the success rate.
    const controller = {
      ...goal,
      task: undefined,
      task_success: undefined,
      mean_final_distance: 0.0873,
      success_radius: 0.1,
    };
    const figures = evaluationFigures(controller);
    expect(figures.map((f) => `${f.label}: ${f.value}`).slice(0, 2)).toEqual([
      'success rate: 0.750',
      'mean final distance: 0.087 m',
    ]);
    expect(figures[1].hint).toBe('success: < 0.1 m');
  });

  it('fits as many readable curve panels a row as the page is wide', () => {
    expect(curveColumns(1400, 4)).toBe(4);
    expect(curveColumns(1400, 5)).toBe(3); // rows of 3 and 2, not 4 and 1
    expect(curveColumns(1400, 3)).toBe(3);
    expect(curveColumns(800, 4)).toBe(2);
    expect(curveColumns(200, 4)).toBe(1);
    expect(curveColumns(1400, 0)).toBe(1);
  });
});
