import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  // Renderer component tests mount Vue SFCs.
  plugins: [vue()],
  test: {
    include: ['main/**/*.test.ts', 'native/**/*.test.ts', 'renderer/**/*.test.ts'],
    // Learning tests train real agents on 2 cores: give them room, and run files one at a time
    // so two trainings never fight for the same core.
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
    // CI also writes a JSON summary, which .ci/run adds up with the e2e suite's into one line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.tmp/vitest.json' }]] : ['default'],
  },
});
