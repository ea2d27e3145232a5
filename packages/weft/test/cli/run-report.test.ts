/**
 * What `weft run` tells on stderr when a run ends (issue #9, items 14 and 17): the run id of a
 * succeeded run, a failure said once, and a human step of a run kept in memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  example,
  expectExit,
  parseJson,
  requireBuild,
  sandbox,
  weft,
  type Sandbox,
} from './harness.js';

const boxes: Sandbox[] = [];
const fresh = () => {
  const box = sandbox();
  boxes.push(box);
  return box;
};
beforeAll(() => requireBuild());
afterAll(() => {
  for (const box of boxes) box.remove();
});

const RUN_ID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

describe.concurrent('weft run: how the run ended', () => {
  it('a succeeded run prints its id and duration on stderr; stdout is the outputs only', async () => {
    const box = fresh();
    const r = await box.weft(['run', example('hello.yaml')]);
    expectExit(r, 0);
    expect(parseJson(r)).toMatchObject({ greeting: 'Hello, world!' });
    const line = new RegExp(`^run (${RUN_ID}) succeeded in \\d+(\\.\\d+)?(ms|s)$`, 'm').exec(
      r.stderr,
    );
    expect(line, r.stderr).not.toBeNull();
    // It is the id of the stored run.
    const shown = await box.weft(['runs', 'show', line![1]!, '--json']);
    expectExit(shown, 0);
    expect(parseJson(shown)).toMatchObject({ id: line![1], status: 'succeeded' });
  });

  it('a failed run prints its error once', async () => {
    const box = fresh();
    box.write(
      'failing.yaml',
      `id: failing
nodes:
  - id: boom
    type: fail
    with: { code: kaput, message: "it broke" }
`,
    );
    const r = await box.weft(['run', 'failing.yaml']);
    expectExit(r, 1);
    // The node's line, and the run's line with its id: the run's failure is not said again.
    expect(r.stderr.match(/^run .*it broke$/gm)).toEqual([
      expect.stringMatching(new RegExp(`^run ${RUN_ID} failed: kaput: it broke$`)),
    ]);
    expect(r.stderr.match(/it broke/g)).toHaveLength(2);
  });

  it('a human step of a run in memory says it cannot be answered later, exit 3', async () => {
    const box = fresh();
    const r = await weft(
      ['run', example('human.yaml'), '--input', '{"amount": 5}', '--db', ':memory:'],
      { cwd: box.dir },
    );
    expectExit(r, 3);
    expect(r.stderr).toMatch(
      /^run \S+ is waiting \(waiting: approve\); a run kept in memory \(--db :memory:\) ends with this process and cannot be answered or resumed/m,
    );
    // No command to answer a run that is gone.
    expect(r.stderr).not.toMatch(/weft runs input/);
  });
});
