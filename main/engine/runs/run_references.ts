/**
 * The other runs a run config names, checked before the run is created (cheap: run.json files): the
 * skill run a controller composes (skill_pin.ts), the teachers a distillation learns from
 * (teacher_pin.ts), the run a multi-task SAC run is fine-tuned from (fine_tune_source.ts). One call
 * for the CLI, the service and sweeps.
 */
import type { RunConfig } from '../config.ts';
import { checkInitFrom } from './fine_tune_source.ts';
import { checkSkillsFrom } from './skill_pin.ts';
import { checkTeachers } from './teacher_pin.ts';

/**
 * @param opts.idsOnly accept only ids of runs of `workspace`, never paths (the API names runs)
 * @throws ConfigError at the config key naming the run that cannot be used and why.
 */
export function checkReferencedRuns(
  config: RunConfig,
  workspace: string,
  opts: { idsOnly?: boolean } = {},
): void {
  checkSkillsFrom(config, workspace, opts);
  checkTeachers(config, workspace, opts);
  checkInitFrom(config, workspace, opts);
}
