import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['main/**/*.test.ts', 'native/**/*.test.ts', 'renderer/**/*.test.ts'],
    // Learning tests train real agents on 2 cores: give them room, and run files one at a time
    // so two trainings never fight for the same core.
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
