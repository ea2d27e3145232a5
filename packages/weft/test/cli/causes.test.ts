/**
 * `weft runs show` says why a subworkflow node failed: the child run's error follows as its cause.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, parseJson, requireBuild, sandbox, type Sandbox } from './harness.js';

let box: Sandbox;
beforeAll(() => {
  requireBuild();
  box = sandbox();
});
afterAll(() => box.remove());

describe('weft runs show', () => {
  it('shows the cause of a failed subworkflow node and of the run', async () => {
    box.write(
      'child.yaml',
      'id: child\nnodes:\n  - { id: f, type: fail, with: { code: out_of_stock, message: nothing left } }\n',
    );
    box.write(
      'parent.yaml',
      'id: parent\nnodes:\n  - { id: sub, type: subworkflow, with: { workflow: ./child.yaml } }\n',
    );
    const run = await box.weft(['run', 'parent.yaml', '--json']);
    expectExit(run, 1);
    const { id } = parseJson<{ id: string }>(run);
    const r = await box.weft(['runs', 'show', id]);
    expectExit(r, 0);
    expect(r.stdout).toMatch(
      /^error +out_of_stock: subworkflow: nothing left <- out_of_stock: nothing left$/m,
    );
    expect(r.stdout).toMatch(
      /^sub +failed .*out_of_stock: subworkflow: nothing left <- out_of_stock: nothing left/m,
    );
  });
});
