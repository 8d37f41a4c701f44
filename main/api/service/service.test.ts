import { afterEach, describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { getPriority, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_NAMES, eventEnvelopeSchema } from '../contract/contract.ts';
import { LabService } from './service.ts';
import { call, EventLog, rejection, TINY } from './test_helpers.ts';
import { createRun } from '../../engine/runs/test_helpers.ts';
import { RELABEL_REQUEST_FILE } from '../../engine/runs/relabel_control.ts';
import { RunDir } from '../../engine/runs/store.ts';
import { BIN } from '../../cli/test_helpers.ts';
import type { RunProcessHandle } from '../../engine/runs/spawn.ts';

const services: LabService[] = [];
function newService(): LabService {
  const service = new LabService({ workspace: mkdtempSync(join(tmpdir(), 'skill-lab-api-')) });
  services.push(service);
  return service;
}
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close({ killAfterMs: 10_000 })));
});

const runDirs = (s: LabService) => (existsSync(s.store.runsDir) ? readdirSync(s.store.runsDir) : []);

describe('lab service', () => {
  it('lists envs and presets with their resolved configs', async () => {
    const service = newService();
    const { envs } = await call(service, 'listEnvs', {});
    expect(envs.map((e) => e.name)).toEqual(['point-mass', 'ant', 'half-cheetah']);
    expect(envs.find((e) => e.name === 'ant')).toMatchObject({ nq: 15, dt: 0.05, modelFile: 'ant.xml' });
    const model = await call(service, 'getEnvModel', { env: 'point-mass' });
    expect(model.xml).toMatch(/<mujoco/);

    const { presets, configKeys } = await call(service, 'listPresets', {});
    const pm = presets.find((p) => p.name === 'point-mass')!;
    expect(pm.env).toBe('point-mass');
    expect(pm.algos).toEqual(expect.arrayContaining(['diayn', 'dads']));
    expect(pm.configs.diayn!.diayn.skills).toBe(4);
    expect(pm.sources.dads!['dads.priorSamples']).toMatch(/reference code/);
    expect(configKeys).toContain('sac.lr');
  });

  it('refuses invalid hyperparameters field by field and creates no run', async () => {
    const service = newService();
    const err = await rejection(
      service.startRun({
        algo: 'diayn',
        preset: 'point-mass',
        overrides: { 'sac.lr': -1, 'sac.alphaMode': 'sometimes', 'sac.colour': 3, numEnvs: 2.5, env: 'ant' },
      }),
    );
    expect(err.code).toBe('invalid');
    const byPath = Object.fromEntries(err.issues!.map((i) => [i.path, i]));
    expect(byPath['sac.lr'].message).toMatch(/>0/);
    expect(byPath['sac.alphaMode'].allowed).toEqual(['auto', 'fixed']);
    expect(byPath['sac.colour'].message).toMatch(/unknown config key/);
    expect(byPath['sac.colour'].allowed).toContain('sac.lr');
    expect(byPath.numEnvs.message).toMatch(/int/);
    expect(byPath.env.message).toMatch(/chosen by the request/);

    const preset = await rejection(service.startRun({ algo: 'dads', preset: 'moon-walk' }));
    expect(preset.issues).toEqual([
      expect.objectContaining({ path: 'preset', allowed: expect.arrayContaining(['point-mass', 'ant-xy']) }),
    ]);
    const seed = await service.call('startRun', { algo: 'dads', preset: 'point-mass', seed: -1 }, 'x');
    expect(seed).toMatchObject({
      id: 'x',
      ok: false,
      error: { code: 'invalid', issues: [{ path: 'seed' }] },
    });
    expect(runDirs(service)).toEqual([]);

    expect((await rejection(service.getRun({ runId: 'no-such-run' }))).code).toBe('not_found');
    expect((await rejection(service.deleteRun({ runId: '../..' }))).code).toBe('invalid');
    expect(await service.call('launchRockets', {})).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('trains a run in its own process, streams batched metrics and previews, evaluates and deletes it', async () => {
    const service = newService();
    const log = new EventLog(service, EVENT_NAMES);
    const { run } = await call(service, 'startRun', {
      algo: 'diayn',
      preset: 'point-mass',
      seed: 2,
      overrides: TINY,
    });
    expect(run).toMatchObject({ status: 'running', activity: 'training', totalEnvSteps: 1000 });
    expect(service.processId(run.id)).not.toBe(process.pid);
    const done = await log.settled(run.id, ['completed', 'error']);
    expect(done.status).toBe('completed');
    expect(done.error).toBeNull();
    expect(done.metrics.discriminator_accuracy).toBeGreaterThan(0);

    for (const e of log.events)
      expect(eventEnvelopeSchema.safeParse({ event: e.event, data: e.data }).success).toBe(true);
    const metrics = log.of('metrics', run.id);
    expect(metrics.flatMap((m) => m.data.rows.map((r) => r.iteration))).toEqual([1, 2, 3, 4]);
    // Batched: flushes of one run are ≥ 100 ms apart (the last one comes with the process's end).
    for (let i = 1; i < metrics.length - 1; i++)
      expect(metrics[i].at - metrics[i - 1].at).toBeGreaterThanOrEqual(95);
    const previews = log.of('rollout', run.id);
    expect(previews.map((p) => p.data.skill)).toEqual([0, 1, 2, 3]); // one preview (5 s apart): 4 skills
    expect(previews[0].data).toMatchObject({ env: 'point-mass', iteration: 1, dt: 0.05 });
    expect(previews[0].data.qpos).toHaveLength(51);

    const { run: record } = await call(service, 'getRun', { runId: run.id });
    expect(record.config.totalEnvSteps).toBe(1000);
    expect(record.config.diayn.discriminatorSteps).toBe(20);
    expect(record.sources['diayn.discriminatorSteps']).toBe('user override');
    expect(record.envSteps).toBeGreaterThanOrEqual(1000);
    const { rows } = await call(service, 'getMetrics', { runId: run.id, sinceIteration: 2 });
    expect(rows.map((r) => r.iteration)).toEqual([3, 4]);
    const { runs } = await call(service, 'listRuns', {});
    expect(runs.map((r) => [r.id, r.status])).toEqual([[run.id, 'completed']]);

    // A run that completes is evaluated by its own process, so the compare view can replay its skills.
    expect(log.of('runStatus', run.id).some((e) => e.data.activity === 'evaluating')).toBe(true);
    expect(done.evaluated).toBe(true);
    expect((await call(service, 'getEvaluation', { runId: run.id })).summary?.rollouts_per_skill).toBe(5);
    // Evaluating again (here with 2 rollouts per skill) replaces it.
    const evaluation = service.evaluateRun({ runId: run.id, rollouts: 2 });
    await log.waitFor('runStatus', (s) => s.id === run.id && s.activity === 'evaluating', 'evaluating');
    const { summary } = await evaluation;
    expect(summary.skills).toHaveLength(4);
    expect(summary.rollouts_per_skill).toBe(2);
    const all = await call(service, 'getEvaluation', { runId: run.id });
    expect(all.rollouts).toHaveLength(8);
    expect(all.rollouts[0].qpos).toHaveLength(51);
    expect(all.rollouts[0].xy[50]).toHaveLength(2);
    const one = await call(service, 'getEvaluation', { runId: run.id, skills: [2] });
    expect(one.rollouts.map((r) => [r.skill, r.rollout])).toEqual([
      [2, 0],
      [2, 1],
    ]);

    await call(service, 'deleteRun', { runId: run.id });
    expect(runDirs(service)).toEqual([]);
    expect(log.of('runDeleted', run.id)).toHaveLength(1);
    expect((await rejection(service.getMetrics({ runId: run.id }))).code).toBe('not_found');
  });

  it('stops a run with a checkpoint and resumes it to completion', async () => {
    const service = newService();
    const log = new EventLog(service, EVENT_NAMES);
    const { run } = await service.startRun({
      algo: 'dads',
      preset: 'point-mass',
      overrides: { ...TINY, totalEnvSteps: 4000 },
    });
    await log.waitFor('metrics', (m) => m.runId === run.id, 'first metrics');
    const stopped = (await service.stopRun({ runId: run.id })).run;
    expect(stopped).toMatchObject({ status: 'stopped', activity: null });
    expect(stopped.envSteps).toBeLessThan(4000);
    expect(log.of('runStatus', run.id).some((e) => e.data.activity === 'stopping')).toBe(true);
    expect((await rejection(service.resumeRun({ runId: 'nope' }))).code).toBe('not_found');

    const resumed = (await service.resumeRun({ runId: run.id })).run;
    expect(resumed).toMatchObject({ status: 'running', activity: 'training' });
    expect((await rejection(service.resumeRun({ runId: run.id }))).code).toBe('conflict');
    expect((await log.settled(run.id, ['completed', 'error'])).status).toBe('completed');
    const { rows } = await service.getMetrics({ runId: run.id });
    expect(rows.map((r) => r.iteration)).toEqual(rows.map((_, i) => i + 1));
    expect(rows[rows.length - 1].env_steps).toBeGreaterThanOrEqual(4000);
    expect((await rejection(service.resumeRun({ runId: run.id }))).message).toMatch(/already completed/);
  });

  it('records a run process killed from outside as an error with its reason while another run completes', async () => {
    const service = newService();
    const log = new EventLog(service, EVENT_NAMES);
    const victim = (
      await service.startRun({
        algo: 'diayn',
        preset: 'point-mass',
        overrides: { ...TINY, totalEnvSteps: 50_000 },
      })
    ).run;
    const other = (await service.startRun({ algo: 'dads', preset: 'point-mass', overrides: TINY })).run;
    await log.waitFor('metrics', (m) => m.runId === victim.id, 'the victim training');
    const { run: record } = await service.getRun({ runId: victim.id });
    expect(record.pid).toBe(service.processId(victim.id));
    // Run processes train below the interactive processes' priority (worker.ts --background).
    expect(getPriority(record.pid!)).toBe(
      getPriority(process.pid) + 10 > 19 ? 19 : getPriority(process.pid) + 10,
    );
    process.kill(record.pid!, 'SIGKILL');

    const failed = await log.settled(victim.id, ['error', 'completed', 'stopped']);
    expect(failed.status).toBe('error');
    expect(failed.error).toMatch(/run process exited with signal SIGKILL/);
    expect(log.of('error', victim.id)[0].data.message).toMatch(/SIGKILL/);
    expect((await log.settled(other.id, ['completed', 'error'])).status).toBe('completed');
    expect((await service.getRun({ runId: victim.id })).run).toMatchObject({ status: 'error', pid: null });

    // A failure inside the worker keeps the worker's own message as the reason.
    writeFileSync(join(service.store.runsDir, victim.id, 'checkpoint.bin'), 'garbage');
    await service.resumeRun({ runId: victim.id });
    const broken = await log.waitFor(
      'runStatus',
      (s) => s.id === victim.id && s.activity === null && s.error !== null && /checkpoint\.bin/.test(s.error),
      'the resumed run to fail on its checkpoint',
    );
    expect(broken.status).toBe('error');
  });

  it('switches a goal-sac run’s relabeling and refuses other runs', async () => {
    const service = newService();
    const her = createRun(service.store, { algo: 'goal-sac', env: 'bit-flip', totalEnvSteps: 100 });
    const skills = createRun(service.store, { algo: 'diayn', preset: 'point-mass', totalEnvSteps: 100 });
    expect(await service.setRelabeling({ runId: her.id, strategy: 'final', k: 2 })).toEqual({
      runId: her.id,
      strategy: 'final',
      k: 2,
      appliesAt: 'resume', // no process trains it
    });
    expect(JSON.parse(readFileSync(join(her.path, RELABEL_REQUEST_FILE), 'utf8'))).toMatchObject({
      strategy: 'final',
      k: 2,
    });
    await expect(service.setRelabeling({ runId: skills.id, strategy: 'final', k: 2 })).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(
      service.setRelabeling({ runId: her.id, strategy: 'sideways' as never, k: 2 }),
    ).rejects.toMatchObject({ code: 'invalid' });
    // A multi-task run switches task relabeling with a share; a k alone is not enough for it.
    const mt = createRun(service.store, { algo: 'multitask-sac', preset: 'multi-goal', totalEnvSteps: 100 });
    expect(await service.setRelabeling({ runId: mt.id, strategy: 'all', ratio: 0.25 })).toEqual({
      runId: mt.id,
      strategy: 'all',
      ratio: 0.25,
      appliesAt: 'resume',
    });
    await expect(service.setRelabeling({ runId: mt.id, strategy: 'all', k: 4 })).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(
      service.setRelabeling({ runId: mt.id, strategy: 'future', ratio: 0.5 }),
    ).rejects.toMatchObject({
      code: 'invalid',
    });
    // A bit-flipping run has no task scene; a skill run has no task at all.
    expect(await service.getRunTask({ runId: her.id })).toEqual({ runId: her.id, spec: null, xml: null });
    await expect(service.getRunTask({ runId: skills.id })).rejects.toMatchObject({ code: 'conflict' });
    // An arm run's task before it trained: the named task, compiled, and nothing written.
    const arm = createRun(service.store, { algo: 'goal-sac', preset: 'arm-reach', totalEnvSteps: 100 });
    const task = await service.getRunTask({ runId: arm.id });
    expect(task.spec).toMatchObject({ name: 'reach', robot: 'arm' });
    expect(task.xml).toMatch(/<mujoco/);
    expect(existsSync(join(arm.path, 'task.json'))).toBe(false);
    // A skill embedding on the arm acts in its transfer task's pre-training scene: the table without
    // the L-wall.
    const embedding = createRun(service.store, {
      algo: 'skill-embedding',
      preset: 'arm-skills',
      totalEnvSteps: 100,
    });
    const scene = await service.getRunTask({ runId: embedding.id });
    expect(scene.spec).toMatchObject({ name: 'l-wall-push-skills', robot: 'arm', obstacles: [] });
    expect(scene.xml).toMatch(/<mujoco/);
    const regions = createRun(service.store, {
      algo: 'skill-embedding',
      preset: 'regions',
      totalEnvSteps: 100,
    });
    await expect(service.getRunTask({ runId: regions.id })).rejects.toThrow(
      /is a skill-embedding run on point-mass; only goal-sac runs and skill-embedding runs on the arm have a task/,
    );
  });

  it('refuses a goal-sac run whose task does not exist or is for another robot, creating nothing', async () => {
    const service = newService();
    for (const [task, message] of [
      ['nope', /not a built-in task/],
      ['point-mass-reach', /a point-mass task; this run's env is arm/],
    ] as const) {
      const err = await service
        .startRun({ algo: 'goal-sac', preset: 'arm-reach', overrides: { task } })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'invalid' });
      const issue = (err as { issues: Array<{ path: string; message: string }> }).issues[0];
      expect(issue.path).toBe('overrides.task');
      expect(issue.message).toMatch(message);
    }
    expect((await service.listRuns()).runs).toEqual([]);
  });

  it('refuses to resume, stop or delete a run that `skill-lab train` trains, naming it; lists it as gone once killed', async () => {
    const service = newService();
    const trainer = spawn(
      process.execPath,
      [BIN, '--workspace', service.store.root, 'train', '--algo', 'sac', '--preset', 'point-mass']
        .concat([
          '--steps',
          '3000',
          '--no-eval',
          '--set',
          'checkpointEvery=1',
          '--set',
          'sac.learningStarts=0',
        ])
        .concat(['--set', 'stepsPerIteration=1000', '--set', 'updatesPerIteration=300']),
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    // What the trainer said, for the failure message should it end before its first iteration.
    let stderr = '';
    let exit: number | null | undefined;
    trainer.stderr!.on('data', (d) => (stderr += d));
    trainer.once('exit', (code) => (exit = code));
    try {
      let id = '';
      const end = Date.now() + 120_000;
      for (;;) {
        id = runDirs(service)[0] ?? '';
        const path = join(service.store.runsDir, id);
        if (id && existsSync(join(path, 'run.json')) && new RunDir(path, id).readRecord().iterations >= 1)
          break;
        if (Date.now() > end || exit !== undefined)
          throw new Error(
            `skill-lab train ${exit === undefined ? 'did not finish an iteration in 120 s' : `exited with ${exit}`}; its stderr:\n${stderr}`,
          );
        await new Promise((r) => setTimeout(r, 50));
      }
      const holder = new RegExp(
        `run ${id} is being trained by pid ${trainer.pid} on host ${hostname()} \\(skill-lab train, since \\d{4}-`,
      );
      for (const method of ['resumeRun', 'stopRun', 'deleteRun'] as const) {
        const response = await service.call(method, { runId: id }, 1);
        expect(response).toMatchObject({
          ok: false,
          error: { code: 'conflict', message: expect.stringMatching(holder) },
        });
      }
      expect(runDirs(service)).toEqual([id]);
      expect((await service.listRuns()).runs[0]).toMatchObject({ id, status: 'running', activity: null });

      trainer.kill('SIGKILL');
      await new Promise((r) => trainer.once('exit', r));
      const [gone] = (await service.listRuns()).runs;
      expect(gone.status).toBe('error');
      expect(gone.error).toMatch(
        new RegExp(`pid ${trainer.pid} on host ${hostname()} \\(skill-lab train, since .*\\) is gone`),
      );
    } finally {
      trainer.kill('SIGKILL');
    }
  });
  it('ignores a malformed message from a run process (logged), relays the valid ones and records its end', async () => {
    /** A run process that says what the test makes it say. */
    class Scripted extends EventEmitter implements RunProcessHandle {
      pid = 4243;
      connected = true;
      exitCode: number | null = null;
      send = () => true;
      kill = () => true;
    }
    const child = new Scripted();
    const service = new LabService({
      workspace: mkdtempSync(join(tmpdir(), 'skill-lab-api-')),
      spawnRun: () => child,
    });
    services.push(service);
    const log = new EventLog(service, EVENT_NAMES);
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const { run } = await service.startRun({ algo: 'diayn', preset: 'point-mass', overrides: TINY });
      const row = { iteration: 1, env_steps: 250, wall_s: 0.5, alpha: 0.1 };
      const progress = { type: 'progress', runId: run.id, iteration: 1, envSteps: 250, totalEnvSteps: 1000 };
      child.emit('message', null);
      child.emit('message', { ...progress, stepsPerSecond: 'fast', row });
      child.emit('message', { ...progress, stepsPerSecond: 500, row });
      const metrics = await log.waitFor('metrics', (m) => m.runId === run.id, 'the valid row');
      expect(metrics.rows).toEqual([row]);
      expect(stderr.mock.calls.map((c) => String(c[0]))).toEqual([
        expect.stringMatching(`run ${run.id}: ignored a malformed message from its process: .*got null`),
        expect.stringMatching(/stepsPerSecond: .*expected number/),
      ]);
      child.emit('exit', null, 'SIGKILL');
      const failed = await log.settled(run.id, ['error', 'completed', 'stopped']);
      expect(failed.error).toMatch(/^run process exited with signal SIGKILL \(log: .*worker\.log\)$/);
    } finally {
      stderr.mockRestore();
    }
  });
});
