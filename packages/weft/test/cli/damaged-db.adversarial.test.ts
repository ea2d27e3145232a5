/**
 * Issue #17 §4: a damaged database file. Each kind of damage (garbage, truncated, header
 * overwritten, pages scrambled) must stop `weft run`, `weft serve` and `weft runs list` with one
 * line naming the file and what to do, never a driver stack trace; `weft doctor` must report it.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example, requireBuild, sandbox, weft, type CliResult, type Sandbox } from './harness.js';

const PAGE = 4096;

/** Deterministic bytes: the same damage on every run of the test. */
function noise(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const DAMAGE: Record<string, (good: Buffer) => Buffer> = {
  garbage: (good) => noise(good.length, 7),
  truncated: (good) => good.subarray(0, Math.floor(good.length / PAGE / 2) * PAGE + 100),
  'header overwritten': (good) => Buffer.concat([Buffer.alloc(100), good.subarray(100)]),
  // The first page (the schema) stays readable: the damage shows only when tables are read.
  'pages scrambled': (good) =>
    Buffer.concat([good.subarray(0, PAGE), noise(good.length - PAGE, 11)]),
};

let box: Sandbox;
let good: Buffer;
beforeAll(async () => {
  requireBuild();
  box = sandbox();
  const r = await box.weft(['run', example('hello.yaml'), '--input', '{"name":"Ada"}']);
  expect(r.code).toBe(0);
  // A closed database has its WAL checkpointed: the file alone holds everything.
  good = readFileSync(box.db);
  expect(good.length).toBeGreaterThan(4 * PAGE);
});
afterAll(() => box?.remove());

/** One line on stderr naming the file and the way out, no stack trace, a failing exit. */
function expectOneLine(r: CliResult, file: string): void {
  expect(r.code).not.toBe(0);
  expect(r.code).not.toBeNull();
  const text = r.stderr.trim();
  expect(text.split('\n')).toHaveLength(1);
  expect(text).toContain(file);
  expect(text).toMatch(/^storage_corrupt: .*damaged.*restore it from a backup/);
  expect(text).toContain(`weft doctor --db ${file}`);
  expect(text).not.toMatch(/\n\s+at |SqliteError/);
}

describe.each(Object.entries(DAMAGE))('a database with %s', (kind, damage) => {
  const file = `${kind.replaceAll(' ', '-')}.db`;
  const fresh = () => {
    writeFileSync(join(box.dir, file), damage(good));
    return file;
  };
  const run = (args: string[]) => weft(args, { cwd: box.dir, timeoutMs: 20_000 });

  it('refuses weft runs list with one line', async () => {
    expectOneLine(await run(['runs', 'list', '--db', fresh()]), file);
  });

  it('refuses weft run with one line', async () => {
    expectOneLine(await run(['run', example('hello.yaml'), '--db', fresh()]), file);
  });

  it('refuses weft serve with one line, without listening', async () => {
    const r = await run(['serve', '--port', '0', '--db', fresh()]);
    expectOneLine(r, file);
    expect(r.stdout).not.toMatch(/listening/);
  });

  it('is reported by weft doctor (exit 1), which changes nothing', async () => {
    const bytes = readFileSync(join(box.dir, fresh()));
    const r = await run(['doctor', '--db', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${file}: not ok`);
    expect(r.stdout).toMatch(/malformed|not a database|corrupt/i);
    expect(readFileSync(join(box.dir, file)).equals(bytes)).toBe(true);
  });
});

describe('weft doctor on a sound database', () => {
  it('says ok and exits 0, as text and as JSON', async () => {
    copyFileSync(box.db, join(box.dir, 'copy.db'));
    const r = await weft(['doctor', '--db', 'copy.db'], { cwd: box.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^copy\.db: ok\n {2}workers: none live /);
    const j = await weft(['doctor', '--db', 'copy.db', '--json'], { cwd: box.dir });
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({
      database: 'copy.db',
      ok: true,
      problems: [],
      workers: [],
    });
  });

  it('says a missing file is missing, and does not create it', async () => {
    const r = await weft(['doctor', '--db', 'nowhere.db'], { cwd: box.dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('nowhere.db does not exist');
    expect(() => readFileSync(join(box.dir, 'nowhere.db'))).toThrow();
  });
});
