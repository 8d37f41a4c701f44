/**
 * `skill-lab sweep` as a user runs it: refusals before anything is created, a 2 values × 2 seeds
 * sweep on the point mass with the local executor and on Slurm (same results per seed), status
 * against squeue, cancelling, an array task killed by scancel, and `sweep resume`.
 *
 * The Slurm tests need a running cluster (`.ci/slurm.sh up`, which CI runs); outside CI without one
 * they skip with a message, in CI they fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SweepStore, type SweepStatus } from '../engine/runs/sweeps.ts';
import { BIN, cli, expectRefusals } from './test_helpers.ts';

/** Small DIAYN runs on the point mass: iterations of 500 env steps with few updates (about 1 s). */
function specText(opts: { name: string; steps: number; extra?: string }): string {
  return [
    `name: ${opts.name}`,
    'algo: diayn',
    'preset: point-mass',
    `steps: ${opts.steps}`,
    'set:',
    '  updatesPerIteration: 20',
    '  diayn.discriminatorSteps: 20',
    '  checkpointEvery: 1',
    'grid:',
    '  sac.lr: [0.001, 0.003]',
    'seeds: 2',
    ...(opts.extra ? [opts.extra] : []),
    '',
  ].join('\n');
}

function writeSpec(dir: string, name: string, text: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

function slurmUp(): boolean {
  const r = spawnSync('sinfo', ['-h', '-o', '%t'], { encoding: 'utf8' });
  return !r.error && r.status === 0 && /idle|mix|alloc/.test(r.stdout);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the sweep's status until `done` holds. */
async function until(
  store: SweepStore,
  id: string,
  what: string,
  done: (s: SweepStatus) => boolean,
  timeoutMs = 240_000,
): Promise<SweepStatus> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = store.status(store.open(id));
    if (done(s)) return s;
    if (Date.now() > end)
      throw new Error(
        `timed out waiting for ${what}: ${s.points.map((p) => `${p.index} ${p.state} ${p.envSteps}`).join('; ')}`,
      );
    await sleep(500);
  }
}

/** A run's metric rows without the wall-clock column: what must match between executors. */
function learned(ws: string, runId: string): Array<Record<string, number>> {
  return readFileSync(join(ws, 'runs', runId, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { wall_s: _wall, ...row } = JSON.parse(l) as Record<string, number>;
      return row;
    });
}

function onlySweep(ws: string): string {
  const ids = new SweepStore(ws).ids();
  expect(ids).toHaveLength(1);
  return ids[0];
}

if (!slurmUp() && !process.env.CI)
  console.warn(
    'skill-lab sweep: the Slurm tests skip — no Slurm cluster here (start one as root with .ci/slurm.sh install && .ci/slurm.sh up)',
  );

describe('skill-lab sweep', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sl-sweep-'));
  const spec = writeSpec(dir, 'grid', specText({ name: 'grid', steps: 1500 }));
  const localWs = join(dir, 'local');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses bad specs, unknown keys and values out of range naming the point, and Slurm without sbatch, creating nothing', () => {
    const ws = join(dir, 'refused');
    const unknownKey = writeSpec(
      dir,
      'unknown-key',
      specText({ name: 'bad', steps: 1000 }).replace('sac.lr:', 'sac.lrr:'),
    );
    const outOfRange = writeSpec(
      dir,
      'range',
      specText({ name: 'bad', steps: 1000 }).replace('[0.001, 0.003]', '[0.001, -3]'),
    );
    const notYaml = writeSpec(dir, 'not-yaml', 'algo: diayn\n  preset: [x\n');
    const badField = writeSpec(dir, 'bad-field', 'algo: diayn\npreset: point-mass\nseeds: 0\n');
    expectRefusals(ws, [
      [
        ['sweep', unknownKey],
        /point 0 \(sac\.lrr=0\.001, seed 0\).*unknown config key "sac\.lrr"; did you mean sac\.lr/s,
      ],
      [['sweep', outOfRange], /point 2 \(sac\.lr=-3, seed 0\).*sac\.lr/s],
      [['sweep', notYaml], /not-yaml\.yaml is not valid YAML/],
      [['sweep', badField], /bad-field\.yaml is not a valid sweep spec:\n\s+seeds:/],
      [['sweep', join(dir, 'missing.yaml')], /cannot read sweep spec .*missing\.yaml: no such file/],
      [['sweep', spec, '--executor', 'slurm', '--time', 'four hours'], /Slurm options: time: a Slurm time/],
      [['sweep', 'status', 'no-such-sweep'], /No sweep "no-such-sweep"/],
    ]);
    // sbatch missing: a PATH with nothing but node on it.
    const bare = join(dir, 'bare-path');
    mkdirSync(bare);
    symlinkSync(process.execPath, join(bare, 'node'));
    const r = spawnSync(process.execPath, [BIN, '--workspace', ws, 'sweep', spec, '--executor', 'slurm'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: bare },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--executor slurm: sbatch is not on the PATH/);
    for (const sub of ['runs', 'sweeps'])
      expect(existsSync(join(ws, sub)) ? readdirSync(join(ws, sub)) : []).toEqual([]);
  });

  it('trains a 2 × 2 sweep with the local executor: four normal runs, completed, with their points recorded', () => {
    const r = cli(['sweep', spec, '--parallel', '2'], localWs);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /4 runs: diayn on preset point-mass, sweeping sac\.lr × seeds 0, 1; executor local/,
    );
    const store = new SweepStore(localWs);
    const id = onlySweep(localWs);
    const s = store.status(store.open(id));
    expect(s.counts).toEqual({ completed: 4 });
    expect(s.points.map((p) => [p.values['sac.lr'], p.seed, p.envSteps])).toEqual([
      [0.001, 0, 1500],
      [0.001, 1, 1500],
      [0.003, 0, 1500],
      [0.003, 1, 1500],
    ]);
    for (const p of s.points) {
      const record = store.runs.open(p.runId).readRecord();
      expect(record.sweep).toEqual({ id, index: p.index });
      expect(record.config.sac.lr).toBe(p.values['sac.lr']);
      expect(record.sources['sac.lr']).toBe('sweep');
      expect(p.last.env_steps).toBe(1500);
    }
    // the runs are the workspace's like any other
    const list = cli(['list', '--json'], localWs);
    expect(JSON.parse(list.out)).toHaveLength(4);
    const status = cli(['sweep', 'status', id], localWs);
    expect(status.out).toMatch(/4 completed/);
  });

  describe.skipIf(!slurmUp() && !process.env.CI)('on Slurm', () => {
    beforeAll(() => {
      if (!slurmUp()) throw new Error('CI needs a Slurm cluster: .ci/slurm.sh up did not bring one up');
    });

    it('a submission Slurm refuses leaves no sweep and no runs behind', () => {
      const ws = join(dir, 'slurm-refused');
      const r = cli(
        ['sweep', spec, '--executor', 'slurm', '--partition', 'no-such-partition', '--no-probe'],
        ws,
      );
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/sbatch refused the sweep: .*partition/s);
      expect(r.err).toMatch(/nothing was created/);
      for (const sub of ['runs', 'sweeps'])
        expect(
          (existsSync(join(ws, sub)) ? readdirSync(join(ws, sub)) : []).filter(
            (f) => !f.startsWith('.probe'),
          ),
        ).toEqual([]);
    });

    it('a task that fails is reported failed with Slurm’s state, exit code and its log; the other runs on', async () => {
      const ws = join(dir, 'slurm-fail');
      // Held at submission, so that point 0's run.json can be broken before its task starts.
      const r = cli(['sweep', spec, '--executor', 'slurm', '--no-probe', '--sbatch-option=--hold'], ws);
      expect(r.code, r.err).toBe(0);
      const store = new SweepStore(ws);
      const id = onlySweep(ws);
      const sweep = store.open(id);
      writeFileSync(join(ws, 'runs', sweep.points[0].runId, 'run.json'), '{ broken');
      expect(spawnSync('scontrol', ['release', sweep.jobs[0].jobId]).status).toBe(0);
      const s = await until(store, id, 'point 0 failed, the others completed', (st) =>
        st.points.every((p, i) => (i === 0 ? p.slurm?.state === 'FAILED' : p.state === 'completed')),
      );
      expect(s.points[0].state).toBe('failed');
      expect(s.points[0].slurm?.exitCode).toMatch(/^[1-9]\d*:0$/);
      expect(readFileSync(s.points[0].log!, 'utf8')).toMatch(/run\.json/);
      const status = cli(['sweep', 'status', id], ws);
      expect(status.out).toMatch(/ {2}0 {2}failed .*Slurm \d+_0 FAILED \(exit [1-9]\d*:0\)/);
      expect(status.out).toContain(`log: ${s.points[0].log}`);
    });

    it('runs the same sweep as a job array with the same results per seed, status as squeue says', async () => {
      const ws = join(dir, 'slurm');
      // At most one task at a time, so the others wait in Slurm's queue while we compare states.
      const r = cli(['sweep', spec, '--executor', 'slurm', '--max-concurrent', '1'], ws);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/the probe ran on .* and its file arrived/);
      expect(r.out).toMatch(/submitted Slurm job array (\d+) \(4 tasks\)/);
      const store = new SweepStore(ws);
      const id = onlySweep(ws);
      const jobId = store.open(id).jobs[0].jobId;

      // status against squeue: while some tasks pend, both say the same per task
      let compared = 0;
      for (let attempt = 0; attempt < 40 && compared === 0; attempt++) {
        const before = squeue(jobId);
        const st = JSON.parse(cli(['sweep', 'status', id, '--json'], ws).out) as SweepStatus;
        const after = squeue(jobId);
        if (before.size === 0 || JSON.stringify([...before]) !== JSON.stringify([...after])) continue;
        for (const [task, state] of after) {
          const point = st.points.find((p) => `${jobId}_${p.index}` === task)!;
          expect(point.slurm?.state, task).toBe(state);
          expect(point.state).toBe(state === 'PENDING' ? 'pending' : 'running');
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(0);

      // A run writes 'completed' into run.json a moment before its Slurm task exits.
      const done = await until(store, id, 'all completed, in the workspace and in Slurm', (s) =>
        s.points.every((p) => p.state === 'completed' && p.slurm?.state === 'COMPLETED'),
      );
      for (const p of done.points) {
        expect(p.slurm?.state).toBe('COMPLETED');
        expect(existsSync(p.log!)).toBe(true);
        expect(readFileSync(p.log!, 'utf8')).toMatch(/completed 1500 env steps/);
      }
      // same results per seed as the local executor's (training is deterministic given the seed)
      const local = new SweepStore(localWs);
      const localPoints = local.open(onlySweep(localWs)).points;
      for (const p of done.points)
        expect(learned(ws, p.runId)).toEqual(learned(localWs, localPoints[p.index].runId));
    });

    it('a task killed by scancel and a cancelled sweep leave every run resumable; sweep resume finishes them from their checkpoints', async () => {
      const ws = join(dir, 'slurm-cancel');
      const file = writeSpec(dir, 'long', specText({ name: 'long', steps: 6000 }));
      const r = cli(['sweep', file, '--executor', 'slurm', '--no-probe'], ws);
      expect(r.code, r.err).toBe(0);
      const store = new SweepStore(ws);
      const id = onlySweep(ws);
      const jobId = store.open(id).jobs[0].jobId;
      // task 0 has a checkpoint (checkpointEvery=1) and trains on: kill it with scancel
      await until(store, id, 'point 0 past its first checkpoint', (s) => s.points[0].envSteps >= 1000);
      expect(spawnSync('scancel', [`${jobId}_0`]).status).toBe(0);
      const killed = await until(store, id, 'point 0 cancelled', (s) => s.points[0].state === 'cancelled');
      expect(killed.points[0].slurm?.state).toBe('CANCELLED');
      const stoppedAt = killed.points[0].envSteps;
      expect(stoppedAt).toBeGreaterThanOrEqual(1000);
      expect(stoppedAt).toBeLessThan(6000);

      // cancel the rest while task 1 trains and tasks 2, 3 may still pend
      const c = cli(['sweep', 'cancel', id], ws);
      expect(c.code, c.err).toBe(0);
      const cancelled = store.status(store.open(id));
      expect(cancelled.points.some((p) => p.state === 'running' || p.state === 'pending')).toBe(false);
      const { indices } = store.resumable(cancelled);
      expect(indices).toEqual(cancelled.points.filter((p) => p.state !== 'completed').map((p) => p.index));
      expect(indices).toContain(0);
      for (const p of cancelled.points)
        expect(['completed', 'cancelled', 'stopped', 'not started']).toContain(p.state);

      const again = cli(['sweep', 'resume', id], ws);
      expect(again.code, again.err).toBe(0);
      expect(again.out).toMatch(new RegExp(`resuming ${indices.length} point\\(s\\): ${indices.join(', ')}`));
      const done = await until(store, id, 'all completed after resume', (s) => s.counts.completed === 4);
      const sweep = store.open(id);
      expect(sweep.jobs).toHaveLength(2);
      expect(sweep.jobs[1].indices).toEqual(indices);
      // point 0 continued from its checkpoint: its second task's log says so, and no iteration repeats
      const log0 = readFileSync(done.points[0].log!, 'utf8');
      expect(done.points[0].log).toContain(`${sweep.jobs[1].jobId}_0.out`);
      expect(log0).toMatch(/resuming from (\d+) env steps/);
      expect(Number(/resuming from (\d+) env steps/.exec(log0)![1])).toBeGreaterThanOrEqual(1000);
      const iterations = learned(ws, done.points[0].runId).map((row) => row.iteration);
      expect(iterations).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    });
  });

  it('cancelling a local sweep stops its runs with checkpoints; sweep resume completes them', async () => {
    const ws = join(dir, 'local-cancel');
    const file = writeSpec(dir, 'local-long', specText({ name: 'local-long', steps: 5000 }));
    const child = spawn(process.execPath, [BIN, '--workspace', ws, 'sweep', file, '--parallel', '2'], {
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const store = new SweepStore(ws);
    const id = await (async () => {
      for (let i = 0; i < 600; i++) {
        const ids = store.ids();
        if (ids.length) return ids[0];
        await sleep(100);
      }
      throw new Error('the sweep was not created');
    })();
    await until(
      store,
      id,
      'two runs past their first checkpoint',
      (s) => s.points.filter((p) => p.envSteps >= 500).length >= 2,
    );
    const c = cli(['sweep', 'cancel', id], ws);
    expect(c.code, c.err).toBe(0);
    expect(await exited).toBe(0);
    const s = store.status(store.open(id));
    expect(s.points.some((p) => p.state === 'running')).toBe(false);
    expect(s.points.filter((p) => p.state === 'stopped').length).toBeGreaterThanOrEqual(2);
    for (const p of s.points) expect(['stopped', 'not started', 'completed']).toContain(p.state);
    expect(store.open(id).local).toBeNull();

    const again = cli(['sweep', 'resume', id, '--parallel', '2'], ws);
    expect(again.code, again.err).toBe(0);
    const done = store.status(store.open(id));
    expect(done.counts).toEqual({ completed: 4 });
    for (const p of done.points)
      expect(learned(ws, p.runId).map((row) => row.iteration)).toEqual(
        Array.from({ length: 10 }, (_, i) => i + 1),
      );
  });
});

/** squeue's view of an array job: task id → state. */
function squeue(jobId: string): Map<string, string> {
  const r = spawnSync('squeue', ['-h', '-r', `--jobs=${jobId}`, '-o', '%i|%T'], { encoding: 'utf8' });
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const [task, state] = line.trim().split('|');
    if (task && state) out.set(task, state);
  }
  return out;
}
