import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_NAMES } from '../contract/contract.ts';
import { EventLog, TINY, call, rejection, serviceForFile } from './test_helpers.ts';

const { workspace, service } = serviceForFile('sl-service-sweeps-');

/** A 2 values × 2 seeds DIAYN sweep on the point mass whose runs train in about a second each. */
const spec = (over: Record<string, unknown> = {}) => ({
  name: 'svc',
  algo: 'diayn',
  preset: 'point-mass',
  steps: 1000,
  set: {
    stepsPerIteration: TINY.stepsPerIteration,
    updatesPerIteration: TINY.updatesPerIteration,
    'diayn.discriminatorSteps': TINY['diayn.discriminatorSteps'],
    'sac.learningStarts': 0,
  },
  grid: { 'sac.lr': [0.001, 0.003] },
  seeds: 2,
  executor: { kind: 'local', parallel: 2 },
  ...over,
});

describe('lab service sweeps', () => {
  it('refuses a point with a value out of range naming it, and an unknown sweep, creating nothing', async () => {
    const bad = await rejection(
      call(service, 'startSweep', { spec: spec({ grid: { 'sac.lr': [0.001, -1] } }) }),
    );
    expect(bad.code).toBe('invalid');
    expect(bad.message).toMatch(/point 2 \(sac\.lr=-1, seed 0\)/);
    expect(bad.issues?.[0]).toMatchObject({ path: 'sac.lr' });
    const typo = await rejection(call(service, 'startSweep', { spec: spec({ grid: { 'sac.lrr': [0.1] } }) }));
    expect(typo.message).toMatch(/did you mean sac\.lr/);
    const seeds = await rejection(call(service, 'startSweep', { spec: spec({ seeds: [1, 1] }) }));
    expect(seeds.message).toMatch(/seed 1 appears twice/);
    expect((await rejection(call(service, 'cancelSweep', { sweepId: 'nope' }))).code).toBe('not_found');
    expect((await rejection(call(service, 'resumeSweep', { sweepId: 'nope' }))).code).toBe('not_found');
    for (const sub of ['runs', 'sweeps'])
      expect(existsSync(join(workspace, sub)) ? readdirSync(join(workspace, sub)) : []).toEqual([]);
    expect((await call(service, 'listSweeps', {})).sweeps).toEqual([]);
  });

  it('trains a local sweep in its run processes, cancels it with checkpoints and resumes it to completion', async () => {
    const log = new EventLog(service, EVENT_NAMES);
    const { sweep } = await call(service, 'startSweep', {
      spec: spec({ steps: 3000, name: 'svc-cancel' }),
    });
    expect(sweep.points).toHaveLength(4);
    expect(sweep.keys).toEqual(['sac.lr']);
    expect(sweep.localLive).toBe(true);
    // the runs are the service's like any other: listed with their sweep, streaming metrics
    await log.waitFor('metrics', (m) => m.runId === sweep.points[0].runId, 'metrics of point 0');
    const { runs } = await call(service, 'listRuns', {});
    const ofSweep = runs.filter((r) => r.sweep?.id === sweep.id);
    expect(ofSweep.map((r) => r.sweep!.index).sort()).toEqual([0, 1, 2, 3]);

    const cancelled = (await call(service, 'cancelSweep', { sweepId: sweep.id })).sweep;
    expect(cancelled.cancelledAt).not.toBeNull();
    for (const p of sweep.points.slice(0, 2)) await log.settled(p.runId, ['stopped', 'completed', 'error']);
    const after = (await call(service, 'listSweeps', {})).sweeps.find((s) => s.id === sweep.id)!;
    for (const p of after.points) expect(['stopped', 'not started', 'completed']).toContain(p.state);
    expect(after.points.filter((p) => p.state === 'stopped').length).toBeGreaterThan(0);

    // wait until the executor let go of it, then resume: only the unfinished points train again
    for (let i = 0; i < 100; i++) {
      const s = (await call(service, 'listSweeps', {})).sweeps.find((x) => x.id === sweep.id)!;
      if (!s.localLive) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const resumed = (await call(service, 'resumeSweep', { sweepId: sweep.id })).sweep;
    expect(resumed.localLive).toBe(true);
    expect((await rejection(call(service, 'resumeSweep', { sweepId: sweep.id }))).code).toBe('conflict');
    for (const p of sweep.points)
      expect((await log.settled(p.runId, ['completed', 'error'], 120_000)).status).toBe('completed');
    const done = (await call(service, 'listSweeps', {})).sweeps.find((s) => s.id === sweep.id)!;
    expect(done.counts).toEqual({ completed: 4 });
    for (const p of done.points) {
      const { rows } = await call(service, 'getMetrics', { runId: p.runId });
      expect(rows.map((r) => r.iteration)).toEqual(rows.map((_, i) => i + 1));
      expect(p.last.env_steps).toBeGreaterThanOrEqual(3000);
    }
  });
});
