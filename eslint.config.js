// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { ALLOWED_IMPORTS, IO_MODULES } from './boundaries.config.js';

/** Workspace packages a package may not import: those outside its row of boundaries.config.js. */
function boundaryRules(pkg) {
  const allowed = ALLOWED_IMPORTS[pkg] ?? [];
  const forbidden = Object.keys(ALLOWED_IMPORTS)
    .filter((p) => p !== pkg && !allowed.includes(p))
    .flatMap((p) => (p === 'weft' ? ['weft', 'weft/*'] : [`@weft/${p}`, `@weft/${p}/*`]));
  const patterns = [
    {
      group: ['@weft/*/src/*', '@weft/*/dist/*'],
      message: 'import a package by its name or a declared subpath, never its files.',
    },
  ];
  if (forbidden.length > 0) {
    const may = allowed.join(', ') || 'no workspace package';
    patterns.push({
      group: forbidden,
      message: `${pkg} may import only ${may} (boundaries.config.js).`,
    });
  }
  if (pkg === 'core') {
    patterns.push(
      {
        group: ['better-sqlite3', 'pg', 'undici', 'hono', '@hono/*'],
        message: 'adapters live outside core.',
      },
      {
        group: IO_MODULES.flatMap((m) => [m, `node:${m}`]),
        message: 'core does no I/O: use a port.',
      },
    );
  }
  return {
    files: [`packages/${pkg}/src/**/*.ts`],
    ignores: [`packages/${pkg}/src/**/*.test.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
}

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      'bench/results/**',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts', 'boundaries.config.d.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      // AbortSignal reasons are passed on as they are, as the platform itself does.
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  ...Object.keys(ALLOWED_IMPORTS).map(boundaryRules),
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
