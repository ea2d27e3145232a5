/**
 * Issue 13 on one SQLite file: worker processes and this process (an engine that carries no run,
 * as `weft serve` beside `weft worker`) share a file. Runs started here are carried by the
 * workers; one worker is SIGKILLed while it holds runs with side effects in flight, and the other
 * carries them on once its lease lapses. Every run ends as it would have, no node is recorded as
 * succeeded twice, and a side effect repeats only for an execution the kill cut short.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, isTerminal, type Logger } from '../../src/index.js';
import { ensureBuilt, root } from './build.js';

const RUNS = 16;
const LEASE_MS = 1500;
/** How long each side effect takes: the kill lands while the victim's calls are in flight. */
const CALL_MS = 1500;
const here = fileURLToPath(new URL('.', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'weft-shared-'));
const children = new Set<ChildProcess>();

interface Worker {
  child: ChildProcess;
  exited: Promise<void>;
}

function startWorker(db: string): Promise<Worker> {
  const child = spawn(process.execPath, [join(here, 'cluster-worker.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      WEFT_CLUSTER_DB: db,
      WEFT_CLUSTER_LEASE_MS: String(LEASE_MS),
      WEFT_HTTP_ALLOW: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const stderr: string[] = [];
  child.stderr.on('data', (c: Buffer) => stderr.push(c.toString('utf8')));
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      children.delete(child);
      resolve();
    }),
  );
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (text) => {
      if ((JSON.parse(text) as { ev: string }).ev === 'ready') resolve({ child, exited });
    });
    void exited.then(() => reject(new Error(`worker ended: ${stderr.join('')}`)));
  });
}

/** Side effects by idempotency key, each answered after a while (work in flight at a kill). */
function countingServer() {
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      calls.push(String(req.headers['idempotency-key']));
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(text === '' ? '{}' : text);
      }, CALL_MS);
    });
  });
  return { calls, server };
}

const quiet = () => undefined;
const silent: Logger = {
  debug: quiet,
  info: quiet,
  warn: quiet,
  error: quiet,
  child: () => silent,
};

/** The runs the worker process `pid` holds now, read beside the processes on the file. */
function heldBy(db: string, pid: number): string[] {
  const raw = new Database(db, { readonly: true });
  try {
    return raw
      .prepare(
        `SELECT c.run_id FROM run_claims c JOIN workers w ON w.id = c.owner WHERE w.where_ LIKE ?`,
      )
      .pluck()
      .all(`%:${pid}`) as string[];
  } finally {
    raw.close();
  }
}

describe.runIf(process.platform === 'linux')('processes sharing one SQLite file', () => {
  const counting = countingServer();
  let url = '';
  const allowed = process.env['WEFT_HTTP_ALLOW'];
  beforeAll(async () => {
    ensureBuilt();
    process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
    await new Promise<void>((r) => counting.server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(counting.server.address() as AddressInfo).port}`;
  }, 180_000);
  afterAll(async () => {
    if (allowed === undefined) delete process.env['WEFT_HTTP_ALLOW'];
    else process.env['WEFT_HTTP_ALLOW'] = allowed;
    for (const c of children) c.kill('SIGKILL');
    await new Promise((r) => counting.server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs started in one process are carried by the others; a killed one’s are taken over, none run twice', async () => {
    const db = join(dir, 'weft.db');
    const api = await Engine.open({ db, shared: true, worker: { concurrency: 0 }, log: silent });
    try {
      const step = (id: string, needs: string[]) => ({
        id,
        type: 'http',
        needs,
        with: { method: 'POST', url: `${url}/effect`, body: '{{ inputs }}' },
      });
      await api.publish({
        id: 'steps',
        nodes: [step('one', []), step('two', ['one']), step('three', ['two'])],
        outputs: { n: '{{ three.body.n }}' },
      });
      const victim = await startWorker(db);
      const ids: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        ids.push((await api.start('steps', { input: { n: i } })).id);
      }
      // The victim alone for a moment: it claims runs and begins their calls.
      let held: string[] = [];
      for (let i = 0; i < 100 && held.length === 0; i++) {
        await sleep(50);
        held = heldBy(db, victim.child.pid!);
      }
      expect(held.length).toBeGreaterThan(0);
      const steady = await startWorker(db);
      held = heldBy(db, victim.child.pid!);
      // Still held, so still in flight: these are the runs the steady worker must take over.
      expect(held.length).toBeGreaterThan(0);
      victim.child.kill('SIGKILL');
      await victim.exited;

      const deadline = Date.now() + 60_000;
      for (;;) {
        const statuses = await Promise.all(
          ids.map(async (id) => (await api.store.getRun(id))?.status),
        );
        if (statuses.every((s) => s !== undefined && isTerminal(s))) break;
        if (Date.now() > deadline) throw new Error(`runs not ended: ${JSON.stringify(statuses)}`);
        await sleep(200);
      }
      for (const [i, id] of ids.entries()) {
        const view = await api.get(id);
        expect(view?.status, `${id}: ${JSON.stringify(view?.error)}`).toBe('succeeded');
        expect(view?.output).toEqual({ n: i });
        const succeeded = (await api.store.readEvents(id, 0))
          .filter((e) => e.type === 'node.succeeded')
          .map((e) => e.node);
        expect(succeeded.sort()).toEqual(['one', 'three', 'two']);
      }
      // One key per node execution; a key came twice only for a call of a run the victim held.
      const effects = ids.flatMap((id) => ['one', 'two', 'three'].map((n) => `${id}:${n}`));
      expect([...new Set(counting.calls)].sort()).toEqual(effects.sort());
      const twice = counting.calls.filter((k, i) => counting.calls.indexOf(k) !== i);
      for (const key of twice) expect(held).toContain(key.split(':')[0]);
      expect(new Set(twice).size).toBe(twice.length);
      steady.child.kill('SIGTERM');
      await steady.exited;
    } finally {
      await api.close();
    }
  }, 180_000);

  it('an answer that takes over a killed worker’s run first runs again what it had in flight', async () => {
    const db = join(dir, 'answer.db');
    // This process never claims (no room, no poll): the run comes to it only with the answer.
    const api = await Engine.open({
      db,
      shared: true,
      worker: { concurrency: 0, pollMs: 3_600_000 },
      log: silent,
    });
    try {
      await api.publish({
        id: 'side-by-side',
        nodes: [
          {
            id: 'slow',
            type: 'http',
            with: { method: 'POST', url: `${url}/effect`, body: '{{ inputs }}' },
          },
          {
            id: 'ok',
            type: 'human',
            with: { prompt: 'go on?', schema: { type: 'object' } },
          },
        ],
        outputs: { slow: '{{ slow.body.n }}', ok: '{{ ok.yes }}' },
      });
      const victim = await startWorker(db);
      const { id } = await api.start('side-by-side', { input: { n: 7 } });
      // The victim holds the run: its call is in flight and the human node waits.
      for (let i = 0; i < 200; i++) {
        const waiting = (await api.store.readEvents(id, 0)).some(
          (e) => e.type === 'node.waiting' && e.node === 'ok',
        );
        if (waiting && counting.calls.includes(`${id}:slow`)) break;
        await sleep(25);
      }
      expect(counting.calls).toContain(`${id}:slow`);
      victim.child.kill('SIGKILL');
      await victim.exited;
      // Its lease lapses; no worker claims the run, so only the answer carries it on.
      for (let i = 0; i < 200 && (await api.store.cluster!.claims.workers()).length > 0; i++) {
        await sleep(25);
      }
      await api.input(id, 'ok', { yes: true });
      const stalled = sleep(30_000).then(async () => {
        throw new Error(`run stays ${(await api.store.getRun(id))?.status}`);
      });
      const view = await Promise.race([api.wait(id, { until: 'finished' }), stalled]);
      expect(view.status, JSON.stringify(view.error)).toBe('succeeded');
      expect(view.output).toEqual({ slow: 7, ok: true });
      // The call the kill cut short was made again, under its key.
      expect(counting.calls.filter((k) => k === `${id}:slow`)).toHaveLength(2);
    } finally {
      await api.close();
    }
  }, 120_000);
});
