import { describe, expect, test } from 'vitest';
import { DEFAULT_LIMITS, parseDefinition } from './index.js';
import { testRegistry } from './test-support.js';

const registry = testRegistry();

const WORKFLOW_YAML = `
id: demo
inputs:
  type: object
  properties:
    name: { type: string, default: world }
outputs:
  greeting: "{{ greet.text }}"
nodes:
  - id: greet
    type: set
    with:
      values:
        text: "Hello {{ inputs.name }}"
        n: 3
        flag: true
        none: null
  - id: check
    type: if
    needs: [greet]
    with: { condition: "greet.n > 2" }
  - id: yes
    type: noop
    needs: [{ node: check, port: "true" }]
`;

const WORKFLOW_JSON = JSON.stringify(
  {
    id: 'demo',
    inputs: { type: 'object', properties: { name: { type: 'string', default: 'world' } } },
    outputs: { greeting: '{{ greet.text }}' },
    nodes: [
      {
        id: 'greet',
        type: 'set',
        with: { values: { text: 'Hello {{ inputs.name }}', n: 3, flag: true, none: null } },
      },
      { id: 'check', type: 'if', needs: ['greet'], with: { condition: 'greet.n > 2' } },
      { id: 'yes', type: 'noop', needs: [{ node: 'check', port: 'true' }] },
    ],
  },
  null,
  2,
);

describe('formats', () => {
  test('JSON and YAML give the same definition', () => {
    const y = parseDefinition(WORKFLOW_YAML, { registry });
    const j = parseDefinition(WORKFLOW_JSON, { registry });
    expect(y.ok && j.ok).toBe(true);
    if (!y.ok || !j.ok) return;
    expect(j.definition).toEqual(y.definition);
    expect(y.definition.edges).toEqual([
      { from: 'greet', to: 'check' },
      { from: 'check', port: 'true', to: 'yes' },
    ]);
  });

  test('the format is detected, and can be forced', () => {
    expect(parseDefinition(WORKFLOW_JSON, { registry, format: 'yaml' }).ok).toBe(true);
    const forced = parseDefinition(WORKFLOW_YAML, { registry, format: 'json' });
    expect(forced.ok).toBe(false);
    expect(forced.diagnostics[0]?.message).toMatch(/^invalid JSON/);
  });

  test('JSON diagnostics have lines and columns too', () => {
    const text = WORKFLOW_JSON.replace('"type": "noop"', '"type": "nope"');
    const r = parseDefinition(text, { registry });
    expect(r.ok).toBe(false);
    const line = text.split('\n').findIndex((l) => l.includes('"nope"')) + 1;
    const column = (text.split('\n')[line - 1] ?? '').indexOf('"nope"') + 1;
    expect(r.diagnostics).toEqual([
      { path: 'nodes[2].type', message: 'unknown node type `nope`', line, column },
    ]);
  });

  test('JSON keys are placed too', () => {
    const text = '{\n  "id": "w",\n  "nodes": [{ "id": "a", "type": "noop", "retyr": {} }]\n}';
    expect(parseDefinition(text, { registry }).diagnostics).toEqual([
      {
        path: 'nodes[0].retyr',
        message: 'unknown key `retyr` (did you mean `retry`?)',
        line: 3,
        column: (text.split('\n')[2] ?? '').indexOf('"retyr"') + 1,
      },
    ]);
  });

  test('JSON syntax errors are placed', () => {
    const r = parseDefinition('{\n  "id": "w",\n  "nodes": [}\n', { registry });
    expect(r).toEqual({
      ok: false,
      diagnostics: [
        { path: '', message: 'invalid JSON: expected a value, found `}`', line: 3, column: 13 },
      ],
    });
    const trailing = parseDefinition('{"id": "w", "nodes": [],\n}', { registry });
    expect(trailing.diagnostics).toEqual([
      {
        path: '',
        message: 'invalid JSON: expected a double-quoted property name, found `}`',
        line: 2,
        column: 1,
      },
    ]);
  });

  test('YAML syntax errors are placed', () => {
    const r = parseDefinition('id: w\nnodes:\n  - { id: a, type: noop\n', { registry });
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]).toMatchObject({
      path: '',
      line: expect.any(Number),
      column: expect.any(Number),
    });
    expect(r.diagnostics[0]?.message).toMatch(/^invalid YAML: /);
  });

  test('YAML duplicate keys are errors', () => {
    const r = parseDefinition('id: w\nid: v\nnodes: []\n', { registry });
    expect(r).toMatchObject({ ok: false, diagnostics: [{ line: 2, column: 1 }] });
    expect(r.diagnostics[0]?.message).toMatch(/unique/);
  });

  test('one workflow per text', () => {
    const r = parseDefinition('id: a\nnodes: [{ id: a, type: noop }]\n---\nid: b\n', { registry });
    expect(r).toMatchObject({
      ok: false,
      diagnostics: [
        { line: 3, message: 'a definition holds one workflow, but this text has 2 YAML documents' },
      ],
    });
  });

  test('empty text and non-mappings', () => {
    expect(parseDefinition('  \n', { registry }).diagnostics).toEqual([
      { path: '', message: 'the definition is empty', line: 1, column: 1 },
    ]);
    expect(parseDefinition('- a\n', { registry }).diagnostics[0]?.message).toMatch(
      /must be a mapping/,
    );
  });

  test('YAML 1.2: yes/no/on are strings, not booleans', () => {
    const r = parseDefinition(
      'id: w\nnodes: [{ id: a, type: set, with: { values: { a: yes, b: on } } }]\n',
      { registry },
    );
    expect(r.ok && r.definition.nodes[0]?.with).toEqual({ values: { a: 'yes', b: 'on' } });
  });

  test('a leading BOM is ignored', () => {
    expect(parseDefinition(`\uFEFF${WORKFLOW_JSON}`, { registry }).ok).toBe(true);
    expect(parseDefinition(`\uFEFF${WORKFLOW_YAML}`, { registry }).ok).toBe(true);
  });
});

describe('limits', () => {
  test('defaults are those of the spec', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxBytes: 1024 * 1024,
      maxNodes: 2000,
      maxAliases: 100,
      maxDepth: 64,
    });
  });

  test('size is checked before parsing', () => {
    const text = `id: w\ndescription: "${'x'.repeat(DEFAULT_LIMITS.maxBytes)}"\nnodes: [`;
    const started = performance.now();
    const r = parseDefinition(text, { registry });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(r).toMatchObject({ ok: false, diagnostics: [{ path: '' }] });
    expect(r.diagnostics[0]?.message).toBe(
      `definition is too large: ${text.length} bytes (limit maxBytes = 1048576)`,
    );
    expect(
      parseDefinition('id: w\nnodes: [{ id: a, type: noop }]\n', {
        registry,
        limits: { maxBytes: 10 },
      }).diagnostics[0]?.message,
    ).toMatch(/maxBytes = 10\b/);
  });

  test('100,000-deep JSON is refused, not a crash', () => {
    const text = `{"id":"w","nodes":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const r = parseDefinition(text, { registry });
    // The definition object is the first level, so the 64th bracket is the first one too deep.
    expect(r).toMatchObject({
      ok: false,
      diagnostics: [{ path: '', line: 1, column: '{"id":"w","nodes":'.length + 64 }],
    });
    expect(r.diagnostics[0]?.message).toBe(
      'nesting is too deep: more than 64 levels (limit maxDepth = 64)',
    );
  });

  test('100,000-deep YAML is refused quickly, not a crash', () => {
    for (const [text, line] of [
      [`id: w\nnodes: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, 2],
      [`id: w\nnodes:\n  ${'- '.repeat(100_000)}x\n`, 3],
      [`id: w\nx: ${'{a: '.repeat(100_000)}1${'}'.repeat(100_000)}\n`, 2],
    ] as const) {
      const started = performance.now();
      const r = parseDefinition(text, { registry });
      const ms = performance.now() - started;
      expect(r.ok).toBe(false);
      expect(r.diagnostics[0]?.message).toMatch(/limit maxDepth = 64/);
      expect(r.diagnostics[0]?.line).toBe(line);
      expect(ms).toBeLessThan(1000);
    }
  });

  test('depth just within the limit is fine; one more is not', () => {
    // The definition object is level 1, `with` 3, `values` 4 ... so 60 more arrays reach 64.
    const within = `{"id":"w","nodes":[{"id":"a","type":"set","with":{"values":{"v":${'['.repeat(59)}${']'.repeat(59)}}}}]}`;
    expect(parseDefinition(within, { registry }).ok).toBe(true);
    expect(parseDefinition(within, { registry, format: 'yaml' }).ok).toBe(true);
    const over = within.replace('"v":[', '"v":[[').replace(']}}}', ']]}}}');
    expect(parseDefinition(over, { registry }).diagnostics[0]?.message).toMatch(/maxDepth/);
    expect(parseDefinition(over, { registry, format: 'yaml' }).diagnostics[0]?.message).toMatch(
      /maxDepth/,
    );
  });

  test('a YAML alias bomb (billion laughs) is refused in well under a second', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const text = `id: w\nnodes: [{ id: x, type: noop }]\nbomb:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
    const started = performance.now();
    const r = parseDefinition(text, { registry });
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(500);
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]?.message).toBe(
      'too many YAML aliases: expanding them exceeds the limit (limit maxAliases = 100)',
    );
  });

  test('a few aliases are fine', () => {
    const text =
      'id: w\nnodes:\n  - { id: a, type: http, with: &w { url: "https://example.com" } }\n  - { id: b, type: http, with: *w }\n';
    const r = parseDefinition(text, { registry });
    expect(r.ok && r.definition.nodes[1]?.with).toEqual({ url: 'https://example.com' });
  });

  test('aliases can be forbidden', () => {
    const text =
      'id: w\nnodes:\n  - { id: a, type: http, with: &w { url: "https://example.com" } }\n  - { id: b, type: http, with: *w }\n';
    expect(
      parseDefinition(text, { registry, limits: { maxAliases: 0 } }).diagnostics[0]?.message,
    ).toMatch(/maxAliases = 0/);
  });

  test('node count, counting nested bodies', () => {
    const body = Array.from({ length: 5 }, (_, i) => ({ id: `b${i}`, type: 'noop' }));
    const def = {
      id: 'w',
      nodes: [
        { id: 'a', type: 'noop' },
        { id: 'each', type: 'foreach', with: { items: 'inputs.l' }, nodes: body },
      ],
    };
    const r = parseDefinition(JSON.stringify(def), { registry, limits: { maxNodes: 6 } });
    expect(r.diagnostics).toEqual([
      {
        path: 'nodes',
        message: 'too many nodes: 7, counting nested bodies (limit maxNodes = 6)',
        line: 1,
        column: 19,
      },
    ]);
    expect(parseDefinition(JSON.stringify(def), { registry, limits: { maxNodes: 7 } }).ok).toBe(
      true,
    );
  });
});
