/**
 * Questions to the algorithm catalog (algos/catalog.ts) by name: the names, an algorithm's entry, the
 * algorithms with a capability, the run config's sections. Renderer-safe like the catalog.
 */
import { ALGO_CATALOG } from './catalog.ts';
import { configSections, defaultSources, type AlgoInfo } from './algo_info.ts';
import type { ConfigSection } from './config_section.ts';

export type AlgoName = (typeof ALGO_CATALOG)[number]['name'];

/** The algorithms' names, in catalog order. */
export const ALGOS = ALGO_CATALOG.map((a) => a.name) as unknown as readonly [AlgoName, ...AlgoName[]];

/** The catalog entry of `name`, or undefined for a name the catalog does not know. */
export function findAlgo(name: string): AlgoInfo | undefined {
  return (ALGO_CATALOG as readonly AlgoInfo[]).find((a) => a.name === name);
}

/**
 * The catalog entry of `name`.
 * @throws Error for a name the catalog does not know, listing the known ones.
 */
export function algoInfo(name: string): AlgoInfo {
  const info = findAlgo(name);
  if (!info) throw new Error(`unknown algorithm "${name}"; allowed: ${ALGOS.join(', ')}`);
  return info;
}

/** The algorithms for which `has` holds, by name, in catalog order. */
export function algosWhere(has: (info: AlgoInfo) => boolean): string[] {
  return (ALGO_CATALOG as readonly AlgoInfo[]).filter(has).map((a) => a.name);
}

/** Every algorithm's entry, in catalog order. */
export function allAlgos(): readonly AlgoInfo[] {
  return ALGO_CATALOG;
}

/** The config sections of the catalog's algorithms, in the run config's order (see algo_info.ts). */
export function catalogSections(): Array<[string, ConfigSection]> {
  return configSections(ALGO_CATALOG);
}

/** Sources of the built-in defaults of the catalog's config sections, by dotted key (`sac.lr`). */
export function catalogDefaultSources(): Record<string, string> {
  return defaultSources(ALGO_CATALOG);
}

/**
 * The `--set` assignments (`section.key=value`) whose section `algo` does not read: they are valid
 * run config keys (every run config carries every section) but change nothing for this algorithm.
 * @returns the dotted keys, in the order given
 */
export function unreadSettings(algo: string, assignments: readonly string[]): string[] {
  const read = Object.keys(algoInfo(algo).sections);
  const sections = new Set(catalogSections().map(([name]) => name));
  return assignments
    .map((a) => a.slice(0, a.indexOf('=')).trim())
    .filter(
      (key) => key.includes('.') && sections.has(key.split('.')[0]) && !read.includes(key.split('.')[0]),
    );
}
