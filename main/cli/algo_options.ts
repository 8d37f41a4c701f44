/**
 * The command line's options and help texts that depend on the algorithms: all from the algorithm
 * catalog (engine/algos/catalog.ts), so a new algorithm shows up in `--algo`'s choices and the help
 * without editing the CLI.
 */
import { Option } from 'commander';
import { joinNames } from '../engine/algos/algo_info.ts';
import { ALGOS, algoInfo, algosWhere, allAlgos } from '../engine/algos/lookup.ts';

/** `--algo <algo>`: mandatory, one of the catalog's algorithms. */
export function algoOption(): Option {
  return new Option('--algo <algo>', 'algorithm').choices(ALGOS).makeOptionMandatory();
}

/** Help of `--skills`: what it sets per algorithm with skills, e.g. "DIAYN: number of skills; DADS: skill dimension". */
export function skillsHelp(): string {
  return algosWhere((a) => a.skillsOption !== null)
    .map((a) => `${a.toUpperCase()}: ${algoInfo(a).skillsOption!.meaning}`)
    .join('; ');
}

/** Help of `--skills-from`: what it names per algorithm that composes another run's skills. */
export function skillsFromHelp(): string {
  return algosWhere((a) => a.skillsFromOption !== null)
    .map((a) => `${a}: ${algoInfo(a).skillsFromOption!.meaning} (run id or path)`)
    .join('; ');
}

/** Help of `--task`, naming the algorithms that train on a goal task. */
export function taskHelp(): string {
  return `${algosWhere((a) => a.keepsTaskSpec).join(', ')}: goal task — a built-in (reach, push, …, l-wall-push), a workspace task or a .json file; sets --env`;
}

/** Description of `skill-lab relabel`: per algorithm that relabels, its strategies and amount. */
export function relabelDescription(): string {
  const what = allAlgos()
    .filter((a) => a.relabeling)
    .map((a) => {
      const r = a.relabeling!;
      return `${a.name}: ${r.strategyText} (${r.strategies.join(', ')}) and ${r.amountText}`;
    })
    .join('; ');
  return `switch a run's relabeling from its next iteration — ${what}; recorded on its learning curves`;
}

/** Every strategy some algorithm can relabel with (`--strategy`'s choices). */
export function relabelStrategyChoices(): string[] {
  return [...new Set(allAlgos().flatMap((a) => a.relabeling?.strategies ?? []))];
}

/** The algorithms whose relabeling amount is `amount` (k or ratio), for the help of `--k` / `--ratio`. */
export function relabelAmountAlgos(amount: 'k' | 'ratio'): string {
  return joinNames(algosWhere((a) => a.relabeling?.amount === amount));
}

/** Help of `--teachers`: what it names per algorithm that learns from teacher runs. */
export function teachersHelp(): string {
  return algosWhere((a) => a.teachersOption !== null)
    .map((a) => `${a}: ${algoInfo(a).teachersOption!.meaning} (run ids, comma-separated)`)
    .join('; ');
}
