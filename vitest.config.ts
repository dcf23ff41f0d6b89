import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    // Commands run in-process through @oclif/test; their output must reach its capture, not vitest's.
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Synthesis is CPU-heavy: two workers match the two cores CI has.
    pool: 'forks',
    maxWorkers: 2,
  },
})
