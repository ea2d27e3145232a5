import { describe, expect, test } from 'vitest';
import { compileExpression, compileTemplate } from '../expr/index.js';
import { WeftError } from '../errors.js';
import type { Diagnostic } from './diagnostic.js';
import { parseDefinition, validateDefinition, RESERVED_NAMES } from './index.js';
import { testRegistry } from './test-support.js';

const registry = testRegistry();

/** Joins lines so that line numbers in assertions can be read off the source. */
const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;

function errors(text: string): Diagnostic[] {
  const r = parseDefinition(text, { registry });
  if (r.ok)
    throw new Error(`expected errors, got a valid definition: ${JSON.stringify(r.definition)}`);
  return r.diagnostics;
}

function ok(text: string) {
  const r = parseDefinition(text, { registry });
  if (!r.ok)
    throw new Error(
      `expected a valid definition, got:\n${r.diagnostics.map((d) => `${d.line}:${d.column} ${d.path}: ${d.message}`).join('\n')}`,
    );
  return r;
}

/** The one diagnostic whose message contains `part`. */
function one(diags: Diagnostic[], part: string): Diagnostic {
  const found = diags.filter((d) => d.message.includes(part));
  if (found.length !== 1)
    throw new Error(
      `expected one diagnostic with "${part}", got:\n${JSON.stringify(diags, null, 1)}`,
    );
  return found[0] as Diagnostic;
}

/** Line and column (1-based) of the `nth` occurrence of `token` in `text`. */
function where(text: string, token: string, nth = 0): [number, number] {
  let at = -1;
  for (let k = 0; k <= nth; k++) {
    at = text.indexOf(token, at + 1);
    if (at === -1) throw new Error(`no ${token} in text`);
  }
  const before = text.slice(0, at);
  return [before.split('\n').length, at - before.lastIndexOf('\n')];
}

/** 0-based offset of a syntax error as the expression module reports it. */
function syntaxOffset(compile: () => unknown): number {
  try {
    compile();
  } catch (e) {
    const p = WeftError.is(e)
      ? (e.details as { position?: unknown } | undefined)?.position
      : undefined;
    if (typeof p === 'number') return p;
    throw new Error(`no position in ${String(e)}`);
  }
  throw new Error('expected a syntax error');
}

describe('a valid definition', () => {
  test('the SPEC example shape validates and normalises', () => {
    const r = ok(
      yaml(
        'id: support-triage',
        'name: Support triage',
        'inputs:',
        '  type: object',
        '  required: [question]',
        '  properties:',
        '    question: { type: string }',
        '    tier: { type: string, default: basic }',
        'outputs:',
        '  answer: "{{ reply.text }}"',
        'defaults: { timeout_ms: 30000, retry: { max_attempts: 1 } }',
        'limits: { max_concurrency: 16, timeout_ms: 3600000 }',
        'concurrency: { key: "{{ inputs.customer }}", limit: 1 }',
        'triggers:',
        '  - { type: webhook, path: support }',
        '  - { type: cron, schedule: "0 9 * * 1-5", timezone: Europe/Paris, input: { question: digest } }',
        'nodes:',
        '  - id: classify',
        '    type: set',
        '    with: { values: { text: "Classify: {{ inputs.question }}" } }',
        '    retry: { max_attempts: 3, backoff: exponential, initial_ms: 200, max_ms: 5000, jitter: true }',
        '    timeout_ms: 20000',
        '    on_error: fail',
        '  - id: route',
        '    type: switch',
        '    with:',
        '      cases:',
        '        - { port: billing, when: "classify.text = \'billing\'" }',
        '        - { port: bug, when: "classify.text = \'bug\'" }',
        '  - id: reply',
        '    type: transform',
        "    with: { expression: \"{ 'text': 'Routed: ' & classify.text }\" }",
        '    join: any',
        'edges:',
        '  - { from: classify, to: route }',
        '  - { from: route, port: billing, to: reply }',
        '  - { from: route, port: bug, to: reply }',
        '  - { from: route, port: default, to: reply }',
      ),
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.definition.id).toBe('support-triage');
    expect(r.definition.nodes.map((n) => n.id)).toEqual(['classify', 'route', 'reply']);
    expect(r.definition.edges).toEqual([
      { from: 'classify', to: 'route' },
      { from: 'route', port: 'billing', to: 'reply' },
      { from: 'route', port: 'bug', to: 'reply' },
      { from: 'route', port: 'default', to: 'reply' },
    ]);
  });

  test('needs become edges, merged with explicit ones; the result has no needs', () => {
    const r = ok(
      yaml(
        'id: w',
        'nodes:',
        '  - { id: a, type: noop }',
        '  - { id: check, type: if, with: { condition: "inputs.x > 1" }, needs: [a] }',
        '  - { id: c, type: noop, needs: [a, { node: check, port: "true" }] }',
        '  - { id: d, type: noop, needs: [{ node: check, port: "false" }, { node: check, port: "false" }] }',
        'edges:',
        '  - { from: a, to: c }',
        '  - { from: a, port: out, to: check }',
      ),
    );
    expect(r.definition.edges).toEqual([
      { from: 'a', to: 'c' },
      { from: 'a', to: 'check' },
      { from: 'check', port: 'true', to: 'c' },
      { from: 'check', port: 'false', to: 'd' },
    ]);
    for (const n of r.definition.nodes) expect(n).not.toHaveProperty('needs');
  });

  test('a body under with.nodes moves to the node; its needs become body edges', () => {
    const r = ok(
      yaml(
        'id: w',
        'nodes:',
        '  - id: each',
        '    type: foreach',
        '    with:',
        '      items: "inputs.list"',
        '      nodes:',
        '        - { id: fetch, type: http, with: { url: "https://example.com/{{ item.id }}" } }',
        '        - { id: keep, type: set, with: { values: { i: "{{ index }}", s: "{{ fetch.status }}" } }, needs: [fetch] }',
        '  - { id: after, type: set, with: { values: { all: "{{ each }}" } }, needs: [each] }',
      ),
    );
    const each = r.definition.nodes[0];
    expect(each?.with).toEqual({ items: 'inputs.list' });
    expect(each?.nodes?.map((n) => n.id)).toEqual(['fetch', 'keep']);
    expect(each?.edges).toEqual([{ from: 'fetch', to: 'keep' }]);
    expect(r.definition.edges).toEqual([{ from: 'each', to: 'after' }]);
  });

  test('a foreach may name a workflow instead of a body', () => {
    ok(
      yaml(
        'id: w',
        'nodes:',
        '  - { id: each, type: foreach, with: { items: "inputs.list", workflow: child } }',
      ),
    );
  });

  test('templates are accepted wherever the parameter schema wants another type', () => {
    ok(
      yaml(
        'id: w',
        'nodes:',
        '  - id: h',
        '    type: http',
        '    with: { url: "{{ inputs.url }}", method: "{{ inputs.method }}", timeout: "{{ inputs.t }}", headers: "{{ inputs.h }}" }',
      ),
    );
  });

  test('expression parameters may be wrapped as one {{ }}', () => {
    ok(
      yaml('id: w', 'nodes:', '  - { id: c, type: if, with: { condition: "{{ inputs.x > 1 }}" } }'),
    );
  });

  test('raw parameters are not read as templates', () => {
    ok(
      yaml('id: w', 'nodes:', '  - { id: c, type: code, with: { source: "return `{{ ${1 +}`" } }'),
    );
  });

  test('JSONata variables are not names of the scope', () => {
    ok(
      yaml(
        'id: w',
        'nodes:',
        '  - { id: t, type: transform, with: { expression: "($n := $count(inputs.list); $n + 1)" } }',
      ),
    );
  });

  test('plain paths are checked without a parse, with the same verdicts as the compiler', () => {
    for (const source of ['inputs', 'inputs.a', ' classify.text.value ', 'run.id']) {
      expect(compileExpression(source).roots).toEqual([source.trim().split('.')[0]]);
    }
    const d = errors(
      yaml(
        'id: w',
        'nodes:',
        '  - { id: t, type: set, with: { values: { a: "{{ inputs.constructor }}", b: "{{ inputs.and }}" } } }',
      ),
    );
    expect(d.map((x) => x.path)).toContain('nodes[0].with.values.a');
  });

  test('outputs may read any top-level node', () => {
    ok(
      yaml(
        'id: w',
        'outputs: { a: "{{ b.x }}", b: "{{ a }}" }',
        'nodes:',
        '  - { id: a, type: noop }',
        '  - { id: b, type: noop }',
      ),
    );
  });

  test('a loop body reads iteration and previous; its while reads the body', () => {
    ok(
      yaml(
        'id: w',
        'nodes:',
        '  - { id: start, type: noop }',
        '  - id: poll',
        '    type: loop',
        '    needs: [start]',
        '    with: { while: "check.status != \'done\' and iteration < 10", max_iterations: 10 }',
        '    nodes:',
        '      - { id: check, type: set, with: { values: { n: "{{ iteration }}", p: "{{ previous }}", s: "{{ start }}" } } }',
      ),
    );
  });

  test('a state machine validates', () => {
    const r = ok(
      yaml(
        'id: order',
        'kind: state-machine',
        'initial: created',
        'context: { paid: 0 }',
        'states:',
        '  created:',
        '    on:',
        '      PAY: { target: paid, guard: "event.amount >= inputs.total", assign: { paid: "{{ event.amount }}" } }',
        '      CANCEL: cancelled',
        '    after: { P7D: expired }',
        '  paid:',
        '    entry: [ { id: notify, type: http, with: { method: POST, url: "https://example.com/hook" } } ]',
        '    on: { SHIP: shipped }',
        '  shipped: { type: final }',
        '  cancelled: { type: final }',
        '  expired: { type: final }',
      ),
    );
    expect(r.definition.nodes).toEqual([]);
    expect(r.definition.states).toHaveProperty('created');
  });
});

describe('every problem, with its path and position', () => {
  test('all problems are reported at once', () => {
    const d = errors(
      yaml(
        'id: Bad_Id',
        'nodes:',
        '  - { id: a, type: htp }',
        '  - { id: a, type: noop }',
        '  - { id: b, type: noop, retyr: {} }',
        'edges:',
        '  - { from: b, to: ghost }',
      ),
    );
    expect(d.map((x) => `${x.line}:${x.column} ${x.path}: ${x.message}`)).toEqual([
      '1:5 id: workflow id must match ^[a-z0-9][a-z0-9_-]{0,63}$ (lower-case letters, digits, `_` and `-`)',
      '3:20 nodes[0].type: unknown node type `htp` (did you mean `http`?)',
      '4:11 nodes[1].id: duplicate node id `a` (first used at nodes[0])',
      '5:26 nodes[2].retyr: unknown key `retyr` (did you mean `retry`?)',
      '7:20 edges[0].to: edge to unknown node `ghost`',
    ]);
  });

  test('missing required keys point at the object', () => {
    const d = errors(yaml('name: x', 'nodes:', '  - type: noop'));
    expect(d).toEqual([
      { path: 'id', message: 'missing required key `id`', line: 1, column: 1 },
      { path: 'nodes[0].id', message: 'missing required key `id`', line: 3, column: 5 },
    ]);
  });

  test('a graph workflow needs nodes', () => {
    expect(one(errors(yaml('id: w')), 'nodes')).toMatchObject({
      path: 'nodes',
      message: 'missing required key `nodes`',
    });
    expect(one(errors(yaml('id: w', 'nodes: []')), 'node')).toMatchObject({
      path: 'nodes',
      line: 2,
      column: 8,
    });
  });

  test('bad node ids and reserved names', () => {
    const d = errors(
      yaml('id: w', 'nodes:', '  - { id: 1st, type: noop }', '  - { id: inputs, type: noop }'),
    );
    expect(one(d, 'node id must match')).toMatchObject({
      path: 'nodes[0].id',
      line: 3,
      column: 11,
    });
    expect(one(d, 'reserved')).toMatchObject({ path: 'nodes[1].id', line: 4, column: 11 });
    expect(RESERVED_NAMES).toEqual(
      expect.arrayContaining(['inputs', 'run', 'item', 'index', 'iteration', 'previous', 'error']),
    );
  });

  test('unknown keys are errors, with a suggestion; with, inputs and context are open', () => {
    const d = errors(
      yaml(
        'id: w',
        'inputs: { type: object, x-anything: 1 }',
        'nodes:',
        '  - id: a',
        '    type: noop',
        '    timeout: 5',
        '    retry: { max_attempt: 2 }',
        'edgs: []',
      ),
    );
    expect(d.map((x) => [x.path, x.message, x.line, x.column])).toEqual([
      ['nodes[0].timeout', 'unknown key `timeout`', 6, 5],
      [
        'nodes[0].retry.max_attempt',
        'unknown key `max_attempt` (did you mean `max_attempts`?)',
        7,
        14,
      ],
      ['edgs', 'unknown key `edgs` (did you mean `edges`?)', 8, 1],
    ]);
  });

  test('value ranges and enums of the DSL', () => {
    const d = errors(
      yaml(
        'id: w',
        'limits: { max_concurrency: 0 }',
        'nodes:',
        '  - id: a',
        '    type: noop',
        '    retry: { max_attempts: 1.5, backoff: linear }',
        '    timeout_ms: -1',
        '    join: some',
        '    on_error: ignore',
      ),
    );
    expect(d.map((x) => [x.path, x.message, x.line, x.column])).toEqual([
      ['limits.max_concurrency', 'must be at least 1', 2, 28],
      ['nodes[0].retry.max_attempts', 'expected an integer, got a number', 6, 28],
      ['nodes[0].retry.backoff', 'must be one of fixed, exponential', 6, 42],
      ['nodes[0].timeout_ms', 'must be at least 1', 7, 17],
      ['nodes[0].join', 'must be one of all, any', 8, 11],
      [
        'nodes[0].on_error',
        'on_error must be fail, continue, branch or { return: <value> }',
        9,
        15,
      ],
    ]);
  });

  test('retention: days and runs, each checked, typos named', () => {
    const r = ok(
      yaml('id: w', 'retention: { days: 30, runs: 1000 }', 'nodes: [{ id: a, type: noop }]'),
    );
    expect(r.definition?.retention).toEqual({ days: 30, runs: 1000 });
    ok(yaml('id: w', 'retention: { days: 0.5 }', 'nodes: [{ id: a, type: noop }]'));
    const d = errors(
      yaml('id: w', 'retention: { days: 0, runs: 2.5 }', 'nodes: [{ id: a, type: noop }]'),
    );
    expect(d.map((x) => [x.path, x.message])).toEqual([
      ['retention.days', 'must be greater than 0'],
      ['retention.runs', 'expected an integer, got a number'],
    ]);
    const typo = errors(
      yaml('id: w', 'retention: { dayz: 7, runs: 0 }', 'nodes: [{ id: a, type: noop }]'),
    );
    expect(typo.map((x) => [x.path, x.message])).toEqual([
      ['retention.dayz', 'unknown key `dayz` (did you mean `days`?)'],
      ['retention.runs', 'must be at least 1'],
    ]);
  });

  test('rate: a whole limit of 1 or more and a window above 0, on nodes that do work', () => {
    const r = ok(
      yaml(
        'id: w',
        'nodes:',
        '  - { id: a, type: noop, rate: { limit: 5, per: 1000 } }',
        '  - { id: b, type: noop, rate: { limit: 1, per: PT1M, key: github } }',
        '  - id: each',
        '    type: foreach',
        '    with: { items: "[1]" }',
        '    nodes: [{ id: c, type: noop, rate: { limit: 2, per: "500" } }]',
      ),
    );
    expect(r.definition?.nodes.map((n) => n.rate)).toEqual([
      { limit: 5, per: 1000 },
      { limit: 1, per: 'PT1M', key: 'github' },
      undefined,
    ]);
    const per =
      'must be a duration above 0: milliseconds, or ISO 8601 such as PT1S or PT1M (at most 2147483647 ms)';
    const d = errors(
      yaml(
        'id: w',
        'nodes:',
        '  - { id: a, type: noop, rate: { limit: 0, per: 0 } }',
        '  - { id: b, type: noop, rate: { limit: 2.5, per: PT0S } }',
        '  - { id: c, type: noop, rate: { limit: 1, per: soon, kee: x } }',
        '  - { id: d, type: noop, rate: { limit: 1 } }',
        '  - id: e',
        '    type: loop',
        '    with: { while: "false", max_iterations: 2 }',
        '    rate: { limit: 1, per: 10 }',
        '    nodes: [{ id: f, type: noop }]',
      ),
    );
    expect(d.map((x) => [x.path, x.message, x.line])).toEqual([
      ['nodes[0].rate.limit', 'must be a whole number, 1 or more', 3],
      ['nodes[0].rate.per', 'must be greater than 0', 3],
      ['nodes[1].rate.limit', 'must be a whole number', 4],
      ['nodes[1].rate.per', per, 4],
      ['nodes[2].rate.per', per, 5],
      ['nodes[2].rate.kee', 'unknown key `kee` (did you mean `key`?)', 5],
      ['nodes[3].rate.per', 'missing required key `per`', 6],
      [
        'nodes[4].rate',
        '`rate` limits the nodes that do work; `loop` is driven by the engine itself',
        10,
      ],
    ]);
    // Every node type's own rate would be a tenant-wide rate on `set` and `if` alike: not a default.
    expect(
      errors(
        yaml(
          'id: w',
          'defaults: { rate: { limit: 1, per: 10 } }',
          'nodes: [{ id: a, type: noop }]',
        ),
      ).map((x) => x.path),
    ).toEqual(['defaults.rate']);
  });

  test('budget: whole tokens of 1 or more and a period above 0, on nodes that spend tokens', () => {
    const r = ok(
      yaml(
        'id: w',
        'nodes:',
        '  - { id: a, type: llm, with: { prompt: hi }, budget: { tokens: 1000000, per: P1D } }',
        '  - id: b',
        '    type: llm',
        '    with: { prompt: hi, credential: openai }',
        '    budget: { tokens: 500, per: 3600000, key: nightly }',
        '    rate: { limit: 5, per: PT1S }',
      ),
    );
    expect(r.definition?.nodes.map((n) => n.budget)).toEqual([
      { tokens: 1_000_000, per: 'P1D' },
      { tokens: 500, per: 3_600_000, key: 'nightly' },
    ]);
    const per =
      'must be a duration above 0: milliseconds, or ISO 8601 such as PT1S or PT1M (at most 2147483647 ms)';
    const d = errors(
      yaml(
        'id: w',
        'nodes:',
        '  - { id: a, type: llm, with: { prompt: x }, budget: { tokens: 0, per: 0 } }',
        '  - { id: b, type: llm, with: { prompt: x }, budget: { tokens: 2.5, per: P30D } }',
        '  - { id: c, type: llm, with: { prompt: x }, budget: { tokens: 1000000000001, per: PT1H, keys: x } }',
        '  - { id: d, type: llm, with: { prompt: x }, budget: { tokens: 1 } }',
        '  - { id: e, type: http, with: { url: "http://x.test" }, budget: { tokens: 1, per: P1D } }',
        '  - id: f',
        '    type: foreach',
        '    with: { items: "[1]" }',
        '    budget: { tokens: 1, per: P1D }',
        '    nodes: [{ id: g, type: llm, with: { prompt: x }, budget: { tokens: 9, per: PT1M } }]',
      ),
    );
    expect(d.map((x) => [x.path, x.message, x.line])).toEqual([
      ['nodes[0].budget.tokens', 'must be a whole number, 1 or more', 3],
      ['nodes[0].budget.per', 'must be greater than 0', 3],
      ['nodes[1].budget.tokens', 'must be a whole number', 4],
      ['nodes[1].budget.per', per, 4],
      ['nodes[2].budget.tokens', 'must be at most 1000000000000', 5],
      ['nodes[2].budget.keys', 'unknown key `keys` (did you mean `key`?)', 5],
      ['nodes[3].budget.per', 'missing required key `per`', 6],
      [
        'nodes[4].budget',
        '`budget` counts the model tokens of `llm` and `agent` nodes; `http` spends none',
        7,
      ],
      [
        'nodes[5].budget',
        '`budget` counts the model tokens of `llm` and `agent` nodes; `foreach` spends none',
        11,
      ],
    ]);
    // Not a default: a tenant-wide budget on every node type alike would mean nothing.
    expect(
      errors(
        yaml(
          'id: w',
          'defaults: { budget: { tokens: 1, per: P1D } }',
          'nodes: [{ id: a, type: llm, with: { prompt: x } }]',
        ),
      ).map((x) => x.path),
    ).toEqual(['defaults.budget']);
  });

  test('on_error: { return } is explained by the object form', () => {
    const d = errors(yaml('id: w', 'nodes:', '  - { id: a, type: noop, on_error: { retrun: 1 } }'));
    expect(d.map((x) => x.message)).toEqual([
      'missing required key `return`',
      'unknown key `retrun` (did you mean `return`?)',
    ]);
    ok(
      yaml(
        'id: w',
        'nodes:',
        '  - { id: a, type: noop, on_error: { return: { fallback: true } } }',
      ),
    );
  });

  test('triggers', () => {
    const d = errors(
      yaml(
        'id: w',
        'triggers:',
        '  - { type: webhook, path: /hooks/a }',
        '  - { type: cron, schedule: "every day", timezone: Mars/Olympus }',
        '  - { type: email }',
        '  - { type: webhook, path: a }',
        '  - { type: webhook, path: a }',
        'nodes: [{ id: a, type: noop }]',
      ),
    );
    expect(d.map((x) => [x.path, x.line])).toEqual([
      ['triggers[0].path', 3],
      ['triggers[1].schedule', 4],
      ['triggers[1].timezone', 4],
      ['triggers[2].type', 5],
      ['triggers[4].path', 7],
    ]);
    expect(one(d, 'cron schedule')).toMatchObject({ message: expect.stringContaining('5 fields') });
    expect(one(d, 'trigger type').message).toBe('trigger type must be webhook, cron or manual');
    expect(one(d, 'time zone').message).toBe('unknown time zone "Mars/Olympus"');
    expect(one(d, 'already declared').message).toBe(
      'webhook `POST a` is already declared at triggers[3]',
    );
  });

  test('inputs must be a valid JSON Schema of an object', () => {
    const src = yaml(
      'id: w',
      'inputs:',
      '  type: object',
      '  properties:',
      '    q: { type: strin }',
      '    n: { minimum: "1" }',
      'nodes: [{ id: a, type: noop }]',
    );
    const d = errors(src);
    expect(d.map((x) => [x.path, x.line, x.column])).toEqual([
      ['inputs.properties.q.type', ...where(src, 'strin')],
      ['inputs.properties.n.minimum', ...where(src, '"1"')],
    ]);
    expect(d[0]?.message).toMatch(/^invalid JSON Schema: must be one of .*string/);
    expect(
      one(
        errors(yaml('id: w', 'inputs: { type: string }', 'nodes: [{ id: a, type: noop }]')),
        'object',
      ),
    ).toMatchObject({
      path: 'inputs.type',
    });
    expect(
      one(
        errors(yaml('id: w', 'inputs: { $ref: "#/$defs/nope" }', 'nodes: [{ id: a, type: noop }]')),
        'JSON Schema',
      ).path,
    ).toBe('inputs');
  });

  test('unknown JSON Schema keywords in inputs are warnings', () => {
    const r = ok(
      yaml('id: w', 'inputs: { type: object, requird: [a] }', 'nodes: [{ id: a, type: noop }]'),
    );
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ path: 'inputs', message: expect.stringContaining('requird') }),
    ]);
  });

  test('dangling edges, in edges and in needs', () => {
    const src = yaml(
      'id: w',
      'nodes:',
      '  - { id: fetch, type: noop }',
      '  - { id: b, type: noop, needs: [fetsh] }',
      'edges:',
      '  - { from: nowhere, to: b }',
    );
    expect(errors(src).map((x) => [x.path, x.message, x.line, x.column])).toEqual([
      [
        'nodes[1].needs[0]',
        'needs unknown node `fetsh` (did you mean `fetch`?)',
        ...where(src, 'fetsh'),
      ],
      ['edges[0].from', 'edge from unknown node `nowhere`', ...where(src, 'nowhere')],
    ]);
  });

  test('edges connect nodes of one level', () => {
    const d = errors(
      yaml(
        'id: w',
        'nodes:',
        '  - id: each',
        '    type: foreach',
        '    with: { items: inputs.list }',
        '    nodes:',
        '      - { id: inner, type: noop, needs: [outer] }',
        '  - { id: outer, type: noop }',
        'edges: [{ from: inner, to: outer }]',
      ),
    );
    expect(one(d, 'needs unknown node `outer`').message).toBe(
      'needs unknown node `outer` (`outer` is in an enclosing level; edges connect nodes of one level)',
    );
    expect(one(d, 'edge from unknown node `inner`').message).toBe(
      'edge from unknown node `inner` (`inner` is inside the body of `each`; edges connect nodes of one level)',
    );
  });

  test('unknown ports, and the error port without on_error: branch', () => {
    const src = yaml(
      'id: w',
      'nodes:',
      '  - { id: check, type: if, with: { condition: "inputs.x" } }',
      '  - { id: a, type: noop, needs: [{ node: check, port: tru }] }',
      '  - { id: b, type: noop, needs: [{ node: a, port: error }] }',
      '  - id: route',
      '    type: switch',
      '    with: { cases: [{ port: billing, when: "inputs.x = 1" }] }',
      'edges:',
      '  - { from: route, port: bug, to: b }',
    );
    expect(errors(src).map((x) => [x.path, x.message, x.line, x.column])).toEqual([
      [
        'nodes[1].needs[0].port',
        'node `check` (if) has no port `tru` (did you mean `true`?); its ports are out, true, false',
        ...where(src, 'tru }'),
      ],
      [
        'nodes[2].needs[0].port',
        'node `a` has no port `error`: give it `on_error: branch` to route its errors',
        ...where(src, 'error }'),
      ],
      [
        'edges[0].port',
        'node `route` (switch) has no port `bug`; its ports are out, billing, default',
        ...where(src, 'bug'),
      ],
    ]);
    ok(
      yaml(
        'id: w',
        'nodes:',
        '  - { id: a, type: noop, on_error: branch }',
        '  - { id: b, type: noop, needs: [{ node: a, port: error }] }',
      ),
    );
    ok(
      yaml(
        'id: w',
        'defaults: { on_error: branch }',
        'nodes:',
        '  - { id: a, type: noop }',
        '  - { id: b, type: noop, needs: [{ node: a, port: error }] }',
        '  - { id: c, type: noop, needs: [{ node: b, port: error }] }',
        '  - { id: d, type: noop, needs: [{ node: c, port: error }] }',
        '  - { id: e, type: noop, needs: [{ node: d, port: error }], on_error: fail }',
      ),
    );
  });

  test('on_error: branch with no error edge is a warning', () => {
    const r = ok(yaml('id: w', 'nodes:', '  - { id: a, type: noop, on_error: branch }'));
    expect(r.diagnostics).toEqual([
      {
        path: 'nodes[0].on_error',
        message: 'node `a` has `on_error: branch` but no edge leaves its `error` port',
        line: 3,
        column: 36,
      },
    ]);
  });

  test('self-edges', () => {
    const d = errors(
      yaml(
        'id: w',
        'nodes:',
        '  - { id: a, type: noop, needs: [a] }',
        'edges: [{ from: a, to: a }]',
      ),
    );
    expect(d.map((x) => [x.path, x.message, x.line, x.column])).toEqual([
      ['nodes[0].needs[0]', 'node `a` needs itself', 3, 34],
      ['edges[0]', 'node `a` has an edge to itself', 4, 9],
    ]);
  });

  test('cycles are named in order; what only the cycle leads to is unreachable', () => {
    const d = errors(
      yaml(
        'id: w',
        'nodes:',
        '  - { id: start, type: noop }',
        '  - { id: a, type: noop, needs: [c] }',
        '  - { id: b, type: noop, needs: [a] }',
        '  - { id: c, type: noop, needs: [b] }',
        '  - { id: x, type: noop, needs: [y] }',
        '  - { id: y, type: noop, needs: [x] }',
        '  - { id: z, type: noop, needs: [y] }',
      ),
    );
    expect(d.map((x) => [x.path, x.message, x.line, x.column])).toEqual([
      ['nodes[1].needs[0]', 'cycle: a -> b -> c -> a', 4, 34],
      ['nodes[4].needs[0]', 'cycle: x -> y -> x', 7, 34],
      [
        'nodes[6]',
        'node `z` is unreachable: no path from an entry node (one without incoming edges) leads to it',
        9,
        5,
      ],
    ]);
  });

  test('node parameters are checked against the type schema', () => {
    const src = yaml(
      'id: w',
      'nodes:',
      '  - id: h',
      '    type: http',
      '    with:',
      '      url: not a url',
      '      method: FETCH',
      '      hedaers: {}',
      '  - { id: s, type: switch, with: { cases: [{ port: a }] } }',
      '  - { id: l, type: loop, with: { while: "true" }, nodes: [{ id: i, type: noop }] }',
    );
    expect(errors(src).map((x) => [x.path, x.message, x.line, x.column])).toEqual([
      ['nodes[0].with.url', 'Invalid URL', ...where(src, 'not a url')],
      [
        'nodes[0].with.method',
        'must be one of GET, POST, PUT, PATCH, DELETE',
        ...where(src, 'FETCH'),
      ],
      [
        'nodes[0].with.hedaers',
        'unknown key `hedaers` (did you mean `headers`?)',
        ...where(src, 'hedaers'),
      ],
      // A missing key is placed at the object that lacks it.
      ['nodes[1].with.cases[0].when', 'missing required key `when`', ...where(src, '{ port: a }')],
      [
        'nodes[2].with.max_iterations',
        'missing required key `max_iterations`',
        ...where(src, '{ while'),
      ],
    ]);
  });

  test('a union parameter is explained by the alternative that came closest, and satisfied by a template', () => {
    const d = errors(
      yaml(
        'id: w',
        'nodes:',
        '  - { id: a, type: wait, with: { duration: { minutes: soon } } }',
        '  - { id: b, type: wait, with: { duration: [1] } }',
      ),
    );
    expect(d.map((x) => [x.path, x.message])).toEqual([
      ['nodes[0].with.duration.minutes', 'expected a number, got the string "soon"'],
      ['nodes[1].with.duration', 'Invalid input'],
    ]);
    ok(
      yaml(
        'id: w',
        'nodes:',
        '  - { id: a, type: wait, with: { duration: { minutes: "{{ inputs.m }}" } } }',
        '  - { id: b, type: wait, with: { duration: "{{ inputs.d }}" } }',
      ),
    );
  });

  test('a with that is not an object is one problem, not many', () => {
    expect(
      errors(yaml('id: w', 'nodes:', '  - { id: a, type: set, with: [1] }')).map((x) => [
        x.path,
        x.message,
      ]),
    ).toEqual([['nodes[0].with', 'expected an object, got an array']]);
  });

  test('bodies are checked recursively, with their own paths', () => {
    const src = yaml(
      'id: w',
      'nodes:',
      '  - id: each',
      '    type: foreach',
      '    with: { items: inputs.list }',
      '    nodes:',
      '      - { id: each, type: noop }',
      '      - id: deep',
      '        type: loop',
      '        with: { while: "false", max_iterations: 2 }',
      '        nodes:',
      '          - { id: h, type: http, with: { url: 3 }, bogus: 1 }',
      '  - { id: n, type: noop, nodes: [] }',
      '  - { id: l, type: loop, with: { while: "true", max_iterations: 1 } }',
    );
    const d = errors(src);
    expect(d[0]).toEqual({
      path: 'nodes[0].nodes[0].id',
      message: 'node id `each` is already used by an enclosing level (nodes[0])',
      line: 7,
      column: where(src, 'each, type: noop')[1],
    });
    expect(d.map((x) => [x.path, x.message])).toEqual([
      ['nodes[0].nodes[0].id', 'node id `each` is already used by an enclosing level (nodes[0])'],
      ['nodes[0].nodes[1].nodes[0].with.url', 'url must be a string; write "3" in quotes'],
      ['nodes[0].nodes[1].nodes[0].bogus', 'unknown key `bogus`'],
      ['nodes[1].nodes', 'only `foreach` and `loop` nodes have a body; `noop` does not'],
      ['nodes[2]', '`loop` needs a body (`nodes`, `edges`)'],
    ]);
  });

  test('a body given under with is checked with the node rules', () => {
    const src = yaml(
      'id: w',
      'nodes:',
      '  - id: each',
      '    type: foreach',
      '    with:',
      '      items: inputs.list',
      '      nodes: [{ id: a, typ: noop }]',
    );
    expect(errors(src).map((x) => [x.path, x.message, x.line, x.column])).toEqual([
      ['nodes[0].with.nodes[0].type', 'missing required key `type`', ...where(src, '{ id: a')],
      [
        'nodes[0].with.nodes[0].typ',
        'unknown key `typ` (did you mean `type`?)',
        ...where(src, 'typ:'),
      ],
    ]);
  });

  test('a foreach with both a body and a workflow', () => {
    const d = errors(
      yaml(
        'id: w',
        'nodes:',
        '  - { id: e, type: foreach, with: { items: "inputs.l", workflow: child }, nodes: [{ id: a, type: noop }] }',
      ),
    );
    expect(one(d, 'both')).toMatchObject({ path: 'nodes[0].nodes' });
  });
});

describe('expressions, templates and references', () => {
  test('an expression syntax error points at the character', () => {
    const expr = 'inputs.x = = 1';
    const offset = syntaxOffset(() => compileExpression(expr));
    const d = errors(
      yaml('id: w', 'nodes:', `  - { id: c, type: if, with: { condition: "${expr}" } }`),
    );
    const e = one(d, 'invalid expression');
    expect(e).toMatchObject({ path: 'nodes[0].with.condition', line: 3 });
    expect(e.column).toBe('  - { id: c, type: if, with: { condition: "'.length + 1 + offset);
  });

  test('a template syntax error points at the character, in plain, quoted and literal scalars', () => {
    const text = 'Hello {{ inputs.name + }} !';
    const offset = syntaxOffset(() => compileTemplate(text));
    const d = errors(
      yaml(
        'id: w',
        'nodes:',
        '  - id: s',
        '    type: set',
        '    with:',
        '      values:',
        `        plain: ${text}`,
        `        single: '${text}'`,
        `        double: "\\u0048ello {{ inputs.name + }} !"`,
        '        literal: |',
        '          first line',
        `          ${text}`,
      ),
    );
    const at = (key: string) => d.find((x) => x.path === `nodes[0].with.values.${key}`);
    expect(at('plain')).toMatchObject({ line: 7, column: '        plain: '.length + 1 + offset });
    expect(at('single')).toMatchObject({
      line: 8,
      column: "        single: '".length + 1 + offset,
    });
    expect(at('double')).toMatchObject({
      line: 9,
      column: '        double: "\\u0048'.length + offset - 1 + 1,
    });
    expect(at('literal')).toMatchObject({ line: 12, column: '          '.length + 1 + offset });
    expect(at('plain')?.message).toMatch(/^invalid template: /);
  });

  test('in JSON text too, through escapes', () => {
    const expr = 'inputs.x = = 1';
    const offset = syntaxOffset(() => compileExpression(expr));
    const line =
      '  "nodes": [{ "id": "c", "type": "if", "with": { "condition": "\\u0069nputs.x = = 1" } }]';
    const d = errors(`{\n  "id": "w",\n${line}\n}\n`);
    expect(d).toEqual([
      expect.objectContaining({
        path: 'nodes[0].with.condition',
        line: 3,
        // The escape takes 6 characters of source for the 1 of the value.
        column: line.indexOf('"\\u0069') + 1 + 1 + offset + 5,
      }),
    ]);
  });

  test('when, outputs and concurrency.key are checked', () => {
    const d = errors(
      yaml(
        'id: w',
        'outputs: { r: "{{ a. }}" }',
        'concurrency: { key: "{{ a.x }}", limit: 1 }',
        'nodes:',
        '  - { id: a, type: noop, when: "inputs.x >" }',
      ),
    );
    expect(d.map((x) => [x.path, x.message.split(':')[0]])).toEqual([
      ['outputs.r', 'invalid template'],
      ['concurrency.key', '`concurrency.key` is evaluated when a run is started'],
      ['nodes[0].when', 'invalid expression'],
    ]);
    expect(one(d, 'concurrency')).toMatchObject({ line: 3, column: 25 });
    expect(one(d, 'concurrency').message).toBe(
      '`concurrency.key` is evaluated when a run is started: it can read only `inputs` and `run`, not `a`',
    );
  });

  test('singleton and debounce: their keys, durations and how they go together', () => {
    const src = yaml(
      'id: w',
      'singleton: { key: "{{ inputs.x + }}", mode: later }',
      'debounce: { key: "{{ a.x }}", period: PT, timeout: 0 }',
      'nodes:',
      '  - { id: a, type: noop }',
    );
    const d = errors(src);
    expect(d.map((x) => x.path).sort()).toEqual([
      'debounce',
      'debounce.key',
      'debounce.period',
      'debounce.timeout',
      'singleton.key',
      'singleton.mode',
    ]);
    expect(one(d, 'a duration above 0')).toMatchObject({ path: 'debounce.period', line: 3 });
    expect(one(d, '`debounce.key` is evaluated')).toMatchObject({
      line: 3,
      column: where(src, 'a.x')[1],
    });
    expect(one(d, 'do not go together').path).toBe('debounce');
  });

  test('a debounce timeout shorter than its period is refused; well-formed keys pass', () => {
    const short = errors(
      yaml(
        'id: w',
        'debounce: { key: k, period: PT10S, timeout: 5000 }',
        'nodes: [{ id: a, type: noop }]',
      ),
    );
    expect(short.map((x) => [x.path, x.message])).toEqual([
      [
        'debounce.timeout',
        "`timeout` (5000 ms) must be at least `period` (10000 ms): it bounds how long a burst's first start waits, and every start waits `period`",
      ],
    ]);
    expect(
      errors(
        yaml('id: w', 'debounce: { key: k, period: P8D }', 'nodes: [{ id: a, type: noop }]'),
      )[0]?.message,
    ).toContain('at most P7D');
    ok(
      yaml(
        'id: w',
        'debounce: { key: "{{ inputs.user }}", period: PT2S, timeout: PT1M }',
        'concurrency: { key: "{{ run.workflow }}", limit: 1 }',
        'nodes: [{ id: a, type: noop }]',
      ),
    );
    ok(yaml('id: w', 'singleton: { key: "{{ inputs.user }}" }', 'nodes: [{ id: a, type: noop }]'));
  });

  test('references to nodes that are not upstream', () => {
    const src = yaml(
      'id: w',
      'nodes:',
      '  - { id: a, type: set, with: { values: { x: "{{ b.x }}" } } }',
      '  - { id: b, type: noop, needs: [a] }',
      '  - { id: c, type: noop }',
      '  - { id: d, type: if, needs: [a], with: { condition: "c.ok and d.ok" } }',
    );
    expect(errors(src).map((x) => [x.path, x.message, x.line, x.column])).toEqual([
      [
        'nodes[0].with.values.x',
        'references node `b`, which is not upstream of `a`',
        ...where(src, 'b.x'),
      ],
      [
        'nodes[3].with.condition',
        'references node `c`, which is not upstream of `d`',
        ...where(src, 'c.ok'),
      ],
      [
        'nodes[3].with.condition',
        'references node `d`, which is not upstream of `d`',
        ...where(src, 'd.ok'),
      ],
    ]);
  });

  test('unknown names', () => {
    const src = yaml(
      'id: w',
      'nodes:',
      '  - { id: classify, type: noop }',
      '  - { id: b, type: set, needs: [classify], with: { values: { x: "{{ clasify.text }}", y: "{{ item }}" } } }',
    );
    expect(errors(src).map((x) => [x.path, x.message, x.line, x.column])).toEqual([
      [
        'nodes[1].with.values.x',
        'unknown name `clasify`: not a node, `inputs` or `run` (did you mean `classify`?)',
        ...where(src, 'clasify'),
      ],
      [
        'nodes[1].with.values.y',
        'unknown name `item`: not a node, `inputs` or `run`',
        ...where(src, 'item'),
      ],
    ]);
  });

  test('references across body levels', () => {
    const d = errors(
      yaml(
        'id: w',
        'outputs: { o: "{{ fetch }}" }',
        'nodes:',
        '  - { id: first, type: noop }',
        '  - id: each',
        '    type: foreach',
        '    needs: [first]',
        '    with: { items: "first.list" }',
        '    nodes:',
        '      - { id: fetch, type: set, with: { values: { a: "{{ item }}", b: "{{ index }}", c: "{{ first }}", d: "{{ later }}", e: "{{ each }}" } } }',
        '      - { id: use, type: set, needs: [fetch], with: { values: { a: "{{ fetch }}", b: "{{ iteration }}" } } }',
        '  - { id: later, type: set, needs: [each], with: { values: { a: "{{ each }}", b: "{{ fetch }}" } } }',
      ),
    );
    expect(d.map((x) => [x.path, x.message])).toEqual([
      [
        'outputs.o',
        '`outputs` can read top-level nodes only; `fetch` is inside the body of `each`',
      ],
      [
        'nodes[1].nodes[0].with.values.d',
        'references node `later`, which is not upstream of `fetch`',
      ],
      [
        'nodes[1].nodes[0].with.values.e',
        'references node `each`, which is not upstream of `fetch`',
      ],
      [
        'nodes[1].nodes[1].with.values.b',
        'unknown name `iteration`: not a node, `inputs`, `run`, `item` or `index`',
      ],
      [
        'nodes[2].with.values.b',
        'references node `fetch`, which is not upstream of `later` (`fetch` is inside the body of `each`)',
      ],
    ]);
  });

  test('reachability through long paths, and indirectly downstream nodes', () => {
    const d = errors(
      yaml(
        'id: w',
        'nodes:',
        '  - { id: a, type: noop }',
        '  - { id: b, type: noop, needs: [a] }',
        '  - { id: c, type: noop, needs: [b] }',
        '  - { id: side, type: noop, needs: [a] }',
        '  - { id: d, type: set, needs: [c], with: { values: { ok: "{{ a }}", bad: "{{ side }}" } } }',
      ),
    );
    expect(d.map((x) => x.message)).toEqual([
      'references node `side`, which is not upstream of `d`',
    ]);
  });
});

describe('validateDefinition', () => {
  test('takes parsed data and gives paths without positions', () => {
    const r = validateDefinition({ id: 'w', nodes: [{ id: 'a', type: 'nope' }] }, { registry });
    expect(r).toEqual({
      ok: false,
      diagnostics: [{ path: 'nodes[0].type', message: 'unknown node type `nope`' }],
    });
  });

  test('refuses what is not JSON data', () => {
    const cyclic: Record<string, unknown> = { id: 'w', nodes: [] };
    cyclic['self'] = cyclic;
    const r = validateDefinition(cyclic, { registry });
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]?.message).toContain('maxDepth');
    const fn = validateDefinition(
      { id: 'w', nodes: [{ id: 'a', type: 'noop', with: { f: () => 1 } }] },
      { registry },
    );
    expect(fn.diagnostics).toEqual([
      { path: 'nodes[0].with.f', message: 'a function is not JSON data' },
    ]);
    const proto = validateDefinition(
      JSON.parse('{"id":"w","nodes":[{"id":"a","type":"noop","with":{"__proto__":{}}}]}'),
      { registry },
    );
    expect(proto.diagnostics).toEqual([
      { path: 'nodes[0].with.__proto__', message: 'the key `__proto__` is not allowed' },
    ]);
  });

  test('applies the size limit to data too', () => {
    const r = validateDefinition(
      { id: 'w', description: 'x'.repeat(2000), nodes: [{ id: 'a', type: 'noop' }] },
      { registry, limits: { maxBytes: 1000 } },
    );
    expect(r.diagnostics[0]?.message).toMatch(/too large.*maxBytes = 1000/);
  });
});

describe('hints that say what was meant', () => {
  test('an unknown key in `with` suggests a parameter of the node type, at any depth', () => {
    const src = yaml(
      'id: w',
      'nodes:',
      '  - { id: h, type: http, with: { url: "https://example.com", methd: GET } }',
      '  - { id: t, type: transform, with: { expresion: "1" } }',
      '  - { id: s, type: switch, with: { cases: [{ port: a, wen: "true" }] } }',
      '  - { id: n, type: noop, with: { anything: 1 } }',
    );
    const d = errors(src);
    expect(one(d, '`methd`')).toMatchObject({
      path: 'nodes[0].with.methd',
      message: 'unknown key `methd` (did you mean `method`?)',
      line: 3,
      column: where(src, 'methd')[1],
    });
    expect(one(d, '`expresion`').message).toBe(
      'unknown key `expresion` (did you mean `expression`?)',
    );
    expect(one(d, '`wen`')).toMatchObject({
      path: 'nodes[2].with.cases[0].wen',
      message: 'unknown key `wen` (did you mean `when`?)',
    });
    // Nothing near: no guess.
    expect(one(d, '`anything`').message).toBe('unknown key `anything`');
  });

  test('an unknown `needs` target suggests a node of the same level', () => {
    const src = yaml(
      'id: w',
      'nodes:',
      '  - { id: prepare, type: noop }',
      '  - { id: b, type: noop, needs: [prepar] }',
    );
    expect(one(errors(src), 'prepar')).toMatchObject({
      path: 'nodes[1].needs[0]',
      message: 'needs unknown node `prepar` (did you mean `prepare`?)',
      line: 4,
      column: where(src, 'prepar]')[1],
    });
  });

  test('an unquoted `true`, `false` or number where a port name goes says to quote it', () => {
    const src = yaml(
      'id: w',
      'nodes:',
      '  - { id: c, type: if, with: { condition: "true" } }',
      '  - { id: yes, type: noop, needs: [{ node: c, port: true }] }',
      '  - { id: no, type: noop }',
      '  - { id: s, type: switch, with: { cases: [{ port: 1, when: "true" }] } }',
      'edges:',
      '  - { from: c, port: false, to: no }',
    );
    expect(errors(src).map((x) => [x.path, x.message, x.line])).toEqual([
      ['nodes[1].needs[0].port', 'port must be a string; write "true" in quotes', 4],
      ['nodes[3].with.cases[0].port', 'port must be a string; write "1" in quotes', 6],
      ['edges[0].port', 'port must be a string; write "false" in quotes', 8],
    ]);
  });

  test('an enum error lists the allowed values, and names a near miss', () => {
    const d = errors(
      yaml(
        'id: w',
        'kind: grap',
        'triggers: [{ type: webhook, path: p, method: get }]',
        'nodes:',
        '  - id: a',
        '    type: http',
        '    with: { url: "https://example.com", method: FETCH }',
        '    retry: { backoff: exponental }',
        '    join: some',
      ),
    );
    expect(d.map((x) => [x.path, x.message])).toEqual([
      ['kind', 'must be one of graph, state-machine (did you mean `graph`?)'],
      ['triggers[0].method', 'must be one of GET, POST, PUT, PATCH, DELETE (did you mean `GET`?)'],
      ['nodes[0].with.method', 'must be one of GET, POST, PUT, PATCH, DELETE'],
      ['nodes[0].retry.backoff', 'must be one of fixed, exponential (did you mean `exponential`?)'],
      ['nodes[0].join', 'must be one of all, any'],
    ]);
    const sm = errors(
      yaml('id: m', 'kind: state-machine', 'initial: a', 'states:', '  a: { type: finl }'),
    );
    expect(one(sm, 'must be one of').message).toBe(
      'must be one of normal, final (did you mean `final`?)',
    );
  });
});
