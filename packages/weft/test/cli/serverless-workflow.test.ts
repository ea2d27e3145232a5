/**
 * Serverless Workflow 1.0 documents through the CLI: `weft run` of examples/paint-order.sw.yaml
 * on each of its paths (for, switch, then, try/raise/catch), and `weft validate` placing a
 * document's problems at its lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example, expectExit, parseJson, requireBuild, sandbox, type Sandbox } from './harness.js';

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

describe.concurrent('weft run of a Serverless Workflow document', () => {
  it('a rush order: every color priced in turn, then the express path', async () => {
    const r = await fresh().weft([
      'run',
      example('paint-order.sw.yaml'),
      '--input',
      '{"colors": ["red", "green"], "rush": true}',
    ]);
    expectExit(r, 0);
    expect(parseJson(r)).toEqual({ summary: '2 colors, 27 EUR, express', total: 27 });
    expect(r.stderr).toMatch(/^▶ express started \(jq, attempt 1\)$/m);
  });

  it('a standard order skips the express task', async () => {
    const r = await fresh().weft([
      'run',
      example('paint-order.sw.yaml'),
      '--input',
      '{"colors": ["red"]}',
    ]);
    expectExit(r, 0);
    expect(parseJson(r)).toEqual({ summary: '1 colors, 12 EUR, standard', total: 12 });
    expect(r.stderr).toMatch(/^- express skipped$/m);
  });

  it('an empty order: the raised error is caught and `then: end` ends the run', async () => {
    const r = await fresh().weft([
      'run',
      example('paint-order.sw.yaml'),
      '--input',
      '{"colors": []}',
    ]);
    expectExit(r, 0);
    expect(parseJson(r)).toEqual({ refused: 'Nothing to paint' });
  });

  it("weft validate places a document's problems: schema, jq, version", async () => {
    const box = fresh();
    const file = box.write(
      'bad.sw.yaml',
      [
        "document: { dsl: '1.0.3', namespace: x, name: bad, version: '1.0.0' }",
        'do:',
        '  - one:',
        '      set:',
        '        a: ${ .a + }',
        '  - two:',
        '      wiat: PT1S',
      ].join('\n'),
    );
    const r = await box.weft(['validate', file]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/bad\.sw\.yaml:7:\d+: .*unknown key `wiat`/);
    const version = box.write(
      'old.sw.yaml',
      "document: { dsl: '0.9.0', namespace: x, name: old, version: '1.0.0' }\ndo: []\n",
    );
    const v = await box.weft(['validate', version]);
    expect(v.stdout + v.stderr).toMatch(/old\.sw\.yaml:1:\d+: .*"0\.9\.0" is not supported/);
    const jq = box.write(
      'jq.sw.yaml',
      "document: { dsl: '1.0.3', namespace: x, name: jq, version: '1.0.0' }\ndo:\n  - one:\n      set:\n        a: ${ .a + }\n",
    );
    const j = await box.weft(['validate', jq]);
    expect(j.stdout + j.stderr).toMatch(/jq\.sw\.yaml:5:\d+: do\[0\]\.one\.set\.a: jq: /);
  });
});
