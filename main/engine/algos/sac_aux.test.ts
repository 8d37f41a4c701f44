import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../native/backend.ts';
import { Rng } from '../rng.ts';
import { SacLearner, uid, type SacAuxiliaryLoss, type SacBatch } from './sac.ts';

beforeAll(async () => {
  await initBackend({ quiet: true });
});

const IN = 3;
const ACT = 2;

function learner(auxiliary?: SacAuxiliaryLoss, alphaMode: 'auto' | 'fixed' = 'auto'): SacLearner {
  return new SacLearner({
    name: `aux${uid()}`,
    inputDim: IN,
    actDim: ACT,
    hidden: [8, 8],
    lr: 3e-3,
    gamma: 0.9,
    tau: 0.05,
    rewardScale: 1.5,
    alphaMode,
    alphaInit: 0.3,
    targetEntropy: null,
    actionL2: 0.2,
    seed: 11,
    auxiliary,
  });
}

function batch(rng: Rng, B = 16): SacBatch {
  return {
    size: B,
    input: Float32Array.from({ length: B * IN }, () => rng.normal()),
    action: Float32Array.from({ length: B * ACT }, () => rng.uniformRange(-1, 1)),
    reward: Float32Array.from({ length: B }, () => rng.normal()),
    nextInput: Float32Array.from({ length: B * IN }, () => rng.normal()),
    terminated: Float32Array.from({ length: B }, () => (rng.uniform() < 0.2 ? 1 : 0)),
  };
}

/** Every variable of the learner's networks and log α, by name, as plain arrays. */
function weights(l: SacLearner): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [net, m] of Object.entries({ p: l.policy, q1: l.q1, q2: l.q2, t1: l.q1Target, t2: l.q2Target }))
    for (const [k, v] of Object.entries(m.namedVariables())) out[`${net}/${k}`] = [...v.dataSync()];
  out.log_alpha = [...l.logAlpha.dataSync()];
  return out;
}

/**
 * A latent embedding e ∈ R^IN trained through Q (the skill-embedding algorithm's way, Hausman et al.
 * 2018): the actor's auxiliary term is −w·mean min Q(s + e, tanh μ(s + e)); the critic's is
 * c·mean (Q1(s, a) − u)² with its own offset u. `w` = `c` = 0 gives a zero hook.
 */
function embeddingHook(w: number, c: number) {
  const e = tf.variable(tf.tensor1d([0.3, -0.2, 0.1]), true, `aux_e_${uid()}`);
  const u = tf.variable(tf.scalar(0.5), true, `aux_u_${uid()}`);
  const actorTerm = (input: tf.Tensor2D, l: SacLearner) => {
    const shifted = tf.add(input, e) as tf.Tensor2D;
    const mean = tf.slice(l.policy.apply(shifted), [0, 0], [-1, ACT]);
    return tf.mul(-w, tf.mean(l.minQ(shifted, tf.tanh(mean)))) as tf.Scalar;
  };
  const criticTerm = (q1: tf.Tensor1D) => tf.mul(c, tf.mean(tf.square(tf.sub(q1, u)))) as tf.Scalar;
  const hook: SacAuxiliaryLoss = {
    actor: (t, l) => actorTerm(t.input, l),
    critic: (t) => criticTerm(t.q1),
    actorVariables: { 'aux/e': e },
    criticVariables: { 'aux/u': u },
  };
  return { hook, e, u, actorTerm, criticTerm, dispose: () => tf.dispose([e, u]) };
}

/** Gradients of `f` with respect to `vars`, by variable name, as plain arrays. */
function grads(f: () => tf.Scalar, vars: tf.Variable[]): Record<string, number[]> {
  return tf.tidy(() => {
    const { grads: g } = tf.variableGrads(f, vars);
    return Object.fromEntries(Object.entries(g).map(([k, v]) => [k, [...v.dataSync()]]));
  });
}

describe('SacLearner auxiliary loss hook', () => {
  it('a zero hook leaves every update bit-identical to no hook, and its variables unchanged', () => {
    const plain = learner();
    const zero = embeddingHook(0, 0);
    const hooked = learner(zero.hook);
    const rng = new Rng(3);
    for (let i = 0; i < 25; i++) {
      const b = batch(rng);
      const a = plain.update(b);
      const { aux_actor_loss, aux_critic_loss, ...own } = hooked.update(b);
      expect(own).toEqual(a);
      expect([Math.abs(aux_actor_loss!), Math.abs(aux_critic_loss!)]).toEqual([0, 0]);
    }
    expect(weights(hooked)).toEqual(weights(plain));
    expect(hooked.rng.getState()).toEqual(plain.rng.getState());
    expect([...zero.e.dataSync()].map((v) => Math.fround(v))).toEqual([0.3, -0.2, 0.1].map(Math.fround));
    expect(zero.u.dataSync()[0]).toBe(0.5);
    plain.dispose();
    hooked.dispose();
    zero.dispose();
  });

  it('adds the term to the objective: gradients are SAC’s plus the term’s, its variables get the term’s', () => {
    const aux = embeddingHook(0.7, 0.4);
    const hooked = learner(aux.hook);
    const plain = learner(); // same seed: same networks, same generator
    const b = batch(new Rng(5));
    const criticVars = [...hooked.q1.variables, ...hooked.q2.variables, aux.u];
    const actorVars = [...hooked.policy.variables, aux.e];
    const state = hooked.rng.getState();
    const check = (
      full: Record<string, number[]>,
      sac: Record<string, number[]>,
      term: Record<string, number[]>,
    ) => {
      for (const [name, g] of Object.entries(full))
        g.forEach((v, i) => expect(v).toBeCloseTo((sac[name]?.[i] ?? 0) + (term[name]?.[i] ?? 0), 5));
      expect(Object.keys(full).sort()).toEqual(Object.keys({ ...sac, ...term }).sort());
    };
    tf.tidy(() => {
      const t = hooked.batchTensors(b);
      const y = hooked.criticTarget(t, hooked.alpha);
      hooked.rng.setState(state);
      const yPlain = plain.criticTarget(plain.batchTensors(b), plain.alpha);
      expect([...y.dataSync()]).toEqual([...yPlain.dataSync()]);
      // The plain learner's variables stand in for the hooked one's: copy names across.
      const rename = (g: Record<string, number[]>, from: tf.Variable[], to: tf.Variable[]) =>
        Object.fromEntries(
          Object.entries(g).map(([k, v]) => [to[from.findIndex((x) => x.name === k)].name, v]),
        );
      const plainCritic = [...plain.q1.variables, ...plain.q2.variables];
      const full = grads(() => hooked.criticLoss(t, y), criticVars);
      const sac = rename(
        grads(() => plain.criticLoss(t, y), plainCritic),
        plainCritic,
        criticVars,
      );
      const term = grads(
        () =>
          aux.criticTerm(tf.reshape(hooked.q1.apply(tf.concat([t.input, t.action], 1)), [-1]) as tf.Tensor1D),
        criticVars,
      );
      expect(term[aux.u.name].length).toBe(1);
      check(full, sac, term);

      const alpha = hooked.alpha;
      hooked.rng.setState(state);
      const fullActor = grads(() => hooked.actorLoss(t, alpha), actorVars);
      plain.rng.setState(state);
      const sacActor = rename(
        grads(() => plain.actorLoss(t, alpha), plain.policy.variables),
        plain.policy.variables,
        actorVars,
      );
      const termActor = grads(() => aux.actorTerm(t.input, hooked), actorVars);
      expect(termActor[aux.e.name].some((v) => v !== 0)).toBe(true);
      check(fullActor, sacActor, termActor);
    });
    // One update moves the embedding and the offset (only the terms reach them), and reports the terms.
    const stats = hooked.update(b);
    expect(Number.isFinite(stats.aux_actor_loss)).toBe(true);
    expect(stats.aux_critic_loss).toBeGreaterThan(0);
    expect([...aux.e.dataSync()]).not.toEqual([0.3, -0.2, 0.1].map(Math.fround));
    expect(aux.u.dataSync()[0]).not.toBe(0.5);
    hooked.dispose();
    plain.dispose();
    aux.dispose();
  });

  it('checkpoints the hook’s variables and their Adam state with the objective they join', async () => {
    const a = embeddingHook(0.5, 0.5);
    const la = learner(a.hook, 'fixed');
    const rng = new Rng(9);
    for (let i = 0; i < 5; i++) la.update(batch(rng));
    const saved = await la.saveState('sac');
    expect(saved.arrays['sac/actor/weights/aux/e'].shape).toEqual([3]);
    expect(saved.arrays['sac/critic/weights/aux/u'].shape).toEqual([]);
    expect(Object.keys(saved.arrays).some((k) => k.startsWith('sac/actor/opt/') && k.endsWith('aux/e'))).toBe(
      true,
    );
    const b = embeddingHook(0.5, 0.5);
    const lb = learner(b.hook, 'fixed');
    await lb.loadState('sac', saved.arrays, saved.rng);
    expect([...b.e.dataSync()]).toEqual([...a.e.dataSync()]);
    const next = batch(rng);
    expect(lb.update(next)).toEqual(la.update(next));
    expect([...b.e.dataSync()]).toEqual([...a.e.dataSync()]);
    expect(weights(lb)).toEqual(weights(la));
    for (const x of [la, lb]) x.dispose();
    a.dispose();
    b.dispose();
  });

  it('refuses hook variables not named aux/…, and leaks no tensor per update', () => {
    const e = tf.variable(tf.zeros([1]), true, `bad_${uid()}`);
    expect(() => learner({ actorVariables: { e } })).toThrow(/'e' must be named aux\//);
    e.dispose();
    const aux = embeddingHook(1, 1);
    const l = learner(aux.hook);
    const b = batch(new Rng(1));
    l.update(b);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) l.update(b);
    expect(tf.memory().numTensors).toBe(before);
    l.dispose();
    aux.dispose();
  });
});
