import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, entry = 'index') =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url));

// Tests import workspace packages from source so that a test run never depends on a stale build.
export default defineConfig({
  resolve: {
    // A key also matches its subpaths: the subpath exports come before their package.
    alias: {
      '@weft/core/plugin': src('core', 'plugin'),
      '@weft/core/ports': src('core', 'ports'),
      '@weft/core': src('core'),
      '@weft/nodes': src('nodes'),
      '@weft/store-sqlite': src('store-sqlite'),
      '@weft/engine': src('engine'),
      '@weft/server': src('server'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
  },
});
