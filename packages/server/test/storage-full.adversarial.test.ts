/**
 * Issue #17 §4: a full disk. SQLite's `max_page_count` caps the test database, so writes fail with
 * a real SQLITE_FULL; the API must answer 503 `storage_full` (not 500 `internal`), keep what it
 * acknowledged, log the fault, and work again once the cap is raised (space returns).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '@weft/core';
import { SqliteStore } from '@weft/store-sqlite';
import { ACME, publish, startTestServer, yaml, type TestServer } from './helpers.js';

type Json = Record<string, any>;

const lines: { level: string; obj: Json; msg: string | undefined }[] = [];
const capture =
  (level: string): Logger['info'] =>
  (obj, msg) => {
    lines.push({ level, obj: obj, msg });
  };
const log: Logger = {
  debug: () => {},
  info: capture('info'),
  warn: capture('warn'),
  error: capture('error'),
  child: () => log,
};

const echo = yaml`
id: echo
nodes:
  - { id: copy, type: transform, with: { expression: "inputs" } }
`;

// Big enough that storing it needs new pages whatever free pages the file has.
const bigInput = { blob: 'x'.repeat(256 * 1024) };

let t: TestServer;
let store: SqliteStore;
beforeEach(async () => {
  lines.length = 0;
  t = await startTestServer({ log });
  if (!(t.engine.store instanceof SqliteStore)) throw new Error('expected the SQLite store');
  store = t.engine.store;
  await publish(t, echo);
});
afterEach(async () => {
  store.setMaxPageCount(1_000_000_000);
  await t.close();
});

async function startRun(input: unknown): Promise<Response> {
  return t.call('/v1/workflows/echo/runs?wait=true', { key: ACME, json: { input } });
}

/** Caps the file at its current size: the next write that needs a page fails. */
const fillDisk = () => store.setMaxPageCount(1);

describe('a full disk', () => {
  it('answers 503 storage_full, says so in the log, and keeps acknowledged runs', async () => {
    const done: Json[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await startRun({ i });
      expect(res.status).toBe(201);
      done.push((await res.json()) as Json);
    }
    const before = await Promise.all(
      done.map(async (r) => (await t.call(`/v1/runs/${r['id']}`, { key: ACME })).json()),
    );
    fillDisk();

    const t0 = performance.now();
    const res = await startRun(bigInput);
    const ms = performance.now() - t0;
    expect(res.status).toBe(503);
    const body = (await res.json()) as Json;
    expect(body['error']['code']).toBe('storage_full');
    expect(body['error']['message']).toMatch(/full/);
    expect(ms).toBeLessThan(5000);
    expect(
      lines.some(
        (l) => l.level === 'error' && l.obj['code'] === 'storage_full' && /full/.test(l.msg ?? ''),
      ),
    ).toBe(true);

    // The process is up, and every acknowledged run reads as it was.
    expect((await t.call('/healthz')).status).toBe(200);
    for (const [i, r] of done.entries()) {
      const again = await t.call(`/v1/runs/${r['id']}`, { key: ACME });
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual(before[i]);
    }
    expect(store.integrityCheck()).toBe('ok');
  });

  it('recovers once space returns: the next request succeeds', async () => {
    fillDisk();
    for (let i = 0; i < 3; i++) expect((await startRun(bigInput)).status).toBe(503);
    store.setMaxPageCount(1_000_000_000);
    const res = await startRun(bigInput);
    expect(res.status).toBe(201);
    const run = (await res.json()) as Json;
    expect(run['status']).toBe('succeeded');
    expect(run['output']).toEqual(bigInput);
    expect(store.integrityCheck()).toBe('ok');
  });

  it('fails a publish with 503 too, and the earlier version stays the latest', async () => {
    fillDisk();
    const big = `${echo}description: "${'d'.repeat(300 * 1024)}"\n`;
    const res = await t.call('/v1/workflows', {
      method: 'POST',
      key: ACME,
      body: big,
      headers: { 'content-type': 'application/yaml' },
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as Json)['error']['code']).toBe('storage_full');
    const wf = (await (await t.call('/v1/workflows/echo', { key: ACME })).json()) as Json;
    expect(wf['version']).toBe(1);
    expect((await t.call('/healthz')).status).toBe(200);
  });
});
