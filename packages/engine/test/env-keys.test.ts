/**
 * `WEFT_API_KEYS` has one parser (`parseApiKeys`), which the CLI, the server and the library all
 * use: its rules for blanks, whitespace, bad and repeated entries.
 */
import { describe, expect, it } from 'vitest';
import { parseApiKeys, WeftError } from '../src/index.js';

function failure(spec: string): WeftError {
  try {
    parseApiKeys(spec);
  } catch (e) {
    if (WeftError.is(e)) return e;
    throw e;
  }
  throw new Error(`expected ${spec} to be refused`);
}

describe('parseApiKeys', () => {
  it('ignores blank entries and whitespace around entries, tenants and keys', () => {
    expect(parseApiKeys(' ,acme : k-1 ,\n\tglobex:k:2 ,, ')).toEqual([
      { tenant: 'acme', key: 'k-1' },
      { tenant: 'globex', key: 'k:2' },
    ]);
    expect(parseApiKeys(' , ')).toEqual([]);
  });

  it('names a bad entry by its position, blank entries counted, and never quotes the key', () => {
    const e = failure('acme:key-1,, nope-SECRET');
    expect(e.code).toBe('invalid_config');
    expect(e.message).toMatch(/^WEFT_API_KEYS entry 3: no `:` between tenant and key/);
    expect(e.message).not.toContain('SECRET');
    expect(failure('acme:has inner-SECRET').message).not.toContain('SECRET');
  });

  it('refuses a key given twice, even to another tenant', () => {
    const e = failure('acme:same-SECRET,globex: same-SECRET');
    expect(e.message).toMatch(/entry 2: the key repeats the key of an earlier entry/);
    expect(e.message).not.toContain('SECRET');
  });
});
