/**
 * The MPPI planner's settings (mppi.ts has the algorithm and the symbols): their schema, the paper's
 * dense and sparse presets with the source of every value, and how a preset and overrides resolve.
 * Renderer-safe (zod only, no tfjs): the API contract validates planner settings with it and the
 * workbench shows the presets.
 */
import { z } from 'zod';

/** MPPI settings (mppi.ts's file comment has the symbols). */
export interface MppiSettings {
  /** H_P: skills per plan. */
  horizon: number;
  /** H_Z: env steps each skill is held. */
  hold: number;
  /** K: candidate sequences per refine step. */
  candidates: number;
  /** R: refine steps per replan. */
  refineSteps: number;
  /** γ: the MPPI weighting's inverse temperature, per unit of summed reward. */
  gamma: number;
  /** σ²: variance of each coordinate of the proposal N(μ, σ²·I). */
  variance: number;
  /** β ∈ [0, 1): smoothing of each candidate along the plan. */
  smoothing: number;
  /** A fresh plan slot's mean: a N(0, I) draw (reference code) or 0. */
  init: 'normal' | 'zero';
}

const positiveInt = (max: number) => z.number().int().min(1).max(max);

/** Validates {@link MppiSettings}; bounds keep one replan's work finite. */
export const mppiSettingsSchema = z
  .object({
    horizon: positiveInt(64),
    hold: positiveInt(10_000),
    candidates: positiveInt(100_000),
    refineSteps: positiveInt(1000),
    gamma: z.number().positive().max(1e6),
    variance: z.number().positive().max(1e3),
    smoothing: z.number().min(0).lt(1),
    init: z.enum(['normal', 'zero']),
  })
  .strict();

/** Names of the planner presets. */
export const MPPI_PRESETS = ['dense', 'sparse'] as const;
export type MppiPresetName = (typeof MPPI_PRESETS)[number];

const SOURCES_COMMON = {
  variance: 'DADS reference code eval_mppi (prior_cov = 1.5·I)',
  init: 'DADS reference code eval_mppi (prior_mean ~ N(0, I))',
};

/**
 * The paper's two settings (App. A.5; reference/skill_discovery.md §1.5), each value with its
 * source. Dense reward: H_P = 1, H_Z = 10, K = 50, R = 10, γ = 10. Sparse reward: H_P = 4, H_Z = 25,
 * K = 200, β = 0.9; its R and γ are the reference code's flag defaults.
 */
export const MPPI_PRESET_VALUES: Readonly<
  Record<MppiPresetName, { settings: MppiSettings; sources: Record<keyof MppiSettings, string> }>
> = Object.freeze({
  dense: {
    settings: {
      horizon: 1,
      hold: 10,
      candidates: 50,
      refineSteps: 10,
      gamma: 10,
      variance: 1.5,
      smoothing: 0.9,
      init: 'normal',
    },
    sources: {
      horizon: 'DADS paper App. A.5, dense reward (H_P = 1)',
      hold: 'DADS paper App. A.5, dense reward (H_Z = 10)',
      candidates: 'DADS paper App. A.5, dense reward (50 candidate plans)',
      refineSteps: 'DADS paper App. A.5, dense reward (R = 10)',
      gamma: 'DADS paper App. A.5, dense reward (γ = 10)',
      smoothing: 'DADS reference code flag smoothing_beta (no effect with H_P = 1)',
      ...SOURCES_COMMON,
    },
  },
  sparse: {
    settings: {
      horizon: 4,
      hold: 25,
      candidates: 200,
      refineSteps: 10,
      gamma: 10,
      variance: 1.5,
      smoothing: 0.9,
      init: 'normal',
    },
    sources: {
      horizon: 'DADS paper App. A.5, sparse reward (H_P = 4)',
      hold: 'DADS paper App. A.5, sparse reward (H_Z = 25)',
      candidates: 'DADS paper App. A.5, sparse reward (200 candidates)',
      refineSteps: 'DADS reference code flag refine_steps (the paper states R for the dense setting)',
      gamma: 'DADS reference code flag mppi_gamma (the paper states γ for the dense setting)',
      smoothing: 'DADS paper App. A.5, sparse reward (β = 0.9)',
      ...SOURCES_COMMON,
    },
  },
});

/** Settings resolved from a preset and overrides, with the source of every value. */
export interface ResolvedMppiSettings {
  preset: MppiPresetName;
  settings: MppiSettings;
  sources: Record<keyof MppiSettings, string>;
}

/**
 * The settings of a preset with some values overridden; an overridden value's source says so.
 * @param overrides any subset of {@link MppiSettings}
 * @throws Error listing the presets for an unknown preset; Error naming the field, what it got and
 *   what is allowed for a bad or unknown override.
 */
export function resolveMppiSettings(
  preset: string,
  overrides: Readonly<Record<string, unknown>> = {},
): ResolvedMppiSettings {
  if (!(MPPI_PRESETS as readonly string[]).includes(preset))
    throw new Error(`Unknown planner preset "${preset}"; allowed: ${MPPI_PRESETS.join(', ')}`);
  const base = MPPI_PRESET_VALUES[preset as MppiPresetName];
  const merged = { ...base.settings, ...overrides };
  const parsed = mppiSettingsSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      if (issue.code === 'unrecognized_keys')
        return `planner: unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; allowed: ${Object.keys(base.settings).join(', ')}`;
      const key = issue.path.length ? String(issue.path[0]) : '(settings)';
      const got = key in merged ? JSON.stringify((merged as Record<string, unknown>)[key]) : 'nothing';
      return `planner.${key}: ${issue.message} (got ${got})`;
    });
    throw new Error(`Invalid planner settings:\n  ${lines.join('\n  ')}`);
  }
  const sources = { ...base.sources };
  for (const key of Object.keys(overrides) as (keyof MppiSettings)[]) sources[key] = 'override';
  return { preset: preset as MppiPresetName, settings: parsed.data, sources };
}
