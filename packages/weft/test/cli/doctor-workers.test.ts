/**
 * `weft doctor --db FILE` names the processes sharing a SQLite file that hold a live lease, as
 * `weft doctor --postgres` names a database's workers: here a real `weft worker` on the file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, parseJson, requireBuild, sandbox, weft, type Sandbox } from './harness.js';

let box: Sandbox;
beforeAll(() => {
  requireBuild();
  box = sandbox();
});
afterAll(() => box.remove());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('weft doctor on a shared SQLite file', () => {
  it('lists the live workers, and none once they stopped', async () => {
    expectExit(await box.weft(['migrate']), 0);
    const doctor = (json: boolean) =>
      weft(['doctor', '--db', box.db, ...(json ? ['--json'] : [])], { cwd: box.dir });
    const before = await doctor(false);
    expectExit(before, 0);
    expect(before.stdout).toMatch(/: ok\n {2}workers: none live /);

    const w = box.start(['worker', '--db', box.db], { env: { WEFT_LOG_LEVEL: 'info' } });
    await w.waitForStderr(/concurrency 64/);
    let workers: { id: string; version: string; where: string; expiresAt: string }[] = [];
    for (let i = 0; i < 100 && workers.length === 0; i++) {
      const r = await doctor(true);
      expectExit(r, 0);
      workers = parseJson(r).workers;
      if (workers.length === 0) await sleep(100);
    }
    expect(workers).toEqual([
      {
        id: expect.any(String),
        version: expect.any(String),
        where: expect.stringMatching(new RegExp(`:${String(w.child.pid)}$`)),
        expiresAt: expect.any(String),
      },
    ]);
    const text = await doctor(false);
    expect(text.stdout).toMatch(/^ {2}workers: 1 live$/m);
    expect(text.stdout).toContain(`${workers[0]!.where}  ${workers[0]!.id}  version `);

    expectExit(await w.stop('SIGTERM'), 0);
    expect(parseJson(await doctor(true)).workers).toEqual([]);
  });
});
