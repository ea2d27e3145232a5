/**
 * What `weft run` makes of error codes and of expressions that yield nothing (issue #9, items 10
 * and 18): a `fail` code is kept exactly as written, and an expression parameter with no value is
 * `null`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, parseJson, requireBuild, sandbox, type Sandbox } from './harness.js';

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

describe.concurrent('fail codes', () => {
  it('a run failed with `OrderRejected` has exactly that error code', async () => {
    const box = fresh();
    box.write(
      'reject.yaml',
      `id: reject
nodes:
  - id: check
    type: fail
    with: { code: OrderRejected, message: "order over the limit" }
`,
    );
    const r = await box.weft(['run', 'reject.yaml', '--json']);
    expectExit(r, 1);
    expect(parseJson(r)).toMatchObject({
      status: 'failed',
      error: { code: 'OrderRejected', message: 'order over the limit' },
      nodes: { check: { status: 'failed', error: { code: 'OrderRejected' } } },
    });
  });

  it('codes such as States.Timeout and bad_input are valid, a code with a space is not', async () => {
    const box = fresh();
    const fail = (code: string) => `id: codes
nodes:
  - id: boom
    type: fail
    with: { code: ${JSON.stringify(code)}, message: no }
`;
    for (const code of ['States.Timeout', 'bad_input', 'E1', 'NOPE']) {
      box.write('ok.yaml', fail(code));
      const r = await box.weft(['validate', 'ok.yaml']);
      expectExit(r, 0);
    }
    for (const code of ['Order Rejected', '1abc', 'x'.repeat(200)]) {
      box.write('bad.yaml', fail(code));
      const r = await box.weft(['validate', 'bad.yaml']);
      expectExit(r, 2);
      expect(r.stdout).toMatch(/nodes\[0\]\.with\.code: /);
    }
  });

  it('a handled error is matched case-sensitively by expressions', async () => {
    const box = fresh();
    box.write(
      'handled.yaml',
      `id: handled
nodes:
  - id: boom
    type: fail
    on_error: continue
    with: { code: OrderRejected, message: no }
  - id: seen
    type: transform
    needs: [boom]
    with:
      expression: "{ 'exact': boom.error.code = 'OrderRejected', 'lower': boom.error.code = 'orderrejected' }"
`,
    );
    const r = await box.weft(['run', 'handled.yaml']);
    expectExit(r, 0);
    expect(parseJson(r)).toEqual({ exact: true, lower: false });
  });
});

describe.concurrent('expressions that yield nothing', () => {
  it('a transform of a missing field outputs null, as documented', async () => {
    const box = fresh();
    box.write(
      'missing.yaml',
      `id: missing
nodes:
  - id: pick
    type: transform
    with: { expression: "inputs.missing" }
`,
    );
    const r = await box.weft(['run', 'missing.yaml', '--json']);
    expectExit(r, 0);
    expect(parseJson(r)).toMatchObject({
      status: 'succeeded',
      output: null,
      nodes: { pick: { status: 'succeeded', output: null } },
    });
  });

  it('an `if` whose condition yields nothing takes `false`', async () => {
    const box = fresh();
    box.write(
      'cond.yaml',
      `id: cond
nodes:
  - id: check
    type: if
    with: { condition: "inputs.missing" }
  - id: yes
    type: set
    needs: [{ node: check, port: "true" }]
    with: { values: { took: "true" } }
  - id: no
    type: set
    needs: [{ node: check, port: "false" }]
    with: { values: { took: "false" } }
`,
    );
    const r = await box.weft(['run', 'cond.yaml']);
    expectExit(r, 0);
    expect(parseJson(r)).toEqual({ took: 'false' });
  });

  it('a required parameter whose template yields nothing still fails the node', async () => {
    const box = fresh();
    box.write(
      'msg.yaml',
      `id: msg
nodes:
  - id: say
    type: message
    with: { text: "{{ inputs.missing }}" }
`,
    );
    const r = await box.weft(['run', 'msg.yaml', '--json']);
    expectExit(r, 1);
    expect(parseJson(r)).toMatchObject({
      status: 'failed',
      nodes: { say: { status: 'failed', error: { code: 'invalid_params' } } },
    });
  });
});
