/**
 * `--sync` / `WEFT_SYNC` and `--retention-days` / `WEFT_RETENTION_DAYS` as read, and the store a
 * local command opens with them (its `PRAGMA synchronous`, as SQLite reports it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '@weft/store-sqlite';
import { retentionDaysFrom, syncFrom } from '../../src/cli/store-options.js';
import { withTarget } from '../../src/cli/target.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-sync-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('syncFrom', () => {
  it('is FULL unless normal is asked for; the flag wins over the variable', () => {
    expect(syncFrom(undefined, {})).toBe('FULL');
    expect(syncFrom(undefined, { WEFT_SYNC: ' ' })).toBe('FULL');
    expect(syncFrom(undefined, { WEFT_SYNC: 'Normal' })).toBe('NORMAL');
    expect(syncFrom('full', { WEFT_SYNC: 'normal' })).toBe('FULL');
    expect(syncFrom('normal', {})).toBe('NORMAL');
  });

  it('names where a bad value came from, exit 2', () => {
    expect(() => syncFrom('off', {})).toThrow(/^--sync must be full .*not "off"$/);
    expect(() => syncFrom(undefined, { WEFT_SYNC: 'extra' })).toThrow(/^WEFT_SYNC must be/);
    try {
      syncFrom('x', {});
    } catch (e) {
      expect((e as { exitCode: number }).exitCode).toBe(2);
    }
  });
});

describe('retentionDaysFrom', () => {
  it('reads days above 0 from the flag or the variable', () => {
    expect(retentionDaysFrom(undefined, {})).toBeUndefined();
    expect(retentionDaysFrom('30', {})).toBe(30);
    expect(retentionDaysFrom(undefined, { WEFT_RETENTION_DAYS: '0.5' })).toBe(0.5);
    expect(() => retentionDaysFrom('0', {})).toThrow(/^--retention-days must be/);
    expect(() => retentionDaysFrom(undefined, { WEFT_RETENTION_DAYS: 'a month' })).toThrow(
      /^WEFT_RETENTION_DAYS must be/,
    );
  });
});

describe('the store a local command opens', () => {
  it('has the synchronous level asked for', async () => {
    for (const synchronous of ['NORMAL', 'FULL'] as const) {
      const db = join(dir, `${synchronous}.db`);
      const level = await withTarget({ db, synchronous }, { mode: 'run' }, async (t) => {
        const store = t.engine?.store;
        return store instanceof SqliteStore ? store.pragmas.synchronous : undefined;
      });
      expect(level).toBe(synchronous);
    }
  });
});
