/**
 * One writing process per database (issue 3): a second `weft run` on a database held by a live
 * `weft run` gets a clear error and changes nothing; reading alongside works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example, expectExit, listRuns, requireBuild, sandbox, type Sandbox } from './harness.js';

let box: Sandbox;
beforeAll(() => {
  requireBuild();
  box = sandbox();
});
afterAll(() => box.remove());

describe('a database held by another process', () => {
  it('a second weft run is refused with a clear error; the first run is not disturbed', async () => {
    box.write(
      'hold.yaml',
      `id: hold
nodes:
  - id: pause
    type: wait
    with: { duration: 60000 }
  - id: done
    type: set
    needs: [pause]
    with: { values: { ok: true } }
outputs:
  ok: "{{ done.ok }}"
`,
    );
    const holder = box.start(['run', 'hold.yaml']);
    await holder.waitForStderr(/^⏸ pause waiting until /m);

    const second = await box.weft(['run', example('hello.yaml')]);
    expect(second.code).not.toBe(0);
    expect(second.stdout).toBe('');
    expect(second.stderr).toMatch(
      new RegExp(`database \\S*weft\\.db is in use by process ${String(holder.child.pid)}\\b`),
    );
    expect(second.stderr).toMatch(/stop it or use another --db/);
    expect(second.stderr).not.toMatch(/^\s+at /m);

    const control = await box.weft(['runs', 'pause', 'any-run']);
    expect(control.code).not.toBe(0);
    expect(control.stderr).toMatch(/is in use by process/);

    // Reading works alongside the holder, and the refused commands changed nothing.
    const runs = await listRuns(box);
    expect(runs.map((r) => [r.workflow, r.status])).toEqual([['hold', 'waiting']]);
    expect(holder.child.exitCode).toBeNull();

    // Ctrl-C on the holder leaves its run in the store and frees the database.
    const stopped = await holder.stop('SIGINT');
    expectExit(stopped, 130);
    const after = await box.weft(['run', example('hello.yaml')]);
    expectExit(after, 0);
    const end = await listRuns(box);
    expect(end.map((r) => [r.workflow, r.status]).sort()).toEqual([
      ['hello', 'succeeded'],
      ['hold', 'waiting'],
    ]);
  }, 60_000);
});
