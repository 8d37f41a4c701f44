/**
 * What SAC, DIAYN, DADS and the skill controller read from the {@link VecAgent} each holds, alike:
 * the counters, learner, envs and policy input, deterministic actions and disposal. Each algorithm
 * builds its agent (what it learns on, its skill prior, its learner) and passes it to this base; what
 * it does with it (iterate, checkpoint parts, evaluation) stays in its file.
 *
 * A module of its own, importing types only: sac.ts extends this class while vec_agent.ts imports
 * sac.ts, and a class is extended at load time.
 */
import type { VecEnv } from '../sim/vec_env.ts';
import type { StepEnvs } from './rollout.ts';
import type { SacLearner } from './sac.ts';
import type { PolicyInput } from './skills.ts';
import type { VecAgent, VecLearner } from './vec_agent.ts';

/**
 * See the file comment.
 * @typeParam V the envs stepped together; L the learner
 */
export abstract class VecAgentAlgorithm<V extends StepEnvs<any> = VecEnv, L extends VecLearner = SacLearner> {
  /** @param parts the algorithm's agent, owned from now on (freed by {@link dispose}) */
  protected constructor(protected readonly parts: VecAgent<V, L>) {}

  /** Env steps taken so far (all envs together). */
  get envSteps(): number {
    return this.parts.agent.envSteps;
  }

  /** Iterations completed so far. */
  get iteration(): number {
    return this.parts.agent.iteration;
  }

  get learner(): L {
    return this.parts.learner;
  }

  /** The envs the agent steps together. */
  get vec(): V {
    return this.parts.vec;
  }

  /** The policy input [s without the hidden coordinates, z]. */
  get input(): PolicyInput {
    return this.parts.input;
  }

  /** Deterministic (mean) actions: obs [B, obsDim], skills [B, skillDim] → [B, actDim]. */
  actDeterministic(obs: Float32Array, skills: Float32Array): Float32Array {
    return this.parts.actDeterministic(obs, skills);
  }

  /** Frees the learner and closes the envs. */
  dispose(): void {
    this.parts.dispose();
  }
}
