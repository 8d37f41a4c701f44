import { describe, it, expect } from 'vitest';
import { createEnv } from './envs.ts';
import { VecEnv } from './vec_env.ts';

/** A deterministic action sequence: step i, joint j. */
const action = (i: number, n: number) => Array.from({ length: n }, (_, j) => Math.sin(1.3 * i + j));

describe('env state: an episode continues bit-exactly in another instance', () => {
  it.each(['ant', 'point-mass', 'half-cheetah'] as const)(
    '%s: mid-episode, through the episode end and the next unseeded reset',
    async (name) => {
      const a = await createEnv(name, { maxEpisodeSteps: 40 });
      const b = await createEnv(name, { maxEpisodeSteps: 40 });
      const n = a.actionSpace.shape[0];
      a.reset({ seed: 5 });
      for (let i = 0; i < 23; i++) a.step(action(i, n));
      b.setState(JSON.parse(JSON.stringify(a.getState())));
      expect(b.elapsedSteps).toBe(23);
      for (let i = 0; i < 100; i++) {
        const ra = a.step(action(100 + i, n));
        const rb = b.step(action(100 + i, n));
        expect(rb).toEqual(ra);
        expect(Array.from(b.qpos())).toEqual(Array.from(a.qpos()));
        if (ra.truncated) {
          // Unseeded: the reset noise continues the restored generator.
          expect(b.reset().obs).toEqual(a.reset().obs);
        }
      }
      a.close();
      b.close();
    },
  );

  it('refuses a state of another env, and a VecEnv of another size; a fresh env before reset round-trips', async () => {
    const ant = await createEnv('ant');
    const mass = await createEnv('point-mass');
    ant.reset({ seed: 1 });
    expect(() => mass.setState(ant.getState())).toThrow(
      /point-mass env state physics: \d+ bytes, expected \d+/,
    );
    expect(() => mass.setState({ ...mass.getState(), elapsedSteps: -1 })).toThrow(/elapsedSteps/);
    const fresh = await createEnv('point-mass');
    mass.setState(fresh.getState());
    expect(() => mass.step([0, 0])).toThrow(/before reset/);
    const two = await VecEnv.create('point-mass', 2);
    const three = await VecEnv.create('point-mass', 3);
    two.reset(3);
    expect(() => three.setState(two.getState())).toThrow(/holds 2 envs, expected 3/);
    for (const e of [ant, mass, fresh]) e.close();
    two.close();
    three.close();
  });
});
