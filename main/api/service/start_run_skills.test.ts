import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RunStore } from '../../engine/runs/store.ts';
import { untrainedSkillRun } from '../../engine/runs/test_helpers.ts';
import { serviceForFile } from './test_helpers.ts';

const { workspace, service } = serviceForFile('skill-lab-start-skills-');

describe('startRun of a skill controller: the skill run is a run id of the workspace', () => {
  it('refuses a path, an unknown run and a run without skills, naming the field, and creates nothing', async () => {
    const store = new RunStore(workspace);
    const dads = await untrainedSkillRun(store, {
      algo: 'dads',
      preset: 'point-mass',
      set: ['sac.hidden=[8]'],
    });
    const fresh = store.create(dads.readConfig(), {}, {});
    const before = readdirSync(store.runsDir).sort();
    const refusal = async (skillsFrom: unknown) => {
      const answer = await service.call('startRun', {
        algo: 'skill-controller',
        preset: 'point-mass',
        overrides: { 'skillController.skillsFrom': skillsFrom },
      });
      expect(answer.ok).toBe(false);
      if (answer.ok) return '';
      expect(answer.error.code).toBe('invalid');
      expect(answer.error.issues![0].path).toBe('skillController.skillsFrom');
      return answer.error.issues![0].message;
    };
    expect(await refusal(dads.path)).toMatch(/is not the id of a run in this workspace/);
    expect(await refusal('nope')).toMatch(/is not the id of a run in this workspace/);
    expect(await refusal(fresh.id)).toMatch(`run ${fresh.id} has no checkpoint yet`);
    expect(readdirSync(store.runsDir).sort()).toEqual(before);
    const noneNamed = await service.call('startRun', { algo: 'skill-controller', preset: 'point-mass' });
    expect(noneNamed.ok).toBe(false);
    if (!noneNamed.ok)
      expect(noneNamed.error.issues![0]).toMatchObject({
        path: 'skillController.skillsFrom',
        message: expect.stringMatching(/--skills-from RUN/),
      });
    expect(existsSync(join(dads.path, 'skills.bin'))).toBe(false);
  });
});
