import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = fileURLToPath(new URL('./packages/', import.meta.url));

// Tests import workspace packages from source so that a test run never depends on a stale build:
// `@weft/<pkg>` is its src/index.ts and a subpath `@weft/<pkg>/<entry>` is its src/<entry>.ts.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@weft\/([a-z-]+)\/([a-z-]+)$/, replacement: `${packages}$1/src/$2.ts` },
      { find: /^@weft\/([a-z-]+)$/, replacement: `${packages}$1/src/index.ts` },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    // Most test files wait on child processes, servers and timers rather than compute: two at once
    // even on two cores (vitest's default there is one) roughly halves the run.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
