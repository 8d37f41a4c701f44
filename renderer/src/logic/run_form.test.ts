import { describe, expect, it } from 'vitest';
import {
  checkFields,
  fieldRule,
  formFields,
  issuesByField,
  listedIds,
  parseValue,
  referenceRuns,
  ruleText,
} from './run_form.ts';
import { fakePreset, fakeRun } from '../testing/fake_client.ts';
import type { PresetInfo } from '../../../main/api/contract/contract.ts';

describe('run form rules (issue #13 B4)', () => {
  it('reads each field’s allowed range from the run config schema and says it in words', () => {
    expect(ruleText(fieldRule('sac.lr')!)).toBe('a number > 0 and ≤ 1');
    expect(ruleText(fieldRule('sac.gamma')!)).toBe('a number > 0 and < 1');
    expect(ruleText(fieldRule('sac.batchSize')!)).toBe('a whole number > 0');
    expect(ruleText(fieldRule('her.relabelK')!)).toBe('a whole number from 1 to 32');
    expect(ruleText(fieldRule('seed')!)).toBe('a whole number ≥ 0');
    expect(fieldRule('her.relabelStrategy')!.options).toEqual([
      'none',
      'final',
      'future',
      'episode',
      'random',
    ]);
    expect(fieldRule('no.such.key')).toBeNull();
  });

  it('offers a preset’s task where the algorithm’s fields lack it, and leaves out fields its env does not read', () => {
    const base = fakePreset();
    const config = { seed: 0, totalEnvSteps: 1000, task: 'l-wall-push', embedding: { tasks: [[0]] } };
    const arm = {
      ...base,
      env: 'arm',
      algos: ['skill-embedding'],
      configs: { 'skill-embedding': config },
      sources: {},
    } as unknown as PresetInfo;
    const onArm = formFields(arm, 'skill-embedding').map((f) => f.key);
    expect(onArm.slice(0, 3)).toEqual(['seed', 'totalEnvSteps', 'task']);
    expect(onArm).not.toContain('embedding.tasks');
    const pointMass = {
      ...arm,
      env: 'point-mass',
      configs: { 'skill-embedding': { ...config, task: null } },
    };
    const there = formFields(pointMass as unknown as PresetInfo, 'skill-embedding').map((f) => f.key);
    expect(there).toContain('embedding.tasks');
    expect(there).not.toContain('task');
  });

  it('reads a list field typed with commas as its items (a distillation’s teachers)', () => {
    expect(parseValue('run-a, run-b', 'distill.teachers')).toEqual(['run-a', 'run-b']);
    expect(parseValue('run-a', 'distill.teachers')).toEqual(['run-a']);
    expect(parseValue('["run-a"]', 'distill.teachers')).toEqual(['run-a']);
    expect(parseValue('[64, 64]', 'sac.hidden')).toEqual([64, 64]);
    expect(parseValue('64, 64', 'sac.hidden')).toEqual([64, 64]);
    // Not a list field: the text stays as typed, for the service to refuse in words.
    expect(parseValue('run-a, run-b', 'seed')).toBe('run-a, run-b');
  });

  it('offers the runs a field names: a controller’s skill run, a distillation’s teachers', () => {
    const runs = [
      fakeRun({
        id: 'sac-a',
        algo: 'sac',
        env: 'point-mass',
        envSteps: 8000,
        createdAt: '2026-12-07T10:00:00Z',
      }),
      fakeRun({
        id: 'sac-b',
        algo: 'sac',
        env: 'point-mass',
        envSteps: 8000,
        createdAt: '2026-12-07T11:00:00Z',
      }),
      fakeRun({ id: 'sac-new', algo: 'sac', env: 'point-mass', envSteps: 0 }),
      fakeRun({ id: 'sac-ant', algo: 'sac', env: 'ant', envSteps: 9000 }),
      fakeRun({ id: 'dads-a', algo: 'dads', env: 'point-mass', envSteps: 9000 }),
    ];
    const teachers = referenceRuns('distill', 'distill.teachers', 'point-mass', runs)!;
    expect(teachers.multiple).toBe(true);
    expect(teachers.runs.map((r) => r.id)).toEqual(['sac-b', 'sac-a']);
    const skills = referenceRuns('skill-controller', 'skillController.skillsFrom', 'point-mass', runs)!;
    expect([skills.multiple, skills.runs.map((r) => r.id)]).toEqual([false, ['dads-a']]);
    expect(referenceRuns('distill', 'distill.lr', 'point-mass', runs)).toBeNull();
    // A fine-tuned multi-task run picks one multitask-sac run of its env to start from.
    const sources = [fakeRun({ id: 'mt-arm', algo: 'multitask-sac', env: 'arm', envSteps: 5000 }), ...runs];
    expect(referenceRuns('multitask-sac', 'multitask.initFrom', 'arm', sources)).toEqual({
      multiple: false,
      runs: [sources[0]],
    });
    expect(listedIds('sac-a, sac-b')).toEqual(['sac-a', 'sac-b']);
    expect(listedIds('["sac-a"]')).toEqual(['sac-a']);
    expect(listedIds('[]')).toEqual([]);
  });

  it('flags every invalid field at once, in words, before anything is sent', () => {
    const preset = fakePreset();
    const fields = formFields(preset, 'diayn');
    const set = (key: string, text: string) => (fields.find((f) => f.key === key)!.text = text);
    set('seed', '-1');
    set('totalEnvSteps', '0');
    set('sac.lr', '-1');
    set('sac.batchSize', '12.5');
    set('diayn.skills', 'many');
    const issues = checkFields(preset, 'diayn', fields);
    expect(issues).toEqual({
      seed: 'must be a whole number ≥ 0',
      totalEnvSteps: 'must be a whole number > 0',
      'sac.lr': 'must be a number > 0 and ≤ 1',
      'sac.batchSize': 'must be a whole number > 0',
      'diayn.skills': expect.stringMatching(/^must be a whole number/),
    });
    for (const text of Object.values(issues)) expect(text).not.toMatch(/Too small|expected/);
    set('seed', '3');
    set('totalEnvSteps', '5000');
    set('sac.lr', '0.0003');
    set('sac.batchSize', '64');
    set('diayn.skills', '8');
    expect(checkFields(preset, 'diayn', fields)).toEqual({});
  });

  it('words the service’s zod issues the same way and keeps its own words', () => {
    const fields = formFields(fakePreset(), 'diayn');
    expect(
      issuesByField(
        [
          { path: 'overrides.sac.lr', message: 'Too small: expected number to be >0' },
          { path: 'preset', message: 'no preset "moon"', allowed: ['point-mass', 'ant-xy'] },
        ],
        fields,
      ),
    ).toEqual({
      'sac.lr': 'must be a number > 0 and ≤ 1',
      '': 'preset: no preset "moon" (allowed: point-mass, ant-xy)',
    });
  });
});
