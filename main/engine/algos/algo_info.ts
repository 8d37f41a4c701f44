/**
 * What the algorithm catalog (algos/catalog.ts) says about each algorithm, and the pure helpers that
 * read a catalog: the run config's sections in order, the sources of their defaults. Renderer-safe:
 * types, data and pure functions only.
 */
import type { EnvName } from '../env_names.ts';
import type { ConfigCheck, ConfigSection } from './config_section.ts';

/**
 * What a policy is conditioned on besides the observation: a categorical skill (one-hot z), a
 * continuous skill z ∈ [-1, 1]^d, a goal, a task index, or nothing.
 */
export const CONDITIONINGS = ['discrete-skill', 'continuous-skill', 'goal', 'task', 'none'] as const;
export type Conditioning = (typeof CONDITIONINGS)[number];

/**
 * How `skill-lab eval` judges a run: `skills` rolls out each evaluation skill (eval/rollouts.jsonl,
 * the 3D skill replay, coverage and skill figures); `goals` measures the deterministic policy's
 * success rate and return on its own tasks.
 */
export type EvaluationKind = 'skills' | 'goals';

/** A run-level figure of a skill evaluation report: its key in the report, label and what it means. */
export interface EvalFigure {
  key: string;
  label: string;
  hint: string;
}

/**
 * Relabeling a run can switch while it trains (engine/runs/relabel_control.ts): hindsight goals with
 * k (relabeled share 1 − 1/(k+1)) or tasks with the relabeled share `ratio`. `amount` names the field
 * of the request and of the metric column `relabel_<amount>`.
 */
export interface RelabelingInfo {
  kind: 'hindsight' | 'task';
  amount: 'k' | 'ratio';
  /** Strategies a run may switch to (the metric `relabel_strategy` indexes this list). */
  strategies: readonly string[];
  /** For help texts: what the strategy chooses, e.g. "hindsight strategy". */
  strategyText: string;
  /** For help texts: what the amount is, e.g. "the relabeled share". */
  amountText: string;
}

/** One algorithm of the catalog (see the file comment). */
export interface AlgoInfo<
  N extends string = string,
  S extends Readonly<Record<string, ConfigSection>> = Readonly<Record<string, ConfigSection>>,
> {
  /** The `algo` of run configs, `--algo` of the CLI. */
  name: N;
  /** One line for help texts and pickers. */
  description: string;
  conditioning: Conditioning;
  /**
   * The config sections it reads, in the order they are shown; a section several algorithms read is
   * the same object in each. The run config carries every algorithm's sections (config.ts).
   */
  sections: S;
  /** The envs it trains on. */
  envs: readonly EnvName[];
  /** Its rule across config keys (envs, a task it needs), run after every field validated. */
  checkConfig: ConfigCheck;
  /** What `--skills N` sets (a dotted config key) and means; null: the algorithm has no skills. */
  skillsOption: { key: string; meaning: string } | null;
  /**
   * What `--skills-from RUN` sets (a dotted config key naming another run) and means, for algorithms
   * that train over the frozen skills of a skill-discovery run (runs/skill_pin.ts checks and pins
   * that run); null for algorithms that learn from scratch.
   */
  skillsFromOption: {
    key: string;
    meaning: string;
    /** The algorithms whose runs it accepts (their frozen parts: runs/policy_source.ts). */
    algos: readonly string[];
  } | null;
  /**
   * Its runs can be steered through a latent z of size `dimKey` (a dotted config key): their
   * checkpoints hold a policy π(a | s, z) over normalized observations, the observation normalizer's
   * statistics and task embeddings p(z | t) (the skill embedding); null otherwise.
   */
  latentSkills: { dimKey: string } | null;
  /**
   * What `--teachers RUN,RUN,…` sets (a dotted config key holding run ids) and means, for algorithms
   * that learn from other runs' frozen policies (policy distillation; runs/teacher_pin.ts checks and
   * pins them): the algorithms whose runs it accepts. Null for the others.
   */
  teachersOption: {
    key: string;
    meaning: string;
    algos: readonly string[];
  } | null;
  /**
   * A dotted config key naming one run whose networks a new run starts from (fine-tuning;
   * runs/fine_tune_source.ts), and the algorithms whose runs it accepts; absent for the others.
   */
  fineTuneOption?: { key: string; algos: readonly string[] };
  evaluation: EvaluationKind;
  /** A `skills` evaluation also reports the env's own success rate (plain SAC pursues the env's task). */
  evaluatesEnvSuccess: boolean;
  /** The run-level figures its skill evaluation reports, in the order they are printed. */
  evalFigures: readonly EvalFigure[];
  /**
   * Its `goals` evaluation traces every episode in the skills it picked (eval/summary.json's
   * `traces`, planning/execute.ts's EpisodeTrace, with `goal`, `success_radius`, `mean_final_distance`
   * and the `skills_from` run): the run's page draws them as the Skills view draws a plan.
   */
  evalSkillTraces: boolean;
  relabeling: RelabelingInfo | null;
  /** Keeps the goal task it trains on as task.json in its run directory (getRunTask, the task's 3D view). */
  keepsTaskSpec: boolean;
  /** Stores its episodes in its run directory for the replay browser. */
  hasEpisodes: boolean;
  /** Sends live preview rollouts of its skills while it trains. */
  previewsSkills: boolean;
  /**
   * Learned models of its skills that other runs and tools load frozen from its checkpoint
   * (runs/policy_source.ts) beside its skill policy: a skill-dynamics model q(Δf | s, z) to plan
   * with (DADS), a discriminator q(z | f(s)) (DIAYN). Both false for algorithms without skills.
   */
  skillModels: { skillDynamics: boolean; discriminator: boolean };
  /** The one metric of the runs table and the run page's header, with its short label. */
  keyMetric: { key: string; label: string };
  /**
   * The columns of its last metric row a run summary carries (runs table, progress line, the
   * relabeling toggle's current setting).
   */
  summaryMetrics: readonly string[];
  /** The metrics of its line in the CLI's progress bars, with short labels. */
  progressMetrics: ReadonlyArray<{ key: string; short: string }>;
  /**
   * Its learning-curve panels, in order: comparison figures, compare view, run page; `unit` is the
   * y axis's title in paper figures (what the values measure, in which unit).
   */
  curves: ReadonlyArray<{ key: string; title: string; unit: string }>;
  /** The dotted config keys the start-run form offers besides seed and steps (most changed first). */
  formFields: readonly string[];
  /** Keys of `formFields` an env does not read (the form leaves them out there). */
  formFieldsUnread?: Readonly<Record<string, readonly string[]>>;
}

/** Keeps the literal name and section types of an entry (the run config's type is built from them). */
export function defineAlgo<const N extends string, const S extends Readonly<Record<string, ConfigSection>>>(
  info: AlgoInfo<N, S>,
): AlgoInfo<N, S> {
  return info;
}

/** "a", "a and b", "a, b and c": names for a message. */
export function joinNames(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** True for algorithms that discover skills (their policy is conditioned on a skill z). */
export function isSkillDiscovery(info: Pick<AlgoInfo, 'conditioning'>): boolean {
  return info.conditioning === 'discrete-skill' || info.conditioning === 'continuous-skill';
}

/**
 * The config sections of all algorithms, in the run config's order: each algorithm's sections in its
 * own order, a section first declared by a later algorithm placed right before the next section of
 * that algorithm already placed (else at the end). So `sac: [sac, eval]`, `diayn: [sac, diayn, eval]`,
 * `dads: [sac, dads, eval]` give sac, diayn, dads, eval.
 * @throws Error when two algorithms declare a section of the same name with different objects.
 */
export function configSections(
  catalog: ReadonlyArray<Pick<AlgoInfo, 'name' | 'sections'>>,
): Array<[string, ConfigSection]> {
  const order: string[] = [];
  const byName = new Map<string, { section: ConfigSection; owner: string }>();
  for (const algo of catalog) {
    const names = Object.keys(algo.sections);
    names.forEach((name, i) => {
      const section = algo.sections[name];
      const known = byName.get(name);
      if (known) {
        if (known.section !== section)
          throw new Error(
            `algorithms ${known.owner} and ${algo.name} declare different config sections named "${name}"`,
          );
        return;
      }
      byName.set(name, { section, owner: algo.name });
      const next = names.slice(i + 1).find((n) => order.includes(n));
      order.splice(next === undefined ? order.length : order.indexOf(next), 0, name);
    });
  }
  return order.map((name) => [name, byName.get(name)!.section]);
}

/**
 * Sources of the built-in defaults of the config sections, by dotted key (`sac.lr`), section by
 * section in the run config's order.
 */
export function defaultSources(
  catalog: ReadonlyArray<Pick<AlgoInfo, 'name' | 'sections'>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, section] of configSections(catalog))
    for (const [field, source] of Object.entries(section.sources)) out[`${name}.${field}`] = source;
  return out;
}
