/**
 * Processes on one database file: a second `weft run` beside a live `weft run` shares the file
 * (issue 13) and leaves the first's run alone; what needs the file alone is refused with a clear
 * error and changes nothing; reading alongside works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  example,
  expectExit,
  listRuns,
  parseJson,
  requireBuild,
  sandbox,
  type Sandbox,
} from './harness.js';

let box: Sandbox;
beforeAll(() => {
  requireBuild();
  box = sandbox();
});
afterAll(() => box.remove());

describe('a database another process uses', () => {
  it('a second weft run works beside the first; a command that needs the file alone is refused', async () => {
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
    expectExit(second, 0);
    expect(second.stdout).toContain('Hello');

    const alone = await box.weft(['tenants', 'move', 'default', 'acme']);
    expectExit(alone, 1);
    expect(alone.stdout).toBe('');
    expect(alone.stderr).toMatch(
      new RegExp(`database \\S*weft\\.db is in use by process \\d+ .*shared with other processes`),
    );
    expect(alone.stderr).not.toMatch(/^\s+at /m);

    // Reading works alongside, and the first run was left alone.
    const runs = await listRuns(box);
    expect(runs.map((r) => [r.workflow, r.status]).sort()).toEqual([
      ['hello', 'succeeded'],
      ['hold', 'waiting'],
    ]);
    expect(holder.child.exitCode).toBeNull();

    // Ctrl-C on the holder leaves its run in the store, and the file to be had alone again.
    const stopped = await holder.stop('SIGINT');
    expectExit(stopped, 130);
    const moved = await box.weft(['tenants', 'move', 'default', 'acme', '--json']);
    expectExit(moved, 0);
    expect(parseJson(moved)).toMatchObject({ runs: 2 });
  }, 60_000);
});
