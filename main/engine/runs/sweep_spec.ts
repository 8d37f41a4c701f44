/**
 * A sweep spec: what to sweep (a grid and/or a random search over config keys) × seeds, for one
 * algorithm, and where to run it (this machine or a Slurm cluster). JSON or YAML on disk
 * (`skill-lab sweep SPEC`), the same object from the workbench's sweep form.
 *
 *     name: lr-vs-skills            # optional; the sweep id starts with it
 *     algo: diayn
 *     preset: point-mass            # or env: …  (task:, skillsFrom: as for `train`)
 *     steps: 20000                  # total env steps of every run
 *     set: { sac.gamma: 0.99 }      # fixed overrides, the dotted keys of --set
 *     grid: { sac.lr: [0.0003, 0.001], diayn.skills: [4, 8] }
 *     random: { samples: 4, seed: 0, params: { sac.tau: { loguniform: [0.001, 0.05] } } }
 *     seeds: 2                      # 0, 1 — or a list: [0, 1, 7]
 *     executor: { kind: slurm, slurm: { partition: gpu, time: "4:00:00", cpus: 1, mem: 4G } }
 *
 * Points: every grid combination × every random sample (one draw of all random params each), × every
 * seed, in that order (seed fastest): point i is array task i on Slurm. Grid search and random search
 * over hyperparameters as in Bergstra & Bengio (2012, JMLR 13) — random draws are seeded, so a spec
 * always expands to the same points.
 *
 * Browser-safe (zod and the engine's seeded Rng only): the contract and the workbench use it as is.
 * Whether a point's values are valid for the algorithm is checked on the Node side
 * (runs/sweeps.ts), naming the point.
 */
import { z } from 'zod';
import { Rng } from '../rng.ts';

/** A config value a sweep may set: what `--set key=value` parses to. */
export const sweepValueSchema = z.union([
  z.number(),
  z.string(),
  z.boolean(),
  z.null(),
  z.array(z.union([z.number(), z.string(), z.boolean()])),
]);
export type SweepValue = z.infer<typeof sweepValueSchema>;

const pair = z
  .tuple([z.number(), z.number()])
  .refine(([a, b]) => a <= b, 'expected [low, high] with low ≤ high');

/** One random-search distribution (Bergstra & Bengio 2012): uniform, log-uniform, integers, a choice. */
export const sweepDistributionSchema = z.union([
  z.object({ uniform: pair }).strict(),
  z.object({ loguniform: pair.refine(([a]) => a > 0, 'log-uniform bounds must be > 0') }).strict(),
  z
    .object({
      randint: pair.refine(([a, b]) => Number.isInteger(a) && Number.isInteger(b), 'expected integers'),
    })
    .strict(),
  z.object({ choice: z.array(sweepValueSchema).min(1) }).strict(),
]);
export type SweepDistribution = z.infer<typeof sweepDistributionSchema>;

export const SWEEP_EXECUTORS = ['local', 'slurm'] as const;
export type SweepExecutorKind = (typeof SWEEP_EXECUTORS)[number];

/** Slurm's time limit formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
const SLURM_TIME = /^(\d+-)?\d+(:\d{1,2}){0,2}$/;

/** sbatch options of a Slurm sweep: one array task per run (sbatch(1)). */
export const slurmOptionsSchema = z
  .object({
    /** `--partition`; default: the cluster's default partition. */
    partition: z
      .string()
      .regex(/^[A-Za-z0-9_.,-]+$/, 'a partition name (letters, digits, _ . , -)')
      .optional(),
    /** `--time`, the wall-clock limit of each run, e.g. "4:00:00" or "1-00:00:00". */
    time: z.string().regex(SLURM_TIME, 'a Slurm time such as 90, 4:00:00 or 1-12:00:00').optional(),
    /** `--cpus-per-task`. */
    cpus: z.number().int().min(1).max(1024).default(1),
    /** `--mem` per run, e.g. "4G", "800M". */
    mem: z
      .string()
      .regex(/^\d+[KMGT]?$/, 'a memory size such as 4G or 800M')
      .optional(),
    /** The array's `%N` throttle: at most N runs at once; default no limit. */
    maxConcurrent: z.number().int().min(1).optional(),
    /** More sbatch options, each one argument, e.g. "--account=lab", "--qos=low". */
    options: z.array(z.string().regex(/^--?[A-Za-z]/, 'an sbatch option starting with - or --')).default([]),
  })
  .strict();
export type SlurmOptions = z.infer<typeof slurmOptionsSchema>;

/** Where a sweep runs. */
export const sweepExecutorSchema = z
  .object({
    kind: z.enum(SWEEP_EXECUTORS).default('local'),
    /** local: runs at a time (default: one per core). */
    parallel: z.number().int().min(1).max(256).optional(),
    slurm: slurmOptionsSchema.optional(),
  })
  .strict();
export type SweepExecutor = z.infer<typeof sweepExecutorSchema>;

/**
 * Where a point stands, from its run.json, its trainer and Slurm:
 * not started · pending (Slurm queue) · running · completed · stopped (checkpointed, resumable) ·
 * killed (its process is gone; resumable from its last checkpoint) · cancelled · failed.
 */
export const POINT_STATES = [
  'not started',
  'pending',
  'running',
  'completed',
  'stopped',
  'killed',
  'cancelled',
  'failed',
] as const;
export type PointState = (typeof POINT_STATES)[number];

/** The most points one sweep may expand to. */
export const MAX_SWEEP_POINTS = 1000;

const keySchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)?$/, 'a dotted config key such as sac.lr');

export const sweepSpecSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/, 'letters, digits, _ and -, at most 40')
      .optional(),
    algo: z.string().min(1),
    preset: z.string().min(1).optional(),
    env: z.string().min(1).optional(),
    task: z.string().min(1).optional(),
    skillsFrom: z.string().min(1).optional(),
    /** Total env steps of every run (default: the preset's). */
    steps: z.number().int().min(1).optional(),
    set: z.record(keySchema, sweepValueSchema).default({}),
    grid: z.record(keySchema, z.array(sweepValueSchema).min(1, 'at least one value')).default({}),
    random: z
      .object({
        samples: z.number().int().min(1).max(MAX_SWEEP_POINTS),
        seed: z.number().int().min(0).default(0),
        params: z.record(keySchema, sweepDistributionSchema),
      })
      .strict()
      .optional(),
    /** A count (seeds 0 … n−1) or the seeds themselves. */
    seeds: z
      .union([z.number().int().min(1).max(100), z.array(z.number().int().min(0)).min(1).max(100)])
      .default(1),
    /** Evaluate each run after training (as `train` does); default off: sweeps compare metrics. */
    eval: z.boolean().default(false),
    executor: sweepExecutorSchema.default({ kind: 'local' }),
  })
  .strict();
export type SweepSpec = z.output<typeof sweepSpecSchema>;
export type SweepSpecInput = z.input<typeof sweepSpecSchema>;

/** One run of a sweep: its swept values (dotted key → value) and seed. */
export interface SweepPoint {
  /** Position in the sweep; the Slurm array task id. */
  index: number;
  values: Record<string, SweepValue>;
  seed: number;
}

/** A sweep spec that cannot be expanded; the message names the field. */
export class SweepSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepSpecError';
  }
}

/** The seeds of a spec. */
export function sweepSeeds(spec: Pick<SweepSpec, 'seeds'>): number[] {
  return typeof spec.seeds === 'number' ? Array.from({ length: spec.seeds }, (_, i) => i) : [...spec.seeds];
}

/** The swept keys: grid keys, then random-search keys. */
export function sweptKeys(spec: Pick<SweepSpec, 'grid' | 'random'>): string[] {
  return [...Object.keys(spec.grid), ...Object.keys(spec.random?.params ?? {})];
}

/**
 * Expands a parsed spec into its points (see the file comment for the order).
 * @throws SweepSpecError when a key is both fixed and swept, `seed` is swept (use `seeds`), a seed
 *   repeats, or there are more than {@link MAX_SWEEP_POINTS} points.
 */
export function expandSweep(spec: SweepSpec): SweepPoint[] {
  const gridKeys = Object.keys(spec.grid);
  const randomKeys = Object.keys(spec.random?.params ?? {});
  for (const key of [...gridKeys, ...randomKeys, ...Object.keys(spec.set)]) {
    if (key === 'seed')
      throw new SweepSpecError('seed: give seeds with "seeds" (a count or a list), not as a swept key');
    if (key === 'algo' || key === 'env' || key === 'preset')
      throw new SweepSpecError(`${key}: one sweep is one ${key}; give it at the top of the spec`);
  }
  for (const key of randomKeys)
    if (gridKeys.includes(key))
      throw new SweepSpecError(`${key}: swept both in grid and in random; choose one`);
  for (const key of [...gridKeys, ...randomKeys])
    if (key in spec.set) throw new SweepSpecError(`${key}: both fixed in set and swept; choose one`);
  const seeds = sweepSeeds(spec);
  const dup = seeds.find((s, i) => seeds.indexOf(s) !== i);
  if (dup !== undefined) throw new SweepSpecError(`seeds: seed ${dup} appears twice`);

  let configs: Array<Record<string, SweepValue>> = [{}];
  for (const key of gridKeys)
    configs = configs.flatMap((c) => spec.grid[key].map((v) => ({ ...c, [key]: v })));
  if (spec.random) {
    const rng = new Rng(spec.random.seed);
    const samples = Array.from({ length: spec.random.samples }, () => {
      const s: Record<string, SweepValue> = {};
      for (const key of randomKeys) s[key] = draw(rng, spec.random!.params[key]);
      return s;
    });
    configs = configs.flatMap((c) => samples.map((s) => ({ ...c, ...s })));
  }
  const total = configs.length * seeds.length;
  if (total > MAX_SWEEP_POINTS)
    throw new SweepSpecError(
      `the sweep expands to ${total} runs (${configs.length} configurations × ${seeds.length} seeds); at most ${MAX_SWEEP_POINTS}`,
    );
  const points: SweepPoint[] = [];
  for (const values of configs) for (const seed of seeds) points.push({ index: points.length, values, seed });
  return points;
}

function draw(rng: Rng, d: SweepDistribution): SweepValue {
  const u = rng.nextUint32() / 2 ** 32;
  if ('uniform' in d) return roundSig(d.uniform[0] + u * (d.uniform[1] - d.uniform[0]));
  if ('loguniform' in d) {
    const [a, b] = d.loguniform.map(Math.log);
    return roundSig(Math.exp(a + u * (b - a)));
  }
  if ('randint' in d) return d.randint[0] + Math.floor(u * (d.randint[1] - d.randint[0] + 1));
  return d.choice[Math.floor(u * d.choice.length)];
}

/** Six significant digits: drawn values read well in run configs and plots and survive JSON exactly. */
function roundSig(x: number): number {
  return Number(x.toPrecision(6));
}

/** `sac.lr=0.001, diayn.skills=4` — a point's values for labels and errors. */
export function formatPointValues(values: Record<string, SweepValue>): string {
  const parts = Object.entries(values).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return parts.length ? parts.join(', ') : '(no swept values)';
}

/**
 * Parses a spec object, naming every invalid field.
 * @throws SweepSpecError with one `field: problem` line per issue, prefixed by `context` (a file name).
 */
export function parseSweepSpec(raw: unknown, context = 'sweep spec'): SweepSpec {
  const result = sweepSpecSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      // zod says only "Invalid key in record" for a key of set/grid/random that is no dotted key.
      const message = issue.code === 'invalid_key' ? 'not a dotted config key such as sac.lr' : issue.message;
      return `  ${path || '(top level)'}: ${message}`;
    });
    throw new SweepSpecError(`${context} is not a valid sweep spec:\n${lines.join('\n')}`);
  }
  return result.data;
}
