import {defineConfig} from 'vitest/config'

// The boot benchmark only (npm run bench:boot): not part of npm test.
export default defineConfig({
  test: {
    include: ['bench/boot/*.bench.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    disableConsoleIntercept: true,
    testTimeout: 3_600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    maxWorkers: 1,
  },
})
