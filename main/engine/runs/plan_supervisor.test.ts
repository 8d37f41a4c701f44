/**
 * Plan processes under supervision, with a stand-in process that says what the test makes it say
 * (the real plan process is driven through the service in main/api/service/plan_skills.test.ts): the
 * request goes first, episodes are relayed and collected, malformed messages are logged and
 * ignored, failures, stops and kills end the outcome with the reason.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PLAN_STOP_GRACE_MS, PlanFailure, PlanSupervisor } from './plan_supervisor.ts';
import type { RunProcessHandle } from './spawn.ts';
import { RunDir } from './store.ts';
import { planRequestSchema, type EpisodeTraceData, type PlanReportData } from '../planning/schemas.ts';
import { resolveMppiSettings } from '../planning/settings.ts';

/** A plan process that says what the test makes it say, and records what it was sent. */
class Scripted extends EventEmitter implements RunProcessHandle {
  pid: number | undefined = 5151;
  connected = true;
  exitCode: number | null = null;
  sent: object[] = [];
  signals: string[] = [];
  send = (m: object) => {
    this.sent.push(m);
    return true;
  };
  kill = (signal: NodeJS.Signals = 'SIGTERM') => {
    this.signals.push(signal);
    return true;
  };
}

const run = new RunDir('/ws/runs/dads-1', 'dads-1');
const request = planRequestSchema.parse({ goals: [[0.5, -0.3]] });

const trace: EpisodeTraceData = {
  goal: [0.5, -0.3],
  final_distance: 0.05,
  success: true,
  steps: 2,
  task: 'goal (0.50, -0.30)',
  waypoints: [[0.5, -0.3]],
  seed: 0,
  steps_to_goal: 2,
  nan: false,
  f: [
    [0, 0],
    [0.2, -0.1],
    [0.48, -0.29],
  ],
  qpos: [
    [0, 0],
    [0.2, -0.1],
    [0.48, -0.29],
  ],
  segments: [{ start: 0, skill: [1, -0.6], predicted: [[0, 0]], candidates: [], planMs: 2 }],
};
const { preset, settings } = resolveMppiSettings('dense');
const report: PlanReportData = {
  episodes: [{ goal: [0.5, -0.3], final_distance: 0.05, success: true, steps: 2 }],
  mean_final_distance: 0.05,
  success_rate: 1,
  success_radius: 0.1,
  baseline: null,
  planner: { preset, settings, actions: 'mean', episode_steps: 50, stop_at_goal: true, seed: 0, sources: {} },
};
const checkpoint = {
  file: '/ws/runs/dads-1/checkpoint.bin',
  sha256: 'f'.repeat(64),
  iteration: 2,
  envSteps: 1000,
  fallback: null,
};

function supervisor(children: Scripted[], opts: { maxLive?: number } = {}) {
  const lines: string[] = [];
  const sup = new PlanSupervisor({
    spawnRun: (_run, evaluate, spawn) => {
      expect(evaluate).toBe(false);
      expect(spawn).toEqual({ plan: true, background: true });
      const child = new Scripted();
      children.push(child);
      return child;
    },
    log: (line) => lines.push(line),
    ...opts,
  });
  return { sup, lines };
}

afterEach(() => vi.useRealTimers());

describe('plan processes under supervision', () => {
  it('sends the request first, relays and collects episodes, ignores malformed messages, resolves with the report', async () => {
    const children: Scripted[] = [];
    const { sup, lines } = supervisor(children);
    const seen: Array<[string, number]> = [];
    const plan = sup.start('p1', run, request, (kind, index) => seen.push([kind, index]));
    const [child] = children;
    expect(child.sent).toEqual([{ type: 'plan', request }]);
    expect(sup.ids()).toEqual(['p1']);

    child.emit('message', { type: 'planEpisode', kind: 'planner', index: 0, trace: { ...trace, f: 'lots' } });
    child.emit('message', { type: 'planEpisode', kind: 'planner', index: 0, trace });
    child.emit('message', { type: 'planEpisode', kind: 'baseline', index: 0, trace: { ...trace, qpos: [] } });
    child.emit('message', { type: 'planReport', report, checkpoint });
    child.emit('exit', 0, null);
    const outcome = await plan.outcome;
    expect(seen).toEqual([
      ['planner', 0],
      ['baseline', 0],
    ]);
    expect(outcome).toEqual({
      report,
      checkpoint,
      traces: { planner: [trace], baseline: [{ ...trace, qpos: [] }] },
    });
    expect(lines).toEqual([
      expect.stringMatching(/^plan p1 of run dads-1: ignored a malformed message .*trace\.f/),
    ]);
    expect(sup.ids()).toEqual([]);
  });

  it('fails with the process’s error, or how it ended when it said nothing', async () => {
    const children: Scripted[] = [];
    const { sup } = supervisor(children);
    const a = sup.start('a', run, request);
    children[0].emit('message', {
      type: 'error',
      message: 'run dads-1 is a diayn run; … needs a run of dads',
    });
    children[0].emit('exit', 1, null);
    await expect(a.outcome).rejects.toEqual(
      new PlanFailure('run dads-1 is a diayn run; … needs a run of dads', false),
    );

    const b = sup.start('b', run, request);
    children[1].emit('exit', null, 'SIGKILL');
    await expect(b.outcome).rejects.toThrow('the plan process exited with signal SIGKILL');

    const c = sup.start('c', run, request);
    children[2].pid = undefined;
    children[2].emit('error', new Error('spawn ENOENT'));
    await expect(c.outcome).rejects.toThrow('the plan process could not start: spawn ENOENT');
  });

  it('stops a plan with the stop message, kills it after the grace period, and reports it stopped', async () => {
    vi.useFakeTimers();
    const children: Scripted[] = [];
    const { sup } = supervisor(children);
    const plan = sup.start('p', run, request);
    const child = children[0];
    expect(plan.stop()).toBe(true);
    expect(plan.stop()).toBe(false);
    expect(child.sent.at(-1)).toEqual({ type: 'stop' });
    expect(child.signals).toEqual([]);
    vi.advanceTimersByTime(PLAN_STOP_GRACE_MS);
    expect(child.signals).toEqual(['SIGKILL']);
    child.emit('exit', null, 'SIGKILL');
    const failure = await plan.outcome.catch((e: PlanFailure) => e);
    expect(failure).toBeInstanceOf(PlanFailure);
    expect(failure).toMatchObject({ stopped: true, message: 'plan p was stopped' });

    // Without a channel, SIGTERM (the plan process stops on it too).
    const quiet = sup.start('q', run, request);
    children[1].connected = false;
    quiet.stop();
    expect(children[1].signals).toEqual(['SIGTERM']);
    children[1].emit('exit', null, 'SIGTERM');
    await expect(quiet.outcome).rejects.toMatchObject({ stopped: true });
  });

  it('refuses a plan id in use and more plans than it allows; stopAll ends every plan', async () => {
    const children: Scripted[] = [];
    const { sup } = supervisor(children, { maxLive: 2 });
    sup.start('x', run, request);
    expect(() => sup.start('x', run, request)).toThrow('plan x is running already; choose another plan id');
    sup.start('y', run, request);
    expect(() => sup.start('z', run, request)).toThrow('2 plans are running (at most 2 at once)');
    const all = sup.stopAll();
    expect(children.map((c) => c.sent.at(-1))).toEqual([{ type: 'stop' }, { type: 'stop' }]);
    for (const c of children) c.emit('exit', 0, null);
    await all;
    expect(sup.ids()).toEqual([]);
  });
});
