/**
 * The building blocks an algorithm declares its options with (algos/catalog.ts composes them into
 * the run config of config.ts): a config section — a zod schema whose every field has a default, and
 * where those defaults come from — and a check across sections. zod only, so the run config stays
 * renderer-safe (main/api/contract/contract.ts bundles it).
 */
import type { z } from 'zod';

/** A config section an algorithm reads, e.g. `sac` or `diayn`: `config.<name>.<field>`. */
export interface ConfigSection<S extends z.ZodObject<any, any> = z.ZodObject<any, any>> {
  /** Strict object schema; every field has a default, so `schema.parse({})` is the section's defaults. */
  schema: S;
  /**
   * Where default values come from (paper, reference code), by field name, in the order they are
   * recorded in a run's `sources` (as `<section>.<field>`). Fields without one are left out.
   */
  sources: Readonly<Record<string, string>>;
}

/** A section from its schema and the sources of its defaults (by field name). */
export function configSection<S extends z.ZodObject<any, any>>(
  schema: S,
  sources?: Readonly<Partial<Record<keyof z.infer<S> & string, string>>>,
): ConfigSection<S> {
  return { schema, sources: (sources ?? {}) as Readonly<Record<string, string>> };
}

/** What a cross-section check sees of a run config: its top-level choices (sections are there too). */
export interface ConfigView {
  readonly algo: string;
  readonly env: string;
  readonly task: string | null;
  readonly [key: string]: unknown;
}

/** A problem a cross-section check found: the top-level key it concerns and what is wrong. */
export interface ConfigCheckIssue {
  path: string;
  message: string;
}

/** What a cross-section check may ask about the other algorithms. */
export interface ConfigCheckContext {
  /** The algorithms (by name, in catalog order) that train on `env`. */
  algosOn(env: string): string[];
}

/**
 * A rule across a run config's keys for one algorithm (e.g. the envs it trains on, a task it needs),
 * run after every field validated; an empty list when the config is fine.
 */
export type ConfigCheck = (config: ConfigView, ctx: ConfigCheckContext) => ConfigCheckIssue[];
