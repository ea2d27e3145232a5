/**
 * `weft worker`'s command line, refused before any database is opened: each mistake is one line
 * on stderr and exit 2, and the URL's password is never printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concurrencyFrom, DEFAULT_CONCURRENCY } from '../../src/cli/worker-options.js';
import {
  expectExit,
  requireBuild,
  sandbox,
  weft,
  type CliResult,
  type Sandbox,
} from './harness.js';

let box: Sandbox;
beforeAll(() => {
  requireBuild();
  box = sandbox();
});
afterAll(() => box.remove());

/** Nothing listens on port 1: a command that got as far as connecting would exit 1, not 2. */
const NOWHERE = 'postgres://weft:hunter2@127.0.0.1:1/weft';

/** `weft worker ARGS`, with no WEFT_POSTGRES_URL unless given. */
const worker = (args: string[], env: Record<string, string> = {}) =>
  weft(['worker', ...args], {
    cwd: box.dir,
    env: { WEFT_POSTGRES_URL: '', ...env },
    timeoutMs: 20_000,
  });

function expectOneLine(r: CliResult, code: number, message: RegExp): void {
  expectExit(r, code);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toContain('hunter2');
  expect(r.stdout).toBe('');
}

describe('concurrencyFrom', () => {
  it('takes a whole number of runs, 1 or more, and defaults to 64', () => {
    expect(concurrencyFrom(undefined)).toBe(DEFAULT_CONCURRENCY);
    expect(DEFAULT_CONCURRENCY).toBe(64);
    expect(concurrencyFrom('1')).toBe(1);
    expect(concurrencyFrom(' 16 ')).toBe(16);
    for (const bad of ['0', '-1', '2.5', 'many', '', '1e3', '0x10', '99999999999999999999']) {
      expect(() => concurrencyFrom(bad), bad).toThrow(
        `--concurrency must be a whole number of runs, 1 or more, not "${bad}"`,
      );
    }
  });
});

describe.concurrent('weft worker: refused before anything is opened', () => {
  it.each(['0', '-3', '2.5', 'lots'])('--concurrency %s: one line, exit 2', async (n) => {
    const r = await worker(['--postgres', NOWHERE, `--concurrency=${n}`]);
    expectOneLine(r, 2, /^--concurrency must be a whole number of runs, 1 or more, not "/);
  });

  it('without a database, says how one is given, exit 2', async () => {
    const r = await worker([]);
    expectOneLine(
      r,
      2,
      /^weft worker needs the database the workers share: --db PATH \(a SQLite file on this machine\), or --postgres URL or WEFT_POSTGRES_URL\n$/,
    );
  });

  it('refuses --db beside --postgres, and a :memory: database, exit 2', async () => {
    expectOneLine(
      await worker(['--db', box.db, '--postgres', NOWHERE]),
      2,
      /^give --db PATH or --postgres URL, not both\n$/,
    );
    expectOneLine(
      await worker(['--db', ':memory:']),
      2,
      /^weft worker --db needs a file: a :memory: database is one process’s\n$/,
    );
  });

  it('refuses a URL that is not PostgreSQL’s, from the flag or the variable, exit 2', async () => {
    expectOneLine(
      await worker(['--postgres', 'mysql://weft:hunter2@h/db']),
      2,
      /^--postgres must be a PostgreSQL URL like postgres:\/\//,
    );
    expectOneLine(
      await worker([], { WEFT_POSTGRES_URL: 'mysql://weft:hunter2@h/db' }),
      2,
      /^WEFT_POSTGRES_URL must be a PostgreSQL URL/,
    );
  });

  it('refuses options of other commands and stray arguments, exit 2', async () => {
    expectOneLine(
      await worker(['--postgres', NOWHERE, '--port', '8080']),
      2,
      /^unknown option --port for weft worker; its options: --postgres, --concurrency, --db, --help/,
    );
    expectOneLine(
      await worker(['--postgres', NOWHERE, 'now']),
      2,
      /^weft worker: unexpected argument "now"\n$/,
    );
    expectOneLine(await worker(['--concurrency']), 2, /^--concurrency needs a value/);
  });

  it('has its own help: weft help worker and weft worker --help', async () => {
    const viaHelp = await weft(['help', 'worker'], { cwd: box.dir });
    expectExit(viaHelp, 0);
    expect(viaHelp.stdout).toMatch(
      /^weft worker \(--postgres URL \| --db PATH\) \[--concurrency N\]/,
    );
    expect(viaHelp.stdout).toMatch(/--db PATH +a SQLite file the processes of this machine share/);
    expect(viaHelp.stdout).toMatch(/--concurrency N +runs carried at once, at most \(default 64\)/);
    expect(viaHelp.stdout).toMatch(/Examples:\n {2}weft worker /);
    expect((await worker(['--help'])).stdout).toBe(viaHelp.stdout);
    const overview = await weft(['help'], { cwd: box.dir });
    expect(overview.stdout).toMatch(
      /^ {2}weft worker \(--postgres URL \| --db PATH\) \[--concurrency N\]$/m,
    );
  });
});
