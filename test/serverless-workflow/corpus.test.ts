/**
 * The Serverless Workflow corpus: every example of the specification validates, or fails naming
 * the feature it uses that Weft does not compile; the three schema-invalid fixtures are refused.
 * And bad input: a document of no known language, an SW document of another version, jq that
 * does not parse — each a clear error with its line and column.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateWorkflow } from '@weft/engine';

const CORPUS = new URL('../../../shared/corpora/serverless-workflow/', import.meta.url);
const read = (dir: string, f: string): string =>
  readFileSync(new URL(`${dir}/${f}`, CORPUS), 'utf8');
const files = (dir: string): string[] =>
  readdirSync(new URL(dir, CORPUS))
    .filter((f) => f.endsWith('.yaml'))
    .sort();

/** Examples that use what is not built, and the feature each is refused naming. */
const NOT_BUILT: Record<string, RegExp> = {
  'run-script-with-stdin-and-arguments.yaml': /`run: script`/,
  'run-shell-stdin-and-arguments.yaml': /`run: shell`/,
  'set.yaml': /`schedule.on`/,
  'set-expression.yaml': /`schedule.on`/,
};

describe('Serverless Workflow examples', () => {
  it.each(files('examples'))('%s validates or names the feature not built', (f) => {
    const r = validateWorkflow(read('examples', f));
    const expected = NOT_BUILT[f];
    if (expected === undefined) {
      expect(r.ok ? [] : r.diagnostics).toEqual([]);
      return;
    }
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics.map((d) => d.message).join('\n')).toMatch(expected);
    for (const d of r.diagnostics) {
      expect(d.message).toMatch(/is not supported by Weft/);
      expect(d.line).toBeGreaterThan(0);
    }
  });

  it('counts: 30 examples, 26 of them compiled', () => {
    expect(files('examples')).toHaveLength(30);
    expect(files('examples').filter((f) => validateWorkflow(read('examples', f)).ok)).toHaveLength(
      26,
    );
  });
});

describe('Serverless Workflow invalid fixtures', () => {
  const dir = '.ci/validation/test/fixtures/invalid';
  const expected: Record<string, { line: number; message: RegExp }> = {
    'extra-property-in-call.yaml': { line: 12, message: /unknown key `foo`/ },
    'listen-any-until-any-until.yaml': { line: 6, message: /keys must be unique/ },
    'two-tasks-in-one-item.yaml': { line: 7, message: /more than 1 propert/ },
  };
  it.each(files(dir))('%s is refused, placed', (f) => {
    const r = validateWorkflow(read(dir, f));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const first = r.diagnostics[0];
    expect(first?.message).toMatch(expected[f]!.message);
    expect(first?.line).toBe(expected[f]!.line);
  });
});

describe('bad input', () => {
  it('a document that is neither Weft nor Serverless Workflow', () => {
    const r = validateWorkflow('title: hello\nsteps: [a, b]\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        line: 1,
        column: 1,
        message: expect.stringMatching(
          /neither a Weft workflow .* nor a document of Serverless Workflow 1\.0/,
        ),
      }),
    ]);
  });

  it('a Serverless Workflow document of another version', () => {
    const old = validateWorkflow("id: greeting\nversion: '1.0'\nspecVersion: '0.8'\nstates: []\n");
    expect(old.ok).toBe(false);
    if (!old.ok)
      expect(old.diagnostics[0]).toMatchObject({
        line: 3,
        message: expect.stringMatching(/0\.8.* is not supported.*1\.0/),
      });
    const next = validateWorkflow(
      "document:\n  dsl: '2.0.0'\n  namespace: x\n  name: y\n  version: '1.0.0'\ndo: []\n",
    );
    expect(next.ok).toBe(false);
    if (!next.ok)
      expect(next.diagnostics[0]).toMatchObject({
        line: 2,
        column: 8,
        message: expect.stringMatching(/"2\.0\.0" is not supported/),
      });
  });

  it('jq that does not parse, pointed at', () => {
    const r = validateWorkflow(
      [
        'document: { dsl: "1.0.3", namespace: x, name: y, version: "1.0.0" }',
        'do:',
        '  - pick:',
        '      set:',
        '        a: ${ .colors + [ }',
        '      output:',
        '        as: .a | map(',
      ].join('\n'),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        line: 5,
        path: 'do[0].pick.set.a',
        message: expect.stringMatching(/^jq: /),
      }),
      expect.objectContaining({
        line: 7,
        path: 'do[0].pick.output.as',
        message: expect.stringMatching(/^jq: /),
      }),
    ]);
    expect(r.diagnostics[0]!.column).toBeGreaterThan(12);
  });

  it('a document nested past the depth limit is refused before it is translated', () => {
    let tasks: unknown = [{ leaf: { set: { n: 1 } } }];
    for (let i = 0; i < 200; i++) tasks = [{ [`t${i}`]: { do: tasks } }];
    const r = validateWorkflow({
      document: { dsl: '1.0.3', namespace: 'x', name: 'deep', version: '1.0.0' },
      do: tasks,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0]?.message).toMatch(/deep/);
  });

  it('a `then` that loops back is refused, naming the task', () => {
    const r = validateWorkflow(
      [
        'document: { dsl: "1.0.3", namespace: x, name: y, version: "1.0.0" }',
        'do:',
        '  - a: { set: { n: 1 } }',
        '  - b: { set: { n: 2 }, then: a }',
      ].join('\n'),
    );
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.diagnostics[0]).toMatchObject({
        line: 4,
        message: expect.stringMatching(/leads back to `a`/),
      });
  });
});
