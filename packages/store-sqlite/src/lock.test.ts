/**
 * The process lock against real processes. A child opens the store from this package's TypeScript
 * sources through a small loader (transpile only), so the code under test is the code that runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeRun, makeWrite } from '@weft/core/testing';
import { liveLockHolder, lockHolder } from './lock.js';
import { applyMigrations } from './migrate.js';
import { MIGRATIONS } from './migrations.js';
import { openSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'weft-lock-'));
let files = 0;
const tempFile = (): string => join(dir, `db-${++files}.db`);
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOOKS = `
import { existsSync, readFileSync } from 'node:fs';
import ts from ${JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve('typescript')).href)};
const CORE = ${JSON.stringify(new URL('../../core/src/index.ts', import.meta.url).href)};
export async function resolve(specifier, context, next) {
  if (specifier === '@weft/core') return { url: CORE, shortCircuit: true };
  if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const url = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (existsSync(url)) return { url: url.href, shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const out = ts.transpileModule(readFileSync(new URL(url), 'utf8'), {
    fileName: url,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
`;
writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
writeFileSync(
  join(dir, 'register.mjs'),
  `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`,
);

/** Opens the store in the child, reports `ready` or the error, then holds it until killed. */
const CHILD = `
const { openSqliteStore } = await import(process.env.WEFT_STORE_MODULE);
try {
  const store = await openSqliteStore({ path: process.env.WEFT_DB, shared: process.env.WEFT_SHARED === '1' });
  if (process.env.WEFT_MIGRATE !== '0') await store.migrate();
  if (process.env.WEFT_URL) store.announceServer(process.env.WEFT_URL);
  console.log(JSON.stringify({ ready: true }));
  setInterval(() => {}, 60_000);
} catch (error) {
  console.log(JSON.stringify({ code: error.code, message: error.message }));
}
`;

/** Starts a process that opens `path`; resolves with its first report line. */
function openInChild(
  path: string,
  url?: string,
  shared = false,
  migrate = true,
): Promise<{ child: ChildProcess; report: Record<string, unknown> }> {
  const child = spawn(
    process.execPath,
    ['--import', pathToFileURL(join(dir, 'register.mjs')).href, '--input-type=module', '-e', CHILD],
    {
      env: {
        ...process.env,
        WEFT_DB: path,
        ...(url === undefined ? {} : { WEFT_URL: url }),
        WEFT_SHARED: shared ? '1' : '0',
        WEFT_MIGRATE: migrate ? '1' : '0',
        WEFT_STORE_MODULE: new URL('./sqlite-store.ts', import.meta.url).href,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined)
        resolve({ child, report: JSON.parse(line) as Record<string, unknown> });
    });
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) =>
      reject(new Error(`child exited (${code}) before reporting: ${err}`)),
    );
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

function holderOf(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    return lockHolder(db);
  } finally {
    db.close();
  }
}

describe('process lock', () => {
  it('refuses a second process while the holder lives and takes over after kill -9', async () => {
    const path = tempFile();
    const { child, report } = await openInChild(path);
    expect(report).toEqual({ ready: true });

    const refused = openSqliteStore({ path });
    await expect(refused).rejects.toMatchObject({ code: 'store_locked' });
    await expect(refused).rejects.toThrow(
      new RegExp(
        `^database ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by process ${child.pid} ` +
          `\\(started \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); stop it or use another --db$`,
      ),
    );

    // A reader opens alongside and leaves the holder's claim alone when it closes.
    const reader = await openSqliteStore({ path, lock: false });
    expect(await reader.listRuns({})).toEqual({ runs: [] });
    await reader.close();
    expect(holderOf(path)?.pid).toBe(child.pid);

    child.kill('SIGKILL');
    await exited(child);
    const store = await openSqliteStore({ path });
    expect(holderOf(path)).toMatchObject({ pid: process.pid, hostname: hostname() });
    await store.migrate();
    expect(store.integrityCheck()).toBe('ok');
    await store.close();
  });

  it('is refused to another process while this one holds it, and free again after close', async () => {
    const path = tempFile();
    const store = await openSqliteStore({ path });
    const { report } = await openInChild(path);
    expect(report).toMatchObject({ code: 'store_locked' });
    expect(String(report['message'])).toContain(`in use by process ${process.pid} `);

    await store.close();
    expect(holderOf(path)).toBeUndefined();
    const second = await openInChild(path);
    expect(second.report).toEqual({ ready: true });
  });

  it('takes over a claim recorded on another host', async () => {
    const path = tempFile();
    await (await openSqliteStore({ path })).close();
    const raw = new Database(path);
    // process.ppid is alive here, but on "another host" its pid means nothing to us.
    raw
      .prepare(
        'INSERT INTO weft_process_lock (id, pid, hostname, started_at, token) VALUES (1, ?, ?, ?, ?)',
      )
      .run(process.ppid, 'elsewhere', new Date().toISOString(), 'theirs');
    raw.close();
    const store = await openSqliteStore({ path });
    expect(holderOf(path)?.hostname).toBe(hostname());
    await store.close();
  });

  it('lets a second store in the same process take the claim, which the first close keeps', async () => {
    const path = tempFile();
    const first = await openSqliteStore({ path });
    const second = await openSqliteStore({ path });
    await first.close();
    expect(holderOf(path)?.pid).toBe(process.pid);
    await second.close();
    expect(holderOf(path)).toBeUndefined();
  });

  it("records the holder's server URL, for other processes to go through it", async () => {
    const path = tempFile();
    const url = 'http://127.0.0.1:8123';
    const { child } = await openInChild(path, url);
    expect(liveLockHolder(path)).toMatchObject({ pid: child.pid, hostname: hostname(), url });
    await expect(openSqliteStore({ path })).rejects.toMatchObject({
      code: 'store_locked',
      details: { pid: child.pid, url },
    });
    child.kill('SIGKILL');
    await exited(child);
    // A holder that is gone is nobody to go through; the next claim starts without a URL.
    expect(liveLockHolder(path)).toBeUndefined();
    const store = await openSqliteStore({ path });
    expect(holderOf(path)).not.toHaveProperty('url');
    await store.close();
  });

  it('a holder without a server, or this process itself, is not reported as live', async () => {
    const path = tempFile();
    const { child } = await openInChild(path);
    expect(liveLockHolder(path)).toEqual({
      pid: child.pid,
      hostname: hostname(),
      startedAt: expect.any(String),
    });
    child.kill('SIGKILL');
    await exited(child);
    const store = await openSqliteStore({ path });
    store.announceServer('http://127.0.0.1:1');
    expect(holderOf(path)?.url).toBe('http://127.0.0.1:1');
    expect(liveLockHolder(path)).toBeUndefined();
    expect(liveLockHolder(join(dir, 'missing.db'))).toBeUndefined();
    await store.close();
  });

  it('takes no claim with lock: false', async () => {
    const path = tempFile();
    const reader = await openSqliteStore({ path, lock: false });
    expect(holderOf(path)).toBeUndefined();
    await reader.close();
  });
});

describe('shared lock', () => {
  const escaped = (path: string) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  it('lets processes share the file, and refuses to hold it alone until every one is gone', async () => {
    const path = tempFile();
    const first = await openInChild(path, undefined, true);
    const second = await openInChild(path, undefined, true);
    expect([first.report, second.report]).toEqual([{ ready: true }, { ready: true }]);
    // This process shares it too, beside them.
    const here = await openSqliteStore({ path, shared: true });
    await here.migrate();
    expect(here.cluster).toBeDefined();
    await here.close();

    const alone = openSqliteStore({ path });
    await expect(alone).rejects.toMatchObject({ code: 'store_locked' });
    await expect(alone).rejects.toThrow(
      new RegExp(
        `^database ${escaped(path)} is in use by process (${first.child.pid}|${second.child.pid}) ` +
          `\\(started [^)]+\\), shared with other processes; stop it or use another --db$`,
      ),
    );
    first.child.kill('SIGKILL');
    await exited(first.child);
    await expect(openSqliteStore({ path })).rejects.toThrow(`process ${second.child.pid} `);
    second.child.kill('SIGKILL');
    await exited(second.child);
    // The gone processes' shares are cleared on the way.
    const store = await openSqliteStore({ path });
    expect(store.cluster).toBeUndefined();
    expect(holderOf(path)?.pid).toBe(process.pid);
    await store.close();
  });

  it('is refused while a process holds the file alone, and free once it is gone', async () => {
    const path = tempFile();
    const { child, report } = await openInChild(path);
    expect(report).toEqual({ ready: true });
    await expect(openSqliteStore({ path, shared: true })).rejects.toThrow(
      `database ${path} is in use by process ${child.pid} `,
    );
    const refused = await openInChild(path, undefined, true);
    expect(refused.report).toMatchObject({ code: 'store_locked' });
    expect(String(refused.report['message'])).toContain('), alone; stop it');
    child.kill('SIGKILL');
    await exited(child);
    const shared = await openSqliteStore({ path, shared: true });
    await shared.close();
  });

  it('refuses to migrate a schema other processes share, and leaves it as it was', async () => {
    const path = tempFile();
    const old = new Database(path);
    applyMigrations(old, path, MIGRATIONS.slice(0, -1));
    old.close();
    const { report } = await openInChild(path, undefined, true, false);
    expect(report).toEqual({ ready: true });
    const newer = await openSqliteStore({ path, shared: true });
    const last = MIGRATIONS.at(-1)!.name;
    await expect(newer.migrate()).rejects.toMatchObject({
      code: 'store_locked',
      message: `database ${path} is in use by processes of an older Weft (its schema lacks ${last}): stop them, then start this version`,
    });
    await newer.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(
      MIGRATIONS.length - 1,
    );
    raw.close();
  });

  it('ends the leases of workers whose process is gone: their runs are claimable at once', async () => {
    const path = tempFile();
    const { child, report } = await openInChild(path, undefined, true);
    expect(report).toEqual({ ready: true });
    const here = await openSqliteStore({ path, shared: true });
    await here.migrate();
    const claims = here.cluster!.claims;
    // The child's worker, as an engine in it would name itself, holding a run for a minute.
    await claims.join('child', 60_000, { version: 'x', where: `${hostname()}:${child.pid}` });
    await here.commit([
      makeWrite(makeRun('r1'), { claim: { worker: 'child', token: 1, release: false } }),
    ]);
    await claims.join('here', 60_000, { version: 'x', where: `${hostname()}:${process.pid}` });
    expect(await claims.claim('here', 10)).toEqual([]);
    child.kill('SIGKILL');
    await exited(child);
    // The next process to open the file sees the child gone, long before its lease would lapse.
    const next = await openSqliteStore({ path, shared: true });
    await next.migrate();
    expect((await claims.workers()).map((w) => w.id)).toEqual(['here']);
    expect(await claims.claim('here', 10)).toEqual([{ runId: 'r1', token: 2 }]);
    await next.close();
    await here.close();
  });

  it('is not for :memory:', async () => {
    await expect(openSqliteStore({ path: ':memory:', shared: true })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });
});
