import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { readTensorFile } from '../nn/checkpoint.ts';
import { resolveRunConfig, type RunRequest } from '../presets.ts';
import { evaluateRun } from '../runs/evaluate.ts';
import { runLabel } from '../runs/figure_data.ts';
import { checkSkillsFrom, PINNED_SKILLS_FILE, pinnedSkills } from '../runs/skill_pin.ts';
import type { RunDir, RunStore } from '../runs/store.ts';
import {
  checkpointContents,
  createRun,
  stoppedAndResumed,
  tempStore,
  untrainedSkillRun,
  withoutWall,
} from '../runs/test_helpers.ts';
import { trainRun } from '../runs/trainer.ts';
import { DiscreteSacLearner } from './discrete_sac.ts';
import { SkillControllerAlgorithm, type ControllerEvaluation } from './skill_controller.ts';
import { LatentPolicyInput, PolicyInput, policySkillOf } from './skills.ts';
import { RunningNormalizer } from './running_normalizer.ts';
import { namedParams } from './state.ts';
import type { Algorithm } from './types.ts';

const ACTOR = 'sac/actor/weights/';

/** A skill run trained a few iterations on the point mass (small networks): seconds. */
async function smallSkillRun(store: RunStore, algo: 'dads' | 'diayn', seed = 1): Promise<RunDir> {
  const run = createRun(store, {
    algo,
    preset: 'point-mass',
    seed,
    totalEnvSteps: 400,
    set: [
      'stepsPerIteration=200',
      'updatesPerIteration=4',
      'sac.hidden=[16,16]',
      'sac.learningStarts=0',
      'sac.batchSize=32',
      'diayn.discriminatorHidden=[16]',
      'diayn.discriminatorSteps=2',
      'dads.dynamicsHidden=[16]',
      'dads.dynamicsSteps=2',
      'dads.dynamicsBatchSize=32',
      'dads.priorSamples=8',
    ],
  });
  await trainRun(run, { quiet: true });
  return run;
}

/** A small controller request over `skillsFrom` on the point mass. */
function smallController(skillsFrom: string, totalEnvSteps = 300, seed = 2): RunRequest {
  return {
    algo: 'skill-controller',
    preset: 'point-mass',
    seed,
    skillsFrom,
    totalEnvSteps,
    set: [
      'numEnvs=2',
      'stepsPerIteration=100',
      'updatesPerIteration=3',
      'checkpointEvery=2',
      'sac.learningStarts=100',
      'sac.batchSize=16',
      'skillController.hidden=[16]',
      'skillController.evalEpisodes=3',
    ],
  };
}

/** The SAC policy weights of a checkpoint file, by parameter name. */
async function actorWeights(file: string): Promise<Map<string, number[]>> {
  const { arrays } = await readTensorFile(file, { select: (n) => n.startsWith(ACTOR) });
  return new Map(Object.entries(arrays).map(([k, v]) => [k.slice(ACTOR.length), Array.from(v.data)]));
}

/** Every variable of a controller's frozen skill policy, by parameter name. */
function frozenWeights(algo: Algorithm): Map<string, number[]> {
  const vars = namedParams((algo as SkillControllerAlgorithm).skills.policy.net);
  return new Map(Object.entries(vars).map(([k, v]) => [k, Array.from(v.dataSync())]));
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('skill controller over DADS point-mass skills (learning test)', () => {
  it('reaches a goal 0.5–0.8 m away with success ≥ 0.8; the frozen skill policy never changes', async () => {
    const t0 = performance.now();
    // The quick DADS run a new user trains first: the point-mass preset, 30 000 env steps, seed 0.
    const store = tempStore();
    const dads = createRun(store, { algo: 'dads', preset: 'point-mass', seed: 0 });
    await trainRun(dads, { quiet: true });
    const dadsS = (performance.now() - t0) / 1000;
    const original = await actorWeights(dads.checkpointPath);

    // The controller as the preset has it, but for a goal (0.5, 0.4): 0.50–0.78 m from every start
    // (reset noise ±0.1 m), and a 12 000-step budget (8 000 gave 0.9 with every seed tried, 12 000 1.0).
    const run = createRun(store, {
      algo: 'skill-controller',
      preset: 'point-mass',
      seed: 0,
      skillsFrom: dads.id,
      totalEnvSteps: 12_000,
      set: ['goal=[0.5,0.4]'],
    });
    let checked = 0;
    await trainRun(run, {
      quiet: true,
      // After every iteration, every variable of the skill policy the controller acts through is
      // still the DADS checkpoint's.
      onIteration: (algo) => {
        expect(frozenWeights(algo)).toEqual(original);
        checked++;
      },
    });
    expect(checked).toBeGreaterThan(10);
    const trainS = (performance.now() - t0) / 1000 - dadsS;

    const report = (await evaluateRun(run, { quiet: true })) as unknown as ControllerEvaluation & {
      env_steps: number;
    };
    expect(report.episodes).toBe(10);
    expect(report.success_radius).toBe(0.1);
    for (const trace of report.traces) {
      const d0 = Math.hypot(trace.f[0][0] - 0.5, trace.f[0][1] - 0.4);
      expect(d0).toBeGreaterThanOrEqual(0.5);
      expect(d0).toBeLessThanOrEqual(0.8);
      // Traces as skill-lab plan draws them: a skill every 10 env steps, the executed x-y per step.
      expect(trace.segments.map((s) => s.start)).toEqual(
        Array.from({ length: trace.segments.length }, (_, k) => 10 * k),
      );
      expect(trace.f.length).toBe(trace.steps + 1);
      expect(trace.success).toBe(trace.final_distance < 0.1);
    }
    expect(report.skills_from).toEqual({ run: dads.id, algo: 'dads', sha256: sha256(dads.checkpointPath) });
    expect(report.success_rate).toBeGreaterThanOrEqual(0.8);
    console.log(
      `DADS + skill controller on point-mass, goal (0.5, 0.4): success ${report.success_rate.toFixed(2)}, ` +
        `mean final distance ${report.mean_final_distance.toFixed(3)} m over ${report.episodes} episodes; ` +
        `${report.env_steps} env steps; DADS ${dadsS.toFixed(0)} s, controller ${trainS.toFixed(0)} s, ` +
        `all ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }, 400_000);
});

describe('skill controller: the skill run is pinned at the first start', () => {
  it('keeps composing the copy after the skill run trains on and after it is deleted', async () => {
    const store = tempStore();
    const dads = await smallSkillRun(store, 'dads');
    const pinnedSha = sha256(dads.checkpointPath);
    const original = await actorWeights(dads.checkpointPath);
    const run = createRun(store, smallController(dads.id));
    await trainRun(run, { quiet: true });

    // The copy holds the skill run's frozen parts as they were; run.json says whence.
    const copy = join(run.path, PINNED_SKILLS_FILE);
    expect(await actorWeights(copy)).toEqual(original);
    const record = run.readRecord().skillSource!;
    expect(record).toMatchObject({
      run: dads.id,
      algo: 'dads',
      checkpoint: 'checkpoint.bin',
      sha256: pinnedSha,
      iteration: 2,
      envSteps: 400,
      copy: PINNED_SKILLS_FILE,
    });
    // Figures tell controllers over DADS and over DIAYN apart.
    expect(runLabel(run.readRecord())).toBe('SKILL-CONTROLLER (DADS skills)');
    expect(runLabel(dads.readRecord())).toBe('DADS');

    // The skill run trains on: its checkpoint changes, the controller's skills do not.
    dads.update({ config: { ...dads.readRecord().config, totalEnvSteps: 800 } });
    await trainRun(dads, { quiet: true });
    expect(sha256(dads.checkpointPath)).not.toBe(pinnedSha);
    run.update({ config: { ...run.readRecord().config, totalEnvSteps: 500 } });
    let weights: Map<string, number[]> | null = null;
    await trainRun(run, { quiet: true, onIteration: (algo) => void (weights = frozenWeights(algo)) });
    expect(weights).toEqual(original);
    expect(run.readRecord().skillSource).toEqual(record);

    // The skill run is deleted: evaluation and resume read the copy.
    store.remove(dads.id);
    const report = (await evaluateRun(run, { quiet: true })) as unknown as ControllerEvaluation;
    expect(report.skills_from).toEqual({ run: dads.id, algo: 'dads', sha256: pinnedSha });
    expect(report.traces.length).toBe(3);
    run.update({ config: { ...run.readRecord().config, totalEnvSteps: 700 } });
    expect((await trainRun(run, { quiet: true })).status).toBe('completed');

    // A damaged copy is refused naming it, never replaced by whatever the skill run is now.
    writeFileSync(copy, readFileSync(copy).subarray(0, 100));
    run.update({ config: { ...run.readRecord().config, totalEnvSteps: 900 } });
    await expect(trainRun(run, { quiet: true })).rejects.toThrow(
      `${copy}: the pinned copy of this run's skills cannot be read`,
    );
    expect(run.readRecord().status).toBe('error');
  }, 120_000);

  it('refuses a config without a skill run and a checkpoint trained over other skills', async () => {
    const store = tempStore();
    const dads = await smallSkillRun(store, 'dads');
    const other = await smallSkillRun(store, 'dads', 9);
    const run = createRun(store, smallController(dads.id));
    await trainRun(run, { quiet: true });
    // The checkpoint of a controller over `dads` does not load over `other`'s skills.
    const { config } = resolveRunConfig(smallController(other.id));
    const algo = await SkillControllerAlgorithm.create(
      config,
      (await pinnedSkills(config, null, { workspace: store.root })).source,
    );
    try {
      const { arrays, meta } = await readTensorFile(run.checkpointPath);
      await expect(algo.loadState({ arrays, meta: meta.algoMeta })).rejects.toThrow(
        `trained over the skills of a checkpoint with SHA-256 ${sha256(dads.checkpointPath)}, but this run's pinned skills come from ${sha256(other.checkpointPath)}`,
      );
    } finally {
      algo.dispose();
    }
    const { config: none } = resolveRunConfig({ algo: 'skill-controller', preset: 'point-mass' });
    await expect(pinnedSkills(none, null)).rejects.toThrow(
      'skill-controller composes the skills of another run: name the DIAYN or DADS run whose frozen skills it composes with --skills-from RUN (skillController.skillsFrom)',
    );
  }, 60_000);
});

describe('skill controller: refusals before a run is created', () => {
  it('names the skill run and what is allowed', async () => {
    const store = tempStore();
    const check = (ref: string, opts?: { idsOnly?: boolean }) => () =>
      checkSkillsFrom(resolveRunConfig({ ...smallController(ref) }).config, store.root, opts);
    const issue = (f: () => void) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).issues[0];
      }
      throw new Error('not refused');
    };

    expect(issue(check('no-such-run'))).toMatchObject({
      path: 'skillController.skillsFrom',
      message: expect.stringMatching(/^No run "no-such-run" in .*The workspace has no runs\./),
    });
    const sac = createRun(store, {
      algo: 'sac',
      preset: 'point-mass',
      totalEnvSteps: 100,
      set: ['stepsPerIteration=100'],
    });
    await trainRun(sac, { quiet: true });
    expect(issue(check(sac.id)).message).toBe(
      `run ${sac.id} is a sac run; skill-controller --skills-from needs a run of diayn or dads`,
    );
    const fresh = createRun(store, { algo: 'dads', preset: 'point-mass' });
    expect(issue(check(fresh.id)).message).toMatch(`run ${fresh.id} has no checkpoint yet`);
    const ant = await untrainedSkillRun(store, {
      algo: 'dads',
      env: 'ant',
      set: ['numEnvs=1', 'sac.hidden=[8]', 'dads.dynamicsHidden=[8]'],
    });
    expect(issue(check(ant.id)).message).toBe(
      `run ${ant.id} learned its skills on ant; this run's env is point-mass`,
    );
    const dads = await untrainedSkillRun(store, { algo: 'dads', preset: 'point-mass' });
    expect(check(dads.id)).not.toThrow();
    expect(check(dads.path)).not.toThrow();
    // The API names runs by id; a path is refused before anything is read.
    expect(issue(check(dads.path, { idsOnly: true })).message).toMatch(
      /is not the id of a run in this workspace/,
    );
    expect(check(dads.id, { idsOnly: true })).not.toThrow();

    expect(() => resolveRunConfig({ algo: 'dads', preset: 'point-mass', skillsFrom: dads.id })).toThrow(
      '--skills-from: dads learns from scratch; it applies to skill-controller (the DIAYN or DADS run whose frozen skills it composes), embedding-controller (the skill-embedding run whose frozen policy π(a|s,z) it steers)',
    );
    // An embedding controller steers a skill embedding only, a skill controller never does.
    const embedding = {
      ...smallController(dads.id),
      algo: 'embedding-controller' as const,
      preset: 'regions',
      set: ['goal=[0,0.25]'],
    };
    expect(issue(() => checkSkillsFrom(resolveRunConfig(embedding).config, store.root)).message).toBe(
      `run ${dads.id} is a dads run; embedding-controller --skills-from needs a run of skill-embedding`,
    );
    expect(() => resolveRunConfig({ algo: 'skill-controller', env: 'point-mass' })).toThrow(
      /goal: skill-controller learns to reach a goal: set goal to \[x, y\] in m/,
    );
    expect(() =>
      resolveRunConfig({ algo: 'skill-controller', env: 'half-cheetah', set: ['goal=[1,0]'] }),
    ).toThrow(/env: skill-controller reaches x-y goals on point-mass or ant, got half-cheetah/);
  }, 60_000);
});

describe('skill controller over DIAYN’s discrete skills', () => {
  it('learns with discrete SAC and is evaluated with one-hot skills in its traces', async () => {
    const store = tempStore();
    const diayn = await smallSkillRun(store, 'diayn');
    const run = createRun(store, smallController(diayn.id));
    let learner: unknown = null;
    await trainRun(run, {
      quiet: true,
      onIteration: (a) => void (learner = (a as SkillControllerAlgorithm).learner),
    });
    expect(learner).toBeInstanceOf(DiscreteSacLearner);
    // Iterations of 10 decisions (100 env steps at H_Z = 10) of 2 envs, until 300 env steps.
    const rows = run.readMetrics();
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.at(-1)).toMatchObject({
      success_rate: expect.any(Number),
      final_distance: expect.any(Number),
      alpha: expect.any(Number),
      decisions: 10 * rows.length,
    });
    expect(rows.at(-1)!.env_steps).toBeGreaterThanOrEqual(300);
    const report = (await evaluateRun(run, { quiet: true })) as unknown as ControllerEvaluation;
    expect(report.skills_from.algo).toBe('diayn');
    for (const t of report.traces)
      for (const s of t.segments) {
        expect(s.skill.length).toBe(4);
        expect([...s.skill].sort()).toEqual([0, 0, 0, 1]);
      }
    expect(existsSync(join(run.path, 'eval', 'rollouts.jsonl'))).toBe(false);
  }, 60_000);
});

describe('skill controller: a stopped and resumed run ends exactly as an uninterrupted one', () => {
  it.each(['dads', 'diayn'] as const)(
    'over %s skills',
    async (algo) => {
      const store = tempStore();
      const skills = await smallSkillRun(store, algo);
      // Iterations of 100 env steps: the stop after iteration 3 falls mid-episode (50-step episodes of 2
      // envs), between checkpoints (every 2), with the envs' physics and the sampling generators.
      const req = smallController(skills.id, 600, 4);
      req.set = [...req.set!, 'skillController.actions=sample'];
      const reference = createRun(store, req);
      expect((await trainRun(reference, { quiet: true })).iterations).toBeGreaterThan(4);
      const run = await stoppedAndResumed(store, req);
      expect(withoutWall(run.readMetrics())).toEqual(withoutWall(reference.readMetrics()));
      expect(await checkpointContents(run)).toEqual(await checkpointContents(reference));
    },
    120_000,
  );
});

describe('embedding controller over a skill embedding', () => {
  it('names the z a skill c stands for: center + scale ⊙ c over an embedding, c otherwise', () => {
    const latent = new LatentPolicyInput(
      2,
      new RunningNormalizer(2, 0.01, 5),
      Float32Array.of(1, 2),
      Float32Array.of(3, 4),
    );
    expect(Array.from(policySkillOf(latent, Float32Array.of(0.5, -1, 0, 1)))).toEqual([2.5, -2, 1, 6]);
    expect(Array.from(policySkillOf(new PolicyInput(4, [], 2), Float32Array.of(0.5, -1)))).toEqual([0.5, -1]);
  });

  it('traces the latent z it gave the policy (center + scale ⊙ c), not the box coordinates c', async () => {
    const store = tempStore();
    const embedding = await untrainedSkillRun(store, {
      algo: 'skill-embedding',
      preset: 'regions',
      set: ['sac.hidden=[16,16]', 'embedding.inferenceHidden=[16]'],
    });
    const run = createRun(store, {
      ...smallController(embedding.id),
      algo: 'embedding-controller',
      preset: 'regions',
      set: [...smallController(embedding.id).set!, 'goal=[0,0.25]'],
    });
    await trainRun(run, { quiet: true });
    const report = (await evaluateRun(run)) as unknown as ControllerEvaluation;
    const { source } = await pinnedSkills(run.readConfig(), run.path);
    const input = source.policy.input as LatentPolicyInput;
    try {
      const segments = report.traces.flatMap((t) => t.segments);
      expect(segments.length).toBeGreaterThan(3);
      for (const s of segments) {
        expect(s.skill).toHaveLength(2);
        // Back in the controller's box: every coordinate within [−1, 1].
        s.skill.forEach((z, j) =>
          expect(Math.abs((z - input.center[j]) / input.scale[j])).toBeLessThanOrEqual(1 + 1e-5),
        );
      }
      // The box is not the identity map here, so the traced values are z, not c.
      expect(
        Array.from(input.center).some((c) => Math.abs(c) > 1e-3) ||
          Array.from(input.scale).some((v) => Math.abs(v - 1) > 1e-3),
      ).toBe(true);
    } finally {
      source.dispose();
    }
  }, 60_000);
});
