import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) =>
  fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Tests import workspace packages from source so that a test run never depends on a stale build.
export default defineConfig({
  resolve: {
    alias: {
      // Subpath entries first: '@weft/core' would otherwise match '@weft/core/client' as a prefix.
      '@weft/core/client': fileURLToPath(new URL('./packages/core/src/client.ts', import.meta.url)),
      '@weft/core': src('core'),
      '@weft/nodes': src('nodes'),
      '@weft/store-sqlite': src('store-sqlite'),
      '@weft/engine': src('engine'),
      '@weft/server': src('server'),
      '@weft/client': src('client'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
  },
});
