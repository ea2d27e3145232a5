import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ALLOWED_FUNCTIONS, JSONATA_FUNCTIONS } from './builtins.js';
import { compileExpression } from './index.js';

describe('builtins', () => {
  it('knows every function the installed jsonata binds', () => {
    // A jsonata upgrade that adds a builtin must be reviewed: it may read keys or run code.
    const source = readFileSync(createRequire(import.meta.url).resolve('jsonata'), 'utf8');
    const bound = [...source.matchAll(/staticFrame\.bind\('(\w+)'/g)].map((m) => m[1]);
    expect(bound.length).toBeGreaterThan(50);
    expect([...bound].sort()).toEqual([...JSONATA_FUNCTIONS].sort());
  });

  it('lets every allowed function be called', () => {
    for (const name of ALLOWED_FUNCTIONS) {
      expect(compileExpression(`$type($${name})`).evaluate({}), name).toBe('function');
    }
    expect(ALLOWED_FUNCTIONS.has('eval')).toBe(false);
  });
});
