/**
 * The learning curves drawn per algorithm, in order — in the comparison figures and in the app's
 * compare view alike. Pure data: the renderer reaches it through main/api/presentation.ts.
 */
export const LEARNING_CURVES: Readonly<Record<string, ReadonlyArray<{ key: string; title: string }>>> = {
  diayn: [
    { key: 'intrinsic_reward', title: 'intrinsic reward (nats)' },
    { key: 'discriminator_accuracy', title: 'discriminator accuracy' },
    { key: 'alpha', title: 'SAC α' },
  ],
  dads: [
    { key: 'intrinsic_reward', title: 'intrinsic reward (nats)' },
    { key: 'skill_dynamics_loglik', title: 'skill-dynamics log q' },
    { key: 'alpha', title: 'SAC α' },
  ],
  sac: [
    { key: 'episode_return', title: 'episode return' },
    { key: 'success_rate', title: 'success rate' },
    { key: 'alpha', title: 'SAC α' },
  ],
  'goal-sac': [
    { key: 'success_rate', title: 'success rate' },
    { key: 'episode_return', title: 'episode return' },
    { key: 'relabel_share', title: 'share relabeled' },
    { key: 'alpha', title: 'SAC α' },
  ],
};
