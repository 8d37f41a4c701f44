import { describe, it, expect } from 'vitest';
import { parseRunConfig, ConfigError, allConfigKeys, networkWidthOf } from './config.ts';
import type { AlgoName } from './algos/lookup.ts';
import { resolveRunConfig, listPresets, loadPreset } from './presets.ts';

describe('run config', () => {
  it('fills defaults and validates', () => {
    const c = parseRunConfig({ algo: 'dads', env: 'ant' });
    expect(c.dads.components).toBe(4);
    expect(c.sac.hidden).toEqual([256, 256]);
  });

  it('names the invalid field and what is allowed', () => {
    expect(() => parseRunConfig({ algo: 'ppo', env: 'ant' })).toThrow(/algo.*"sac".*"diayn".*"dads"/s);
    expect(() => parseRunConfig({ algo: 'sac', env: 'ant', sac: { gamma: 1.5 } })).toThrow(/sac\.gamma/);
    expect(() => parseRunConfig({ algo: 'sac', env: 'ant', sac: { lerning_rate: 1 } })).toThrow(
      /lerning_rate/,
    );
  });

  it('lists every settable key', () => {
    const keys = allConfigKeys();
    expect(keys).toContain('sac.lr');
    expect(keys).toContain('dads.priorSamples');
    expect(keys).toContain('totalEnvSteps');
  });
});

describe('presets', () => {
  it('ships the three presets of issue #2, each valid for every algorithm it offers', () => {
    expect(listPresets()).toEqual(expect.arrayContaining(['ant-xy', 'half-cheetah', 'point-mass']));
    for (const name of listPresets()) {
      const preset = loadPreset(name);
      for (const algo of Object.keys(preset.algos)) {
        const { config } = resolveRunConfig({ algo: algo as 'sac', preset: name });
        expect(config.env).toBe(preset.env);
        expect(config.preset).toBe(name);
      }
    }
  });

  it('gives DIAYN and DADS the same f(s) and SAC settings on ant-xy, with sources', () => {
    const diayn = resolveRunConfig({ algo: 'diayn', preset: 'ant-xy' });
    const dads = resolveRunConfig({ algo: 'dads', preset: 'ant-xy' });
    expect(diayn.config.stateFunction).toBe(dads.config.stateFunction);
    expect(diayn.config.sac).toEqual(dads.config.sac);
    expect(dads.config.dads.priorSamples).toBe(100);
    expect(dads.sources['dads.priorSamples']).toMatch(/paper: L = 500/);
    expect(dads.config.sac.rewardScale).toBe(10);
  });

  it('applies flags and --set overrides and records their source', () => {
    const { config, sources } = resolveRunConfig({
      algo: 'diayn',
      preset: 'point-mass',
      seed: 3,
      skills: 6,
      set: ['sac.lr=0.002', 'stateFunction=full-without-xy'],
    });
    expect(config.seed).toBe(3);
    expect(config.diayn.skills).toBe(6);
    expect(config.sac.lr).toBe(0.002);
    expect(config.stateFunction).toBe('full-without-xy');
    expect(sources['sac.lr']).toBe('command line (--set)');
    expect(sources['diayn.skills']).toBe('command line');
  });

  it("sets each algorithm's own skills option with --skills, and refuses it for algorithms without skills", () => {
    expect(resolveRunConfig({ algo: 'dads', preset: 'point-mass', skills: 3 }).config.dads.skillDim).toBe(3);
    expect(resolveRunConfig({ algo: 'diayn', preset: 'point-mass', skills: 3 }).config.diayn.skills).toBe(3);
    for (const algo of ['sac', 'goal-sac', 'multitask-sac'] as const) {
      const err = (() => {
        try {
          resolveRunConfig({ algo, env: 'point-mass', task: 'point-mass-reach', skills: 3 });
        } catch (e) {
          return e as ConfigError;
        }
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect(err!.message).toBe(
        `--skills: ${algo} has no skills; it applies to diayn (number of skills), dads (skill dimension)`,
      );
      expect(err!.issues).toEqual([{ path: 'skills', message: `${algo} has no skills` }]);
    }
  });

  it('rejects unknown presets, algorithms, keys and contradicting envs with the allowed values', () => {
    expect(() => resolveRunConfig({ algo: 'dads', preset: 'nope' })).toThrow(/Allowed presets: .*point-mass/);
    expect(() => resolveRunConfig({ algo: 'ppo' as 'sac', env: 'ant' })).toThrow(/Allowed: sac, diayn, dads/);
    expect(() => resolveRunConfig({ algo: 'dads', preset: 'point-mass', set: ['sac.nope=1'] })).toThrow(
      /unknown key "sac.nope".*sac\.lr/s,
    );
    // A misspelt key gets the nearest ones, not the whole list (issue #13 B4).
    let misspelt: Error | null = null;
    try {
      resolveRunConfig({ algo: 'dads', preset: 'point-mass', set: ['sac.gama=0.9'] });
    } catch (err) {
      misspelt = err as Error;
    }
    expect(misspelt?.message).toMatch(/unknown key "sac.gama"; did you mean sac\.gamma\b/);
    expect(misspelt?.message).not.toMatch(/dads\.priorSamples/);
    expect(() => resolveRunConfig({ algo: 'dads', preset: 'point-mass', env: 'ant' })).toThrow(/contradicts/);
    expect(() =>
      resolveRunConfig({ algo: 'dads', preset: 'point-mass', set: ['dads.priorSamples=-3'] }),
    ).toThrow(ConfigError);
  });
});

describe('networkWidthOf (the compute backend loader picks wasm below 256 units)', () => {
  it("is the widest hidden layer of any of the run's networks", () => {
    const width = (algo: AlgoName, preset: string, set: string[] = []) =>
      networkWidthOf(resolveRunConfig({ algo, preset, set }).config);
    expect(width('diayn', 'point-mass')).toBe(64);
    expect(width('dads', 'ant-xy')).toBe(512);
    expect(width('goal-sac', 'arm-push')).toBe(128);
    // A discriminator wider than SAC's networks counts too.
    expect(width('diayn', 'point-mass', ['diayn.discriminatorHidden=[300,300]'])).toBe(300);
  });
});
