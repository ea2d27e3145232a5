/**
 * A code node's limits: its own, else the node type's, else the environment's, else SPEC's.
 */
import { describe, expect, it } from 'vitest';
import { WeftError } from '@weft/core/plugin';
import { codeLimits } from './limits.js';

const MIB = 1024 * 1024;

describe('code node limits', () => {
  it('defaults to 5 s and 64 MiB', () => {
    expect(codeLimits({}, {}, {})).toEqual({ timeoutMs: 5_000, memoryBytes: 64 * MIB });
  });

  it('takes the environment, then the node type, then the node', () => {
    const env = { WEFT_CODE_TIMEOUT_MS: '2000', WEFT_CODE_MEMORY_MB: '32' };
    expect(codeLimits({}, {}, env)).toEqual({ timeoutMs: 2_000, memoryBytes: 32 * MIB });
    expect(codeLimits({}, { timeoutMs: 300, memoryMb: 16 }, env)).toEqual({
      timeoutMs: 300,
      memoryBytes: 16 * MIB,
    });
    expect(codeLimits({ timeout_ms: 50, memory_mb: 8 }, { timeoutMs: 300 }, env)).toEqual({
      timeoutMs: 50,
      memoryBytes: 8 * MIB,
    });
  });

  it('refuses a malformed environment value, naming the variable', () => {
    for (const bad of ['0', '-1', '1.5', 'lots', '999999999']) {
      let caught: unknown;
      try {
        codeLimits({}, {}, { WEFT_CODE_TIMEOUT_MS: bad });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(WeftError);
      expect((caught as WeftError).code).toBe('invalid_config');
      expect((caught as WeftError).message).toContain('WEFT_CODE_TIMEOUT_MS');
    }
  });
});
