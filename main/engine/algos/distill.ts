/**
 * Multi-task policy distillation (issue #11 §3; Rusu et al. 2016, "Policy Distillation", ICLR, as
 * CS277 teaches it): one task-conditioned student π_S(a | s, t) fitted to K single-task teachers π_t,
 * here finished SAC runs on the point mass, each with its own goal (task t = teacher t's goal).
 *
 * - Student: SAC's actor network over [s, one-hot t] → (μ, log σ) of a tanh-squashed Gaussian (the
 *   teachers' family), so the student can match a teacher's whole action distribution.
 * - Data (Rusu et al. §3: the teacher's outputs kept with each state in a replay memory): every
 *   iteration runs `episodesPerTask` episodes of every task; in a share `studentShare` of them the
 *   student acts (its own state distribution, as DAgger, Ross et al. 2011), in the rest the task's
 *   teacher. Every visited state enters a ring memory with its task and the teacher's Gaussian there.
 * - Loss, over minibatches of the memory (Rusu et al. §4 compare KL, MSE and NLL; KL was best):
 *     kl:  KL(π_t(·|s) ‖ π_S(·|s,t)) = Σ_j log σ_S/σ_T + (σ_T² + (μ_T − μ_S)²)/(2σ_S²) − ½  (closed form
 *          of the pre-tanh Gaussians; tanh is a bijection, so this is the KL of the squashed policies),
 *     mse: Σ_j (μ_S − μ_T)², the means only.
 * - Figures: each iteration the student's mean action is rolled out once per task and env (success
 *   per task, not counted as env steps); the evaluation puts it beside each teacher's mean action on
 *   the same resets.
 *
 * Checkpoints hold the student, its Adam state, the memory and every generator: resume is bit-exact.
 * The teachers come pinned from runs/teacher_pin.ts and are never trained.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../config.ts';
import { makeAdam, type NamedArrays } from '../nn/checkpoint.ts';
import { LOG_STD_MAX, LOG_STD_MIN } from '../nn/distributions.ts';
import { MLP } from '../nn/mlp.ts';
import { Rng } from '../rng.ts';
import { POINT_MASS_SUCCESS_RADIUS } from '../sim/envs.ts';
import { createMultiGoalPointEnv, type MultiTaskEnv } from '../sim/multi_goal_env.ts';
import { FrozenPolicy } from './frozen_policy.ts';
import { evaluateTasks, type MultitaskEvalReport } from './multitask_sac.ts';
import { checkSameEnvs, lockstepEpisodes } from './off_policy_core.ts';
import { withEnvs } from './off_policy_options.ts';
import { EpisodeRun } from './off_policy_run.ts';
import { PolicyInput } from './skills.ts';
import { loadTrainable, namedParams, saveTrainable } from './state.ts';
import type { AbortPoint, AlgorithmState, GoalEvaluable, Metrics } from './types.ts';
import type { Adam } from '../nn/adam.ts';

/** A frozen single-task teacher: its run, its goal (x, y) in m (its task) and its SAC policy. */
export interface Teacher {
  run: string;
  goal: [number, number];
  policy: FrozenPolicy;
}

/** Options of {@link Distill} (the `distill` section's algorithm part, plus envs and seed). */
export interface DistillOptions {
  seed: number;
  numEnvs: number;
  episodesPerTask: number;
  /** Share of episodes in which the student acts, [0, 1]. */
  studentShare: number;
  teacherActions: 'sample' | 'mean';
  loss: 'kl' | 'mse';
  hidden: number[];
  lr: number;
  batchSize: number;
  updates: number;
  memoryCapacity: number;
}

/** What the evaluation reports: the student's success per task beside each teacher's. */
export interface DistillEvalReport extends MultitaskEvalReport {
  /** [K] success of teacher k's mean action on task k, on the same resets as the student's. */
  teacher_success: number[];
  teacher_success_rate: number;
}

/**
 * KL(P ‖ Q) of diagonal Gaussians per row: Σ_j log σ_Q/σ_P + (σ_P² + (μ_P − μ_Q)²)/(2σ_Q²) − ½.
 * @param meanP μ_P [B, d]; @param logStdP log σ_P [B, d]
 * @param meanQ μ_Q [B, d]; @param logStdQ log σ_Q [B, d]
 * @returns [B] nats
 */
export function diagonalGaussianKl(
  meanP: tf.Tensor2D,
  logStdP: tf.Tensor2D,
  meanQ: tf.Tensor2D,
  logStdQ: tf.Tensor2D,
): tf.Tensor1D {
  return tf.tidy(() => {
    const varP = tf.exp(tf.mul(2, logStdP));
    const varQ = tf.exp(tf.mul(2, logStdQ));
    const perDim = tf.add(
      tf.sub(logStdQ, logStdP),
      tf.sub(tf.div(tf.add(varP, tf.square(tf.sub(meanP, meanQ))), tf.mul(2, varQ)), 0.5),
    );
    return tf.sum(perDim, 1) as tf.Tensor1D;
  });
}

/**
 * The distillation memory: a ring of visited states with their task, the teacher's Gaussian there
 * and who acted (0 teacher, 1 student).
 */
class DistillMemory {
  readonly obs: Float32Array;
  readonly task: Int32Array;
  readonly mean: Float32Array;
  readonly logStd: Float32Array;
  readonly actor: Uint8Array;
  size = 0;
  next = 0;

  constructor(
    readonly capacity: number,
    readonly obsDim: number,
    readonly actDim: number,
  ) {
    this.obs = new Float32Array(capacity * obsDim);
    this.task = new Int32Array(capacity);
    this.mean = new Float32Array(capacity * actDim);
    this.logStd = new Float32Array(capacity * actDim);
    this.actor = new Uint8Array(capacity);
  }

  add(obs: Float32Array, task: number, mean: Float32Array, logStd: Float32Array, actor: number): void {
    const i = this.next;
    this.obs.set(obs, i * this.obsDim);
    this.task[i] = task;
    this.mean.set(mean, i * this.actDim);
    this.logStd.set(logStd, i * this.actDim);
    this.actor[i] = actor;
    this.next = (i + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** Arrays of the filled rows, for a checkpoint. */
  toArrays(): NamedArrays {
    const n = this.size;
    const rows = (a: Float32Array, w: number) => ({ shape: [n, w], data: a.slice(0, n * w) });
    return {
      'memory/obs': rows(this.obs, this.obsDim),
      'memory/task': { shape: [n], data: Float32Array.from(this.task.subarray(0, n)) },
      'memory/mean': rows(this.mean, this.actDim),
      'memory/log_std': rows(this.logStd, this.actDim),
      'memory/actor': { shape: [n], data: Float32Array.from(this.actor.subarray(0, n)) },
    };
  }

  /** @throws Error naming the array that is missing or does not fit. */
  load(arrays: NamedArrays, size: number, next: number): void {
    if (!(Number.isInteger(size) && size >= 0 && size <= this.capacity && next >= 0 && next < this.capacity))
      throw new Error(`distillation memory: ${size} rows do not fit its capacity ${this.capacity}`);
    const need = (key: string, length: number) => {
      const a = arrays[`memory/${key}`];
      if (!a || a.data.length !== length)
        throw new Error(`distillation memory: memory/${key} is missing or mis-shaped`);
      return a.data;
    };
    this.obs.set(need('obs', size * this.obsDim));
    this.task.set(need('task', size));
    this.mean.set(need('mean', size * this.actDim));
    this.logStd.set(need('log_std', size * this.actDim));
    this.actor.set(need('actor', size));
    this.size = size;
    this.next = next;
  }
}

/** Multi-task policy distillation; see the file comment. */
export class Distill {
  readonly envs: readonly MultiTaskEnv[];
  readonly teachers: readonly Teacher[];
  readonly numTasks: number;
  readonly obsDim: number;
  readonly actDim: number;
  readonly options: Readonly<DistillOptions>;
  private readonly studentNet: MLP;
  /** The student as a frozen view, for acting: input [s, one-hot t]. */
  private readonly student: FrozenPolicy;
  private readonly opt: Adam;
  private readonly memory: DistillMemory;
  private readonly envRng: Rng;
  private readonly actionRng: Rng;
  private readonly sampleRng: Rng;
  private envStepsDone = 0;
  private iterations = 0;

  /**
   * Builds the envs (task k = teacher k's goal) and the student; the teachers become the algorithm's
   * (disposed with it).
   * @throws Error when an option is out of range (naming it), the teachers' action sizes differ from
   *   the env's, or the envs differ; the envs made so far are closed.
   */
  static async create(
    factory: (index: number) => MultiTaskEnv | Promise<MultiTaskEnv>,
    teachers: readonly Teacher[],
    options: DistillOptions,
  ): Promise<Distill> {
    checkOptions(options, teachers);
    return withEnvs(factory, options.numEnvs, (envs) => new Distill(envs, teachers, options));
  }

  private constructor(envs: MultiTaskEnv[], teachers: readonly Teacher[], opts: DistillOptions) {
    checkSameEnvs('distillation', envs, 'its spaces or tasks', (e) => [e.family.numTasks]);
    this.envs = envs;
    this.teachers = teachers;
    this.numTasks = envs[0].family.numTasks;
    this.obsDim = envs[0].observationSpace.shape[0];
    this.actDim = envs[0].actionSpace.shape[0];
    if (this.numTasks !== teachers.length)
      throw new Error(`distillation: ${teachers.length} teachers for ${this.numTasks} tasks`);
    for (const t of teachers)
      if (t.policy.actDim !== this.actDim || t.policy.input.obsDim !== this.obsDim)
        throw new Error(`distillation: teacher ${t.run} acts on another observation or action size`);
    this.options = Object.freeze({ ...opts, hidden: [...opts.hidden] });
    const seeds = new Rng(opts.seed);
    const input = new PolicyInput(this.obsDim, [], this.numTasks);
    this.studentNet = new MLP({
      name: 'student',
      inputDim: input.dim,
      hiddenSizes: opts.hidden,
      outputDim: 2 * this.actDim,
      seed: seeds.nextUint32(),
    });
    this.student = FrozenPolicy.over(this.studentNet, input, this.actDim);
    this.opt = makeAdam(opts.lr);
    this.memory = new DistillMemory(opts.memoryCapacity, this.obsDim, this.actDim);
    this.envRng = seeds.fork();
    this.actionRng = seeds.fork();
    this.sampleRng = seeds.fork();
  }

  get envSteps(): number {
    return this.envStepsDone;
  }

  get iteration(): number {
    return this.iterations;
  }

  /** One-hot rows [B, K] of task ids. */
  private oneHot(tasks: ArrayLike<number>): Float32Array {
    const out = new Float32Array(tasks.length * this.numTasks);
    for (let b = 0; b < tasks.length; b++) out[b * this.numTasks + tasks[b]] = 1;
    return out;
  }

  /** The student's mean actions tanh(μ_S): observations [B, obsDim], tasks [B] → [B, actDim]. */
  actDeterministic(obs: Float32Array, tasks: ArrayLike<number>): Float32Array {
    return this.student.act(obs, this.oneHot(tasks), 'mean');
  }

  /** Each row's teacher (by its task): its Gaussian [B, actDim] ×2 and its mean action tanh(μ_T). */
  private teacherRows(obs: Float32Array, tasks: ArrayLike<number>) {
    const B = tasks.length;
    const a = this.actDim;
    const mean = new Float32Array(B * a);
    const logStd = new Float32Array(B * a);
    for (let k = 0; k < this.numTasks; k++) {
      const rows = Array.from({ length: B }, (_, b) => b).filter((b) => tasks[b] === k);
      if (rows.length === 0) continue;
      const x = new Float32Array(rows.length * this.obsDim);
      rows.forEach((b, r) => x.set(obs.subarray(b * this.obsDim, (b + 1) * this.obsDim), r * this.obsDim));
      const d = this.teachers[k].policy.distribution(x, new Float32Array(0));
      rows.forEach((b, r) => {
        mean.set(d.mean.subarray(r * a, (r + 1) * a), b * a);
        logStd.set(d.logStd.subarray(r * a, (r + 1) * a), b * a);
      });
    }
    return { mean, logStd };
  }

  /** The teachers' mean actions tanh(μ_T) on their own tasks. */
  teacherActDeterministic(obs: Float32Array, tasks: ArrayLike<number>): Float32Array {
    return this.teacherRows(obs, tasks).mean.map(Math.tanh);
  }

  /**
   * One iteration: `episodesPerTask` episodes of every task (student or teacher acting, see the file
   * comment) into the memory, then `updates` minibatch steps of the student, then its mean action
   * rolled out once per task and env.
   * @returns metrics: success_rate (the student's mean action, mean over tasks), success_task<k>,
   *   distill_loss (mean over the steps), kl (mean KL(teacher ‖ student) of the batches),
   *   student_episodes / teacher_episodes and their success shares (student_success,
   *   teacher_success: acting as collected, absent without such episodes), episode_return (all
   *   collected episodes), memory_size.
   */
  async iterate(abortPoint?: AbortPoint): Promise<Metrics> {
    const K = this.numTasks;
    const n = this.envs.length;
    const a = this.actDim;
    const rounds = Math.ceil((this.options.episodesPerTask * K) / n);
    const tasks = new Int32Array(n);
    const studentActs = new Uint8Array(n);
    const actors: number[] = [];
    let nextTask = 0;
    let stash = { mean: new Float32Array(n * a), logStd: new Float32Array(n * a) };
    const collected = lockstepEpisodes(this.envs, rounds, {
      reset: (i) => {
        tasks[i] = nextTask++ % K;
        studentActs[i] = this.envRng.uniform() < this.options.studentShare ? 1 : 0;
        actors.push(studentActs[i]);
        return this.envs[i].reset({ task: tasks[i], seed: this.envRng.nextUint32() }).obs;
      },
      choose: (obs) => {
        stash = this.teacherRows(obs, tasks);
        const eps = this.actionRng.fillNormal(new Float32Array(n * a));
        const student = this.student.distribution(obs, this.oneHot(tasks));
        const out = new Float32Array(n * a);
        for (let i = 0; i < n; i++)
          for (let j = i * a; j < (i + 1) * a; j++) {
            const d = studentActs[i] ? student : stash;
            const noise = studentActs[i] || this.options.teacherActions === 'sample' ? eps[j] : 0;
            out[j] = Math.tanh(d.mean[j] + Math.exp(d.logStd[j]) * noise);
          }
        return out;
      },
      step: (i, tr) =>
        this.memory.add(
          tr.observation,
          tasks[i],
          stash.mean.subarray(i * a, (i + 1) * a),
          stash.logStd.subarray(i * a, (i + 1) * a),
          studentActs[i],
        ),
      abortPoint,
    });
    const losses = this.learn(abortPoint);
    this.envStepsDone += collected.steps;
    this.iterations += 1;

    const own = evaluateTasks(this.envs, 1, this.envRng.nextUint32(), (obs, t) =>
      this.actDeterministic(obs, t),
    );
    const by = (actor: number) => collected.episodes.filter((_, e) => actors[e] === actor);
    const metrics: Metrics = {
      success_rate: own.success_rate,
      ...losses,
      student_episodes: by(1).length,
      teacher_episodes: by(0).length,
      episode_return: collected.episodes.reduce((s, e) => s + e.ret, 0) / collected.episodes.length,
      memory_size: this.memory.size,
    };
    own.task_success.forEach((s, k) => (metrics[`success_task${k}`] = s));
    // Success as collected, by who acted; absent in an iteration without such episodes (as the
    // per-task figures of multi-task SAC), so a curve has a gap there instead of a false zero.
    for (const [key, actor] of [
      ['student_success', 1],
      ['teacher_success', 0],
    ] as const) {
      const eps = by(actor);
      if (eps.length > 0) metrics[key] = eps.filter((e) => e.success).length / eps.length;
    }
    return metrics;
  }

  /** `updates` minibatch steps of the student on the memory. */
  private learn(abortPoint?: AbortPoint): Metrics {
    const { batchSize: B, updates } = this.options;
    const a = this.actDim;
    const width = this.obsDim + this.numTasks;
    let lossSum = 0;
    let klSum = 0;
    for (let u = 0; u < updates; u++) {
      abortPoint?.();
      const obs = new Float32Array(B * this.obsDim);
      const tasks = new Int32Array(B);
      const mean = new Float32Array(B * a);
      const logStd = new Float32Array(B * a);
      for (let b = 0; b < B; b++) {
        const i = this.sampleRng.int(this.memory.size);
        obs.set(this.memory.obs.subarray(i * this.obsDim, (i + 1) * this.obsDim), b * this.obsDim);
        tasks[b] = this.memory.task[i];
        mean.set(this.memory.mean.subarray(i * a, (i + 1) * a), b * a);
        logStd.set(this.memory.logStd.subarray(i * a, (i + 1) * a), b * a);
      }
      const input = this.student.input.build(obs, this.oneHot(tasks));
      // Kept out of the optimizer's tidy scope to report it; disposed below.
      let kl: tf.Scalar | null = null;
      const stats = tf.tidy(() => {
        const x = tf.tensor2d(input, [B, width]);
        const muT = tf.tensor2d(mean, [B, a]);
        const lsT = tf.tensor2d(logStd, [B, a]);
        const loss = this.opt.minimize(
          () => {
            const out = this.studentNet.apply(x);
            const muS = tf.slice(out, [0, 0], [-1, a]) as tf.Tensor2D;
            const lsS = tf.clipByValue(
              tf.slice(out, [0, a], [-1, a]),
              LOG_STD_MIN,
              LOG_STD_MAX,
            ) as tf.Tensor2D;
            kl = tf.keep(tf.mean(diagonalGaussianKl(muT, lsT, muS, lsS)));
            return this.options.loss === 'kl'
              ? kl
              : (tf.mean(tf.sum(tf.square(tf.sub(muS, muT)), 1)) as tf.Scalar);
          },
          true,
          this.studentNet.variables,
        )!;
        return tf.stack([loss, kl!]);
      });
      const [l, k] = stats.dataSync();
      tf.dispose([stats, kl!]);
      lossSum += l;
      klSum += k;
    }
    return { distill_loss: lossSum / updates, kl: klSum / updates };
  }

  /**
   * The student's and every teacher's mean action, `episodesPerTask` rounds of all envs per task on
   * the same resets (both from `seed`).
   */
  evaluate(episodesPerTask: number, seed: number): DistillEvalReport {
    const student = evaluateTasks(this.envs, episodesPerTask, seed, (obs, t) =>
      this.actDeterministic(obs, t),
    );
    const teachers = evaluateTasks(this.envs, episodesPerTask, seed, (obs, t) =>
      this.teacherActDeterministic(obs, t),
    );
    return {
      ...student,
      teacher_success: teachers.task_success,
      teacher_success_rate: teachers.success_rate,
    };
  }

  /**
   * Everything needed to continue bit-exactly: the student (`student/…`) with its Adam state, the
   * memory's filled rows (`memory/…`), and in `meta` the counters, generators, memory cursor and the
   * teachers' runs.
   */
  async saveState(): Promise<AlgorithmState> {
    return {
      arrays: {
        ...(await saveTrainable('student', namedParams(this.studentNet), this.opt)),
        ...this.memory.toArrays(),
      },
      meta: {
        algo: 'distill',
        envSteps: this.envStepsDone,
        iteration: this.iterations,
        envRng: this.envRng.getState(),
        actionRng: this.actionRng.getState(),
        sampleRng: this.sampleRng.getState(),
        memory: { size: this.memory.size, next: this.memory.next },
        teachers: this.teachers.map((t) => t.run),
      },
    };
  }

  /**
   * Restores {@link saveState} into an instance built with the same options, envs and teachers.
   * @throws Error naming the part that is missing or does not fit.
   */
  async loadState(state: AlgorithmState): Promise<void> {
    const m = state.meta as {
      algo?: string;
      envSteps: number;
      iteration: number;
      envRng: number[];
      actionRng: number[];
      sampleRng: number[];
      memory: { size: number; next: number };
      teachers: string[];
    };
    if (m?.algo !== 'distill')
      throw new Error(`distillation: the checkpoint is not a distill state (${m?.algo})`);
    const mine = this.teachers.map((t) => t.run);
    if (JSON.stringify(m.teachers) !== JSON.stringify(mine))
      throw new Error(
        `distillation: the checkpoint was distilled from ${m.teachers?.join(', ')}, this run's teachers are ${mine.join(', ')}`,
      );
    await loadTrainable(
      'student',
      state.arrays,
      namedParams(this.studentNet),
      this.opt,
      'distillation student',
    );
    this.memory.load(state.arrays, m.memory.size, m.memory.next);
    this.envRng.setState(m.envRng);
    this.actionRng.setState(m.actionRng);
    this.sampleRng.setState(m.sampleRng);
    this.envStepsDone = m.envSteps;
    this.iterations = m.iteration;
  }

  dispose(): void {
    this.studentNet.dispose();
    this.opt.dispose();
    for (const t of this.teachers) t.policy.dispose();
    for (const e of this.envs) e.close();
  }
}

/**
 * Checks the options' ranges (the config schema checks them too; this guards direct use).
 * @throws Error naming the first option out of range.
 */
function checkOptions(o: DistillOptions, teachers: readonly Teacher[]): void {
  const fail = (name: keyof DistillOptions, rule: string) => {
    throw new Error(`distillation: ${name} must be ${rule}, got ${JSON.stringify(o[name])}`);
  };
  for (const name of ['numEnvs', 'episodesPerTask', 'batchSize', 'updates', 'memoryCapacity'] as const)
    if (!Number.isInteger(o[name]) || o[name] < 1) fail(name, 'a positive integer');
  if (!(o.studentShare >= 0 && o.studentShare <= 1)) fail('studentShare', 'in [0, 1]');
  if (!(o.lr > 0 && Number.isFinite(o.lr))) fail('lr', 'a positive number');
  if (teachers.length === 0) throw new Error('distillation: no teachers');
}

/** A `distill` run: {@link Distill} on the point mass with its pinned teachers, from a run config. */
export class DistillAlgorithm extends EpisodeRun<Distill> implements GoalEvaluable {
  private constructor(config: RunConfig, inner: Distill) {
    super(config, inner);
  }

  /**
   * Builds the envs (task k = teacher k's goal, the point mass's goal reward and success radius) and
   * the student.
   * @param teachers from runs/teacher_pin.ts, in the order of `distill.teachers`; owned from here on
   */
  static async create(config: RunConfig, teachers: readonly Teacher[]): Promise<DistillAlgorithm> {
    const d = config.distill;
    const inner = await Distill.create(
      (i) =>
        createMultiGoalPointEnv({
          goals: teachers.map((t) => t.goal),
          reward: 'dense',
          threshold: POINT_MASS_SUCCESS_RADIUS,
          maxEpisodeSteps: config.episodeSteps ?? undefined,
          seed: config.seed * 1000 + i,
        }),
      teachers,
      {
        seed: config.seed,
        numEnvs: config.numEnvs,
        episodesPerTask: d.episodesPerTask,
        studentShare: d.studentShare,
        teacherActions: d.teacherActions,
        loss: d.loss,
        hidden: d.hidden,
        lr: d.lr,
        batchSize: d.batchSize,
        updates: d.updates,
        memoryCapacity: d.memoryCapacity,
      },
    );
    return new DistillAlgorithm(config, inner);
  }

  /** The student's mean actions for observations [B, obsDim] and task ids [B]. */
  actDeterministic(obs: Float32Array, tasks: Float32Array): Float32Array {
    return this.inner.actDeterministic(obs, tasks);
  }

  /** Student and teachers per task, `evalEpisodesPerTask` rounds per task, and the teachers' runs. */
  evaluateGoals(): DistillEvalReport & { teachers: string[] } {
    return {
      ...this.inner.evaluate(this.config.distill.evalEpisodesPerTask, 1_000_003 + this.config.seed),
      teachers: this.inner.teachers.map((t) => t.run),
    };
  }
}
