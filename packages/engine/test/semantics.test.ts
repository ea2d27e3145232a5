/**
 * SPEC section 4 through the library, on a real SQLite store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../src/index.js';
import { eventTypes, openEngine, yaml, type ProbeCall } from './helpers.js';

let engine: Engine;
let calls: ProbeCall[];
afterEach(async () => {
  await engine?.close();
});

async function setup(options: Parameters<typeof openEngine>[0] = {}) {
  ({ engine, calls } = await openEngine(options));
}

describe('data passing and templates', () => {
  it('passes outputs downstream; a whole-string template keeps its type', async () => {
    await setup();
    const run = await engine.run(yaml`
id: data
inputs:
  type: object
  properties:
    n: { type: number, default: 20 }
nodes:
  - id: a
    type: set
    with:
      values: { n: "{{ inputs.n + 1 }}", text: "n is {{ inputs.n }}", list: "{{ [1, 2] }}" }
  - id: b
    type: transform
    needs: [a]
    with: { expression: "a.n * 2" }
`);
    expect(run.status).toBe('succeeded');
    expect(run.nodes['a']?.output).toEqual({ n: 21, text: 'n is 20', list: [1, 2] });
    expect(run.output).toBe(42);
  });

  it('exposes run metadata in the scope', async () => {
    await setup();
    const run = await engine.run(yaml`
id: meta
nodes:
  - id: a
    type: set
    with: { values: { id: "{{ run.id }}", wf: "{{ run.workflow }}", attempt: "{{ run.attempt }}" } }
`);
    expect(run.output).toEqual({ id: run.id, wf: 'meta', attempt: 1 });
  });
});

describe('readiness and joins', () => {
  it('runs a node only after all its dependencies (join: all)', async () => {
    await setup();
    const run = await engine.run(yaml`
id: fan
nodes:
  - { id: start, type: probe }
  - { id: slow, type: probe, needs: [start], with: { delay_ms: 30, value: slow } }
  - { id: fast, type: probe, needs: [start], with: { value: fast } }
  - { id: join, type: probe, needs: [slow, fast], with: { value: "{{ slow & '+' & fast }}" } }
`);
    expect(run.status).toBe('succeeded');
    expect(calls.map((c) => c.path)).toEqual(['start', 'slow', 'fast', 'join']);
    expect(run.output).toBe('slow+fast');
  });

  it('join: any runs once, on the first taken edge', async () => {
    await setup();
    const run = await engine.run(yaml`
id: any
nodes:
  - { id: a, type: probe, with: { delay_ms: 40, value: a } }
  - { id: b, type: probe, with: { value: b } }
  - { id: first, type: probe, join: any, needs: [a, b], with: { value: "{{ b }}" } }
`);
    expect(run.status).toBe('succeeded');
    expect(calls.filter((c) => c.path === 'first')).toHaveLength(1);
    expect(run.nodes['first']?.output).toBe('b');
  });

  it('skips nodes on untaken branches and propagates the skip', async () => {
    await setup();
    const run = await engine.run(yaml`
id: branches
nodes:
  - { id: check, type: if, with: { condition: "1 > 2" } }
  - { id: yes, type: probe, needs: [{ node: check, port: "true" }] }
  - { id: after_yes, type: probe, needs: [yes] }
  - { id: no, type: probe, needs: [{ node: check, port: "false" }], with: { value: no } }
  - { id: both, type: probe, needs: [after_yes, no], with: { value: done } }
`);
    expect(run.status).toBe('succeeded');
    expect(run.nodes['yes']?.status).toBe('skipped');
    expect(run.nodes['after_yes']?.status).toBe('skipped');
    expect(run.nodes['both']?.status).toBe('succeeded');
    expect(calls.map((c) => c.path).sort()).toEqual(['both', 'no']);
  });

  it('skips a join: all node whose incoming edges were all untaken', async () => {
    await setup();
    const run = await engine.run(yaml`
id: allskip
nodes:
  - { id: check, type: if, with: { condition: "false" } }
  - { id: x, type: probe, needs: [{ node: check, port: "true" }] }
  - { id: y, type: probe, needs: [x] }
`);
    expect(run.status).toBe('succeeded');
    expect(run.nodes['y']?.status).toBe('skipped');
    expect(calls).toHaveLength(0);
  });

  it('switch takes the first matching case, else default', async () => {
    await setup();
    const def = yaml`
id: sw
inputs: { type: object, properties: { kind: { type: string } } }
nodes:
  - id: route
    type: switch
    with:
      cases:
        - { port: bug, when: "inputs.kind = 'bug'" }
        - { port: billing, when: "inputs.kind = 'billing'" }
  - { id: bug, type: probe, needs: [{ node: route, port: bug }], with: { value: bug } }
  - { id: billing, type: probe, needs: [{ node: route, port: billing }], with: { value: billing } }
  - { id: other, type: probe, needs: [{ node: route, port: default }], with: { value: other } }
`;
    expect((await engine.run(def, { input: { kind: 'billing' } })).output).toBe('billing');
    expect((await engine.run(def, { input: { kind: 'x' } })).output).toBe('other');
  });

  it('a false `when` skips the node and what only it feeds', async () => {
    await setup();
    const run = await engine.run(yaml`
id: when
nodes:
  - { id: a, type: probe, with: { value: 1 } }
  - { id: b, type: probe, needs: [a], when: "a > 5" }
  - { id: c, type: probe, needs: [b] }
`);
    expect(run.status).toBe('succeeded');
    expect(run.nodes['b']?.status).toBe('skipped');
    expect(run.nodes['c']?.status).toBe('skipped');
    expect(await eventTypes(engine, run.id, 'b')).toEqual(['node.skipped']);
  });

  it('never runs more than max_concurrency nodes at once', async () => {
    const live = { now: 0, max: 0 };
    await setup({ live });
    const nodes = Array.from(
      { length: 10 },
      (_, i) => `  - { id: n${i}, type: probe, with: { delay_ms: 15 } }`,
    ).join('\n');
    const run = await engine.run(`id: limited\nlimits: { max_concurrency: 3 }\nnodes:\n${nodes}\n`);
    expect(run.status).toBe('succeeded');
    expect(calls).toHaveLength(10);
    expect(live.max).toBe(3);
  });
});

describe('retries and timeouts', () => {
  it('retries retryable errors with one idempotency key and counts attempts', async () => {
    await setup();
    const run = await engine.run(yaml`
id: retry
nodes:
  - id: flaky
    type: probe
    with: { fail_times: 2, value: ok }
    retry: { max_attempts: 3, backoff: exponential, initial_ms: 5, max_ms: 20 }
`);
    expect(run.status).toBe('succeeded');
    expect(run.nodes['flaky']?.attempts).toBe(3);
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(new Set(calls.map((c) => c.key))).toEqual(new Set([`${run.id}:flaky`]));
    expect(await eventTypes(engine, run.id, 'flaky')).toEqual([
      'node.started',
      'node.retrying',
      'node.started',
      'node.retrying',
      'node.started',
      'node.succeeded',
    ]);
  });

  it('does not retry errors that are not retryable', async () => {
    await setup();
    const run = await engine.run(yaml`
id: noretry
nodes:
  - id: bad
    type: probe
    with: { fail_times: 5, retryable: false, code: bad_input }
    retry: { max_attempts: 3, initial_ms: 1 }
`);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('bad_input');
    expect(calls).toHaveLength(1);
  });

  it('gives up after max_attempts and fails the run', async () => {
    await setup();
    const run = await engine.run(yaml`
id: giveup
nodes:
  - id: flaky
    type: probe
    with: { fail_times: 10 }
    retry: { max_attempts: 2, backoff: fixed, initial_ms: 1 }
`);
    expect(run.status).toBe('failed');
    expect(run.nodes['flaky']).toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('times out an attempt through its AbortSignal and retries it', async () => {
    await setup();
    const run = await engine.run(yaml`
id: timeout
nodes:
  - id: stuck
    type: probe
    with: { hang: true }
    timeout_ms: 20
    retry: { max_attempts: 2, initial_ms: 1 }
`);
    expect(run.status).toBe('failed');
    expect(run.nodes['stuck']?.attempts).toBe(2);
    expect(run.error?.code).toBe('timeout');
  });
});

describe('on_error', () => {
  const def = (mode: string) => yaml`
id: onerror
nodes:
  - id: bad
    type: probe
    with: { fail_times: 1, retryable: false, code: broken }
    on_error: ${mode}
  - { id: next, type: probe, needs: [bad], with: { value: "{{ bad }}" } }
  - { id: handler, type: probe, needs: [{ node: bad, port: error }], with: { value: "{{ bad.error.code }}" } }
`;

  it('fail fails the run and cancels running siblings', async () => {
    await setup();
    const run = await engine.run(yaml`
id: failfast
nodes:
  - { id: bad, type: probe, with: { fail_times: 1, retryable: false, delay_ms: 10 } }
  - { id: long, type: probe, with: { hang: true } }
  - { id: after, type: probe, needs: [bad, long] }
`);
    expect(run.status).toBe('failed');
    expect(run.nodes['long']?.status).toBe('cancelled');
    expect(run.nodes['after']?.status).toBe('pending');
  });

  it('continue goes on with output null and `<id>.error` in scope', async () => {
    await setup();
    const run = await engine.run(
      def('continue')
        .replace(/ {2}- \{ id: handler.*\n/, '')
        .replace('value: "{{ bad }}"', 'value: "{{ bad.error.code }}"'),
    );
    expect(run.status).toBe('succeeded');
    expect(run.nodes['bad']).toMatchObject({ status: 'failed', output: null });
    expect(run.nodes['next']?.output).toBe('broken');
  });

  it('return goes on with the given output', async () => {
    await setup();
    const run = await engine.run(
      def('{ return: { fallback: 7 } }').replace(/ {2}- \{ id: handler.*\n/, ''),
    );
    expect(run.status).toBe('succeeded');
    expect(run.nodes['next']?.output).toEqual({ fallback: 7 });
  });

  it('branch takes only the error port', async () => {
    await setup();
    const run = await engine.run(def('branch'));
    expect(run.status).toBe('succeeded');
    expect(run.nodes['next']?.status).toBe('skipped');
    expect(run.nodes['handler']?.output).toBe('broken');
  });
});

describe('outputs', () => {
  it('uses the end node when there is one', async () => {
    await setup();
    const run = await engine.run(yaml`
id: endnode
nodes:
  - { id: a, type: probe, with: { value: 1 } }
  - { id: finish, type: end, needs: [a], with: { values: { total: "{{ a + 1 }}" } } }
  - { id: side, type: probe, needs: [a], with: { value: 9 } }
`);
    expect(run.output).toEqual({ total: 2 });
  });

  it('keys the outputs of several sinks by id, skipping those that did not run', async () => {
    await setup();
    const run = await engine.run(yaml`
id: sinks
nodes:
  - { id: a, type: probe, with: { value: 1 } }
  - { id: b, type: probe, with: { value: 2 } }
  - { id: c, type: probe, when: "false" }
`);
    expect(run.output).toEqual({ a: 1, b: 2 });
  });

  it('evaluates outputs: templates when the run succeeds', async () => {
    await setup();
    const run = await engine.run(yaml`
id: outs
outputs: { sum: "{{ a + b }}", label: "sum={{ a + b }}" }
nodes:
  - { id: a, type: probe, with: { value: 1 } }
  - { id: b, type: probe, with: { value: 2 } }
`);
    expect(run.output).toEqual({ sum: 3, label: 'sum=3' });
  });
});

describe('foreach and loop', () => {
  it('foreach keeps item order, respects concurrency and keys paths by position', async () => {
    const live = { now: 0, max: 0 };
    await setup({ live });
    const run = await engine.run(yaml`
id: each
nodes:
  - id: each
    type: foreach
    with: { items: "[30, 5, 20, 1]", concurrency: 2 }
    nodes:
      - { id: work, type: probe, with: { delay_ms: "{{ item }}", value: "{{ index & ':' & item }}" } }
`);
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual(['0:30', '1:5', '2:20', '3:1']);
    expect(live.max).toBe(2);
    expect(calls.map((c) => c.key).sort()).toEqual(
      [0, 1, 2, 3].map((i) => `${run.id}:each[${i}].work`),
    );
  });

  it('a failing body item fails the foreach', async () => {
    await setup();
    const run = await engine.run(yaml`
id: eachfail
nodes:
  - id: each
    type: foreach
    with: { items: "[1, 2, 3]" }
    nodes:
      - { id: work, type: probe, with: { fail_times: "{{ item = 2 ? 1 : 0 }}", retryable: false } }
`);
    expect(run.status).toBe('failed');
    expect(run.error?.message).toContain('[1].work');
    expect(calls.map((c) => c.path)).toEqual(['each[0].work', 'each[1].work']);
  });

  it('loop iterates while its condition holds, with iteration and previous', async () => {
    await setup();
    const run = await engine.run(yaml`
id: loop
nodes:
  - id: grow
    type: loop
    with: { while: "step.value < 10", max_iterations: 50 }
    nodes:
      - id: step
        type: set
        with: { values: { value: "{{ previous = null ? 1 : previous.value * 3 }}", i: "{{ iteration }}" } }
`);
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ output: { value: 27, i: 4 }, iterations: 4 });
  });

  it('loop stops at max_iterations', async () => {
    await setup();
    const run = await engine.run(yaml`
id: loopmax
nodes:
  - id: spin
    type: loop
    with: { while: "true", max_iterations: 3 }
    nodes:
      - { id: s, type: set, with: { values: { i: "{{ iteration }}" } } }
`);
    expect(run.output).toEqual({ output: { i: 3 }, iterations: 3 });
  });
});

describe('wait, messages, subworkflows and inputs', () => {
  it('wait is a timer that ends the wait', async () => {
    await setup();
    const t0 = Date.now();
    const run = await engine.run(yaml`
id: waits
nodes:
  - { id: w, type: wait, with: { duration: 50 } }
  - { id: after, type: probe, needs: [w], with: { value: done } }
`);
    expect(run.status).toBe('succeeded');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    expect(await eventTypes(engine, run.id, 'w')).toEqual([
      'node.started',
      'node.waiting',
      'node.succeeded',
    ]);
  });

  it('message nodes emit message events', async () => {
    await setup();
    const run = await engine.run(yaml`
id: msg
nodes:
  - { id: hi, type: message, with: { text: "hello {{ 1 + 1 }}" } }
`);
    const events = [];
    for await (const e of engine.events(run.id)) events.push(e);
    expect(events.find((e) => e.type === 'message')?.data).toEqual({ text: 'hello 2' });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });

  it('delivers messages of parallel message nodes in graph order', async () => {
    await setup();
    const run = await engine.run(yaml`
id: ordered
nodes:
  - { id: slow, type: probe, with: { delay_ms: 30 } }
  - { id: first, type: message, needs: [slow], with: { text: one } }
  - { id: second, type: message, with: { text: two } }
  - { id: third, type: message, needs: [second], with: { text: three } }
`);
    expect(run.status).toBe('succeeded');
    const texts: unknown[] = [];
    for await (const e of engine.events(run.id)) if (e.type === 'message') texts.push(e.data);
    expect(texts).toEqual([{ text: 'one' }, { text: 'two' }, { text: 'three' }]);
  });

  it('subworkflow runs a stored workflow as a child run', async () => {
    await setup();
    await engine.publish(yaml`
id: child
inputs: { type: object, properties: { x: { type: number } } }
outputs: { doubled: "{{ inputs.x * 2 }}" }
nodes:
  - { id: a, type: noop }
`);
    const run = await engine.run(yaml`
id: parent
nodes:
  - { id: sub, type: subworkflow, with: { workflow: child, input: { x: 21 } } }
`);
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ doubled: 42 });
  });

  it('a failing child fails the subworkflow node', async () => {
    await setup();
    await engine.publish(
      `id: bad-child\nnodes:\n  - { id: f, type: fail, with: { code: nope, message: child broke } }\n`,
    );
    const run = await engine.run(
      `id: p2\nnodes:\n  - { id: sub, type: subworkflow, with: { workflow: bad-child } }\n`,
    );
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'nope' });
  });

  it('rejects input that does not match the inputs schema, naming the field', async () => {
    await setup();
    const def = `id: typed\ninputs: { type: object, required: [n], properties: { n: { type: number } } }\nnodes:\n  - { id: a, type: noop }\n`;
    await expect(engine.start(def, { input: { n: 'x' } })).rejects.toThrow(
      /input\.n must be number/,
    );
    await expect(engine.start(def, { input: {} })).rejects.toThrow(/input\.n is required/);
  });
});
