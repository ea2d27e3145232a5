// @ts-check
/**
 * Which workspace packages each package may import: the layers of docs/architecture.md. ESLint
 * (`no-restricted-imports`) and test/architecture.test.ts both read this table, so a package that
 * imports across a boundary fails lint and the tests.
 *
 * @type {Record<string, readonly string[]>}
 */
export const ALLOWED_IMPORTS = {
  core: [],
  // The code sandbox stands apart: its child processes load nothing of Weft but itself.
  sandbox: [],
  nodes: ['core', 'sandbox'],
  'store-sqlite': ['core'],
  'store-postgres': ['core'],
  client: ['core'],
  // Serverless Workflow documents -> Weft definitions: pure but for reading its shipped schema.
  'serverless-workflow': ['core'],
  engine: ['core', 'nodes', 'store-sqlite', 'store-postgres', 'serverless-workflow'],
  server: ['core'],
  // Pure translation between Weft definitions and other formats; the CLI writes the files.
  importers: ['core'],
  weft: [
    'core',
    'nodes',
    'store-sqlite',
    'store-postgres',
    'serverless-workflow',
    'client',
    'engine',
    'server',
    'importers',
  ],
  // The web console runs in the browser and reaches Weft only through the HTTP API.
  console: [],
};

/** Node modules that do I/O: the pure core imports none of them. */
export const IO_MODULES = [
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'http2',
  'child_process',
  'dgram',
  'dns',
  'tls',
  'worker_threads',
  'cluster',
];
