import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['workers/**/*.test.ts', 'shared/**/*.test.ts', 'tools/**/*.test.ts', 'e2e/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Every test file gets its own stream prefix and data directory, so files run in parallel safely.
    fileParallelism: true,
  },
})
