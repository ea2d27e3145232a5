/**
 * The `code` node through the Engine: output passed on, the source kept verbatim, a syntax error
 * found when the workflow is validated (with its line and column in the source), failures named
 * and retried only when they are timeouts, console lines in the node's log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '@weft/core/plugin';
import { Engine } from '../src/index.js';
import { ensureBuilt } from './crash/build.js';
import { tempDb, yaml } from './helpers.js';

interface Entry {
  obj: object;
  msg?: string;
}
const entries: Entry[] = [];
const logger: Logger = {
  debug: (obj, msg) => void entries.push({ obj, msg }),
  info: (obj, msg) => void entries.push({ obj, msg }),
  warn: (obj, msg) => void entries.push({ obj, msg }),
  error: (obj, msg) => void entries.push({ obj, msg }),
  child: () => logger,
};

let engine: Engine;
beforeAll(async () => {
  ensureBuilt();
  engine = await Engine.open({ db: tempDb(), log: logger });
}, 120_000);
afterAll(() => engine.close());

describe('code node', () => {
  it('runs its source on its input and passes the output on', async () => {
    const run = await engine.run(yaml`
id: code-chain
inputs:
  type: object
  properties:
    n: { type: number, default: 20 }
nodes:
  - id: double
    type: code
    with:
      input: "{{ inputs }}"
      source: |
        const twice = input.n * 2;
        // Braces as a template would see them stay code: {{ not a template }}
        return { twice, text: \`{{\${twice}}}\` };
  - id: add
    type: code
    needs: [double]
    with:
      input: "{{ double }}"
      source: return input.twice + 2
`);
    expect(run.status).toBe('succeeded');
    expect(run.nodes['double']?.output).toEqual({ twice: 40, text: '{{40}}' });
    expect(run.output).toBe(42);
  });

  it('reports a syntax error at validation, with its line and column in the source', () => {
    const parsed = engine.validate(yaml`
id: broken
nodes:
  - id: c
    type: code
    with:
      source: |
        const a = 1;
        return a +;
`);
    expect(parsed.ok).toBe(false);
    expect(parsed.diagnostics).toEqual([
      expect.objectContaining({
        path: 'nodes[0].with.source',
        message: expect.stringMatching(/^syntax error at line 2, column 11 of the source/),
      }),
    ]);
  });

  it('names a thrown error with its line, and does not retry it', async () => {
    const run = await engine.run(yaml`
id: throws
nodes:
  - id: c
    type: code
    retry: { max_attempts: 3, initial_ms: 1 }
    with:
      source: |
        const x = 1;
        throw new Error('no ' + x);
`);
    expect(run.status).toBe('failed');
    expect(run.nodes['c']).toMatchObject({
      attempts: 1,
      error: {
        code: 'code_error',
        message: expect.stringMatching(/^Error: no 1 \(line 2, column \d+\)$/),
      },
    });
  });

  it('retries a timeout under the retry policy', async () => {
    const run = await engine.run(yaml`
id: slow
nodes:
  - id: c
    type: code
    retry: { max_attempts: 2, initial_ms: 1 }
    with:
      timeout_ms: 100
      source: while (true) {}
`);
    expect(run.status).toBe('failed');
    expect(run.nodes['c']).toMatchObject({ attempts: 2, error: { code: 'code_timeout' } });
  });

  it("is stopped by the node's own attempt timeout, and the next code node runs", async () => {
    const run = await engine.run(yaml`
id: attempt-timeout
nodes:
  - id: c
    type: code
    timeout_ms: 300
    with:
      timeout_ms: 60000
      source: while (true) {}
`);
    expect(run.nodes['c']).toMatchObject({ attempts: 1, error: { code: 'timeout' } });
    const next = await engine.run(yaml`
id: after-timeout
nodes:
  - { id: c, type: code, with: { source: return 7 } }
`);
    expect(next.output).toBe(7);
  });

  it('fails at its memory limit without retrying', async () => {
    const run = await engine.run(yaml`
id: hungry
nodes:
  - id: c
    type: code
    retry: { max_attempts: 3, initial_ms: 1 }
    with:
      memory_mb: 8
      source: "let s = 'x'; for (;;) s += s"
`);
    expect(run.status).toBe('failed');
    expect(run.nodes['c']).toMatchObject({ attempts: 1, error: { code: 'code_memory' } });
  });

  it('refuses an output that is not JSON, naming where', async () => {
    const run = await engine.run(yaml`
id: cyclic
nodes:
  - id: c
    type: code
    with:
      source: "const o = { list: [] }; o.list.push(o); return o"
`);
    expect(run.nodes['c']?.error).toMatchObject({
      code: 'code_invalid_output',
      message: expect.stringContaining('output.list[0]'),
    });
  });

  it("writes console lines into the node's log", async () => {
    const run = await engine.run(yaml`
id: logs
nodes:
  - id: c
    type: code
    with:
      input: { who: world }
      source: "console.log('hello', input.who); return null"
`);
    expect(run.status).toBe('succeeded');
    expect(entries).toContainEqual({ obj: { line: 'hello world' }, msg: 'code console' });
  });

  it('runs Python beside JavaScript: output, print lines, errors with their line', async () => {
    const run = await engine.run(yaml`
id: code-python
nodes:
  - id: stats
    type: code
    with:
      language: python
      input: { values: [3, 1, 4, 1, 5] }
      source: |
        import statistics
        values = input["values"]
        print("n =", len(values))
        return {"mean": statistics.mean(values), "sorted": sorted(values)}
  - id: check
    type: code
    needs: [stats]
    with:
      input: "{{ stats }}"
      source: return input.sorted.length === 5 && input.mean === 2.8
`);
    expect(run.status).toBe('succeeded');
    expect(run.nodes['stats']?.output).toEqual({ mean: 2.8, sorted: [1, 1, 3, 4, 5] });
    expect(run.output).toBe(true);
    expect(entries).toContainEqual({ obj: { line: 'n = 5' }, msg: 'code console' });

    const failed = await engine.run(yaml`
id: code-python-raises
nodes:
  - id: boom
    type: code
    with:
      language: python
      source: |
        x = 1
        raise ValueError("no good")
`);
    expect(failed.status).toBe('failed');
    expect(failed.nodes['boom']?.attempts).toBe(1);
    expect(failed.error).toMatchObject({ code: 'code_error' });
    expect(failed.error?.message).toMatch(/ValueError: no good/);
  }, 120_000);
});
