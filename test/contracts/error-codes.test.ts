/**
 * The error-code table declares every code the sources raise, compare or answer with, and says
 * for each what the API, the CLI and the retry policy do with it.
 */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode, type ErrorCodeSpec } from '@weft/core';
import { findAll, packageSources } from './sources.js';

const files = packageSources();
/** Weft's codes are lower snake case; upper-case ones (`ENOTFOUND`) are the system's. */
const WEFT_CODE = /^[a-z][a-z0-9_]*$/;

describe('error codes', () => {
  it('declares every code the sources use', () => {
    const used = [
      ...findAll(files, /new WeftError\(\s*'([^']+)'/g),
      ...findAll(files, /\bcode:\s*'([^']+)'/g),
      // Not `typeof e.code === 'string'`: a type, not a code.
      ...findAll(files, /(?<!typeof\s+)\b(?:e|err|error)\.code\s*[!=]==\s*'([^']+)'/g),
      ...findAll(files, /ApiError\.of\(\s*'([^']+)'/g),
      ...findAll(files, /new ApiError\(\s*\d+,\s*'([^']+)'/g),
    ].filter((u) => WEFT_CODE.test(u.value));
    expect(used.length).toBeGreaterThan(50);
    const undeclared = used
      .filter((u) => !isErrorCode(u.value))
      .map((u) => `${u.where} ${u.value}`);
    expect(undeclared).toEqual([]);
  });

  it('answers each code with the status of the table wherever a status is written by hand', () => {
    const written = findAll(files, /new ApiError\(\s*(\d+),\s*'([^']+)'/g);
    expect(written.length).toBeGreaterThan(5);
    const wrong = written
      .filter((w) => {
        const code = w.groups[1] ?? '';
        return !isErrorCode(code) || ERROR_CODES[code].status !== Number(w.groups[0]);
      })
      .map((w) => `${w.where} ${w.groups[0]} ${w.groups[1]}`);
    expect(wrong).toEqual([]);
  });

  it('gives every code a status, an exit code, a retryability and a level', () => {
    const statuses = new Set([400, 401, 404, 409, 413, 415, 422, 429, 500, 503]);
    for (const [code, spec] of Object.entries(ERROR_CODES) as [string, ErrorCodeSpec][]) {
      expect(WEFT_CODE.test(code), code).toBe(true);
      expect(statuses.has(spec.status), `${code} status`).toBe(true);
      expect([1, 2], `${code} exit`).toContain(spec.exit);
      expect(typeof spec.retryable, `${code} retryable`).toBe('boolean');
      expect(['user', 'operational', 'unexpected'], `${code} level`).toContain(spec.level);
    }
  });

  it('answers invalid definitions and inputs with 422 and exit 2, as SPEC sections 8 and 9 say', () => {
    for (const code of ['invalid_definition', 'invalid_input', 'invalid_answer'] as const) {
      expect(ERROR_CODES[code]).toMatchObject({ status: 422, exit: 2 });
    }
    expect(ERROR_CODES.not_found.status).toBe(404);
    expect(ERROR_CODES.unauthorized.status).toBe(401);
    expect(ERROR_CODES.invalid_state.status).toBe(409);
    expect(ERROR_CODES.rate_limited.status).toBe(429);
  });
});
