import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  // Renderer component tests mount Vue SFCs.
  plugins: [vue()],
  test: {
    include: ['main/**/*.test.ts', 'native/**/*.test.ts', 'renderer/**/*.test.ts'],
    // Learning tests train real agents: give them room. Two files at a time, each in a process of
    // its own: a training (tfjs-wasm, MuJoCo) uses one core, so on the 2-core CI machine two files
    // share the cores instead of one leaving a core idle, and results do not depend on timing
    // (every learning test is seeded).
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 2,
    pool: 'forks',
    // The learning tests were sized on wasm, the backend every machine has; a TensorFlow build
    // (skill-lab native) would otherwise take over. native/parity.test.ts checks TensorFlow against
    // wasm; `SKILL_LAB_BACKEND=tfjs-node npm test` runs the whole suite on it.
    env: { SKILL_LAB_BACKEND: process.env.SKILL_LAB_BACKEND || 'wasm' },
    // CI also writes a JSON summary, which .ci/run adds up with the e2e suite's into one line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.tmp/vitest.json' }]] : ['default'],
  },
});
