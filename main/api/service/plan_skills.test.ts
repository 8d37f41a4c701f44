/**
 * The Skills view's service side (issue #9 §2, §4): planSkills plans with a briefly trained DADS run
 * in a plan process of its own and reports what `skill-lab plan --json` prints for the same goals
 * and seed; episodes arrive as planEpisode events; plans run side by side, can be stopped, and wrong
 * requests are refused naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventData, ResultOf } from '../contract/contract.ts';
import { LabService } from './service.ts';
import { call, EventLog, rejection } from './test_helpers.ts';
import { cli } from '../../cli/test_helpers.ts';
import { createRun } from '../../engine/runs/test_helpers.ts';
import { RunStore } from '../../engine/runs/store.ts';

let workspace: string;
let service: LabService;
let dads: string;
let diayn: string;
let untrained: string;

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'skill-lab-plan-api-'));
  // The quick DADS run, briefly: what `skill-lab plan` and the Skills view both read.
  const trained = cli(
    ['train', '--algo', 'dads', '--preset', 'point-mass', '--steps', '1000', '--no-eval'],
    workspace,
  );
  expect(trained.code, trained.err).toBe(0);
  [dads] = readdirSync(join(workspace, 'runs'));
  const store = new RunStore(workspace);
  diayn = createRun(store, { algo: 'diayn', preset: 'point-mass' }).id;
  untrained = createRun(store, { algo: 'dads', preset: 'point-mass', seed: 5 }).id;
  service = new LabService({ workspace });
}, 300_000);

afterAll(async () => {
  await service?.close({ killAfterMs: 10_000 });
});

/** Traces without the wall-clock ms of each replan, the one thing two identical plans differ in. */
function withoutTimes(traces: ResultOf<'planSkills'>['traces']['planner']) {
  return traces.map((t) => ({ ...t, segments: t.segments.map((seg) => ({ ...seg, planMs: 0 })) }));
}

describe('planSkills', () => {
  it('reports what `skill-lab plan --json` prints for the same run, goals and seed, streaming each episode', async () => {
    const log = new EventLog(service, ['planEpisode']);
    const goals = [
      [0.5, 0.3],
      [-0.4, -0.2],
    ];
    const result = await call(service, 'planSkills', { runId: dads, planId: 'p-cli', goals, seed: 3 });

    const r = cli(
      ['plan', dads, '--goal', '0.5,0.3', '--goal', '-0.4,-0.2', '--seed', '3', '--json'],
      workspace,
    );
    expect(r.code, r.err).toBe(0);
    const { run, checkpoint, ...report } = JSON.parse(r.out);
    expect(run).toBe(dads);
    expect(result.runId).toBe(dads);
    expect(result.checkpoint).toEqual(checkpoint);
    expect(result.report).toEqual(report);
    expect(result.report.episodes.map((e) => e.goal)).toEqual(goals);
    expect(result.report.planner.seed).toBe(3);

    // Every episode came as an event before the answer, in order, equal to the answer's traces.
    const events = log.of('planEpisode').map((e) => e.data as EventData<'planEpisode'>);
    expect(events.map((e) => [e.planId, e.runId, e.kind, e.index])).toEqual([
      ['p-cli', dads, 'planner', 0],
      ['p-cli', dads, 'baseline', 0],
      ['p-cli', dads, 'planner', 1],
      ['p-cli', dads, 'baseline', 1],
    ]);
    expect(events.filter((e) => e.kind === 'planner').map((e) => e.trace)).toEqual(result.traces.planner);
    expect(events.filter((e) => e.kind === 'baseline').map((e) => e.trace)).toEqual(result.traces.baseline);

    // What the Skills view draws: executed f and qpos per step, each segment's skill and predictions.
    result.traces.planner.forEach((t, e) => {
      expect(t.final_distance).toBe(report.episodes[e].final_distance);
      expect(t.f).toHaveLength(t.steps + 1);
      expect(t.qpos).toHaveLength(t.steps + 1);
      expect(t.segments.length).toBe(Math.ceil(t.steps / report.planner.settings.hold));
      for (const s of t.segments) {
        expect(s.skill).toHaveLength(2);
        expect(s.predicted![0]).toEqual(t.f[s.start]);
        expect(s.candidates.length).toBeGreaterThan(0);
        expect(s.candidates.length).toBeLessThanOrEqual(5);
      }
    });
    // The baseline is drawn in x-y only: no qpos travels for it.
    for (const t of result.traces.baseline) {
      expect(t.qpos).toEqual([]);
      expect(t.f).toHaveLength(t.steps + 1);
      expect(t.segments.every((s) => s.predicted === null && s.candidates.length === 0)).toBe(true);
    }
    // Nothing of the run changed: planning reads it.
    expect(JSON.parse(readFileSync(join(workspace, 'runs', dads, 'run.json'), 'utf8')).status).toBe(
      'completed',
    );
    expect(service.liveRunIds()).toEqual([]);
  });

  it('runs plans side by side (same numbers for the same request), stops one, and refuses a plan id in use', async () => {
    const request = { runId: dads, goals: [[0.3, 0.4]], seed: 1, overrides: { hold: 5 }, baseline: false };
    const log = new EventLog(service, ['planEpisode']);
    const a = call(service, 'planSkills', { ...request, planId: 'p-a' });
    const b = call(service, 'planSkills', { ...request, planId: 'p-b' });
    // Many episodes, so that it is still planning when stopped.
    const long = rejection(
      call(service, 'planSkills', {
        runId: dads,
        planId: 'p-long',
        goals: Array.from({ length: 16 }, (_, i) => [Math.cos(i) * 0.6, Math.sin(i) * 0.6]),
        episodes: 4,
      }),
    );
    const dup = await rejection(call(service, 'planSkills', { ...request, planId: 'p-long' }));
    expect(dup.code).toBe('conflict');
    expect(dup.issues?.[0].path).toBe('planId');
    expect(dup.message).toMatch(/plan p-long is running already/);

    const [ra, rb] = await Promise.all([a, b]);
    expect(rb.report).toEqual(ra.report);
    // The same episodes (but for the wall-clock time of each replan).
    expect(withoutTimes(rb.traces.planner)).toEqual(withoutTimes(ra.traces.planner));
    expect(ra.report.planner.settings.hold).toBe(5);
    expect(ra.report.planner.sources.hold).toBe('override');
    expect(ra.report.baseline).toBeNull();
    expect(ra.traces.baseline).toEqual([]);

    await log.waitFor('planEpisode', (e) => e.planId === 'p-long', 'a first episode of p-long');
    expect(await call(service, 'stopPlan', { planId: 'p-long' })).toEqual({
      planId: 'p-long',
      stopped: true,
    });
    const stopped = await long;
    expect(stopped.code).toBe('conflict');
    expect(stopped.message).toMatch(/plan p-long was stopped/);
    expect(
      log.of('planEpisode').filter((e) => (e.data as { planId: string }).planId === 'p-long').length,
    ).toBeLessThan(64);
    expect(await call(service, 'stopPlan', { planId: 'p-long' })).toEqual({
      planId: 'p-long',
      stopped: false,
    });
  });

  it('refuses bad goals, unknown planner settings and runs it cannot plan with, naming them', async () => {
    const base = { runId: dads, planId: 'p-bad', goals: [[0.5, 0.5]] };
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ goals: [[1, 'x']] }, 'goals.0.1', /number/],
      [{ goals: [[1]] }, 'goals.0', /two finite numbers/],
      [{ goals: [] }, 'goals', /at least one goal/],
      [{ goals: Array.from({ length: 17 }, () => [0, 0]) }, 'goals', /16/],
      [{ overrides: { holdd: 3 } }, 'overrides.holdd', /unknown field/],
      [{ overrides: { hold: 0 } }, 'overrides.hold', /too small|>=1/],
      [{ preset: 'fast' }, 'preset', /dense|sparse|Invalid option/],
      [{ episodes: 21 }, 'episodes', /20|too big/],
      [{ goals: Array.from({ length: 16 }, () => [0, 0]), episodes: 5 }, 'episodes', /more than 64 episodes/],
      [{ planId: '../x' }, 'planId', /plan id/],
    ];
    for (const [over, path, message] of cases) {
      const err = await rejection(call(service, 'planSkills', { ...base, ...over }));
      expect(err.code, JSON.stringify(over)).toBe('invalid');
      const issue = err.issues?.find((i) => i.path === path);
      expect(issue, `${JSON.stringify(over)}: ${JSON.stringify(err.issues)}`).toBeDefined();
      expect(issue!.message).toMatch(message);
    }
    const preset = await rejection(call(service, 'planSkills', { ...base, preset: 'fast' }));
    expect(preset.issues?.[0].allowed).toEqual(['dense', 'sparse']);

    const wrong = await rejection(call(service, 'planSkills', { ...base, runId: diayn }));
    expect(wrong.code).toBe('conflict');
    expect(wrong.message).toMatch(
      new RegExp(`run ${diayn} is a diayn run; planning with skills needs a dads run`),
    );
    expect(wrong.issues).toEqual([{ path: 'runId', message: 'a diayn run', allowed: ['dads'] }]);

    const noCheckpoint = await rejection(call(service, 'planSkills', { ...base, runId: untrained }));
    expect(noCheckpoint.code).toBe('conflict');
    expect(noCheckpoint.message).toMatch(/has no checkpoint yet/);

    const missing = await rejection(call(service, 'planSkills', { ...base, runId: 'no-such-run' }));
    expect(missing.code).toBe('not_found');
    expect(service.liveRunIds()).toEqual([]);
  });

  it('answers a planning that fails in its process with the reason', async () => {
    // A run whose f(s) has no x-y passes every check the service makes (DADS, a checkpoint): the
    // engine refuses it inside the plan process, and its reason comes back.
    const store = new RunStore(workspace);
    const noXy = createRun(store, {
      algo: 'dads',
      preset: 'point-mass',
      seed: 9,
      overrides: { stateFunction: 'full-without-xy' },
    });
    // The trained run's checkpoint fits it (same network sizes): the planning gets as far as its tasks.
    copyFileSync(join(workspace, 'runs', dads, 'checkpoint.bin'), join(noXy.path, 'checkpoint.bin'));
    const err = await rejection(
      call(service, 'planSkills', { runId: noXy.id, planId: 'p-noxy', goals: [[0.2, 0.2]] }),
    );
    expect(err.code).toBe('internal');
    expect(err.message).toMatch(new RegExp(`planning with run ${noXy.id} failed: `));
    expect(err.message).toMatch(
      /state function 'full-without-xy'\) need f\(s\) to include observation column 0/,
    );
    expect(err.message).toMatch(/worker\.log/);
  });
});
