/**
 * `importAstron` on canvases built from astron-agent's own node templates (astron-fixtures.ts):
 * what each node kind becomes, references, branches, iteration bodies, the nodes left out (named,
 * with their line and column), and input that is not a canvas.
 */
import { describe, expect, it } from 'vitest';
import { importAstron, toYaml, TranslateError, describeUnsupported } from '../src/index.js';
import { canvas, edge, INITIAL_CANVAS, node, ref, TEMPLATES } from './astron-canvas.js';
import * as fx from './astron-fixtures.js';

const nodesOf = (doc: Record<string, unknown>) => doc['nodes'] as any[];
const byId = (doc: Record<string, unknown>, id: string) => nodesOf(doc).find((n) => n.id === id);

describe('astron import', () => {
  it('start -> llm -> end: inputs from the start node, an llm, an end node', () => {
    const t = importAstron(fx.chatCanvas(), { id: 'chat' });
    expect(t.unsupported).toEqual([]);
    expect(t.document).toEqual({
      id: 'chat',
      inputs: {
        type: 'object',
        required: ['AGENT_USER_INPUT'],
        properties: { AGENT_USER_INPUT: { type: 'string' } },
      },
      nodes: [
        {
          id: 'answer',
          type: 'llm',
          name: 'Answer',
          with: {
            model: '4.0Ultra',
            system: 'You are terse.',
            prompt: 'Reply briefly to: {{ inputs.AGENT_USER_INPUT }}',
            temperature: 0.5,
            max_tokens: 2048,
          },
        },
        { id: 'end', type: 'end', name: 'End', with: { values: { output: '{{ answer.text }}' } } },
      ],
      edges: [{ from: 'answer', to: 'end' }],
    });
    const yaml = toYaml(t.document, t.notes);
    expect(yaml).toContain(
      '# astron model "4.0Ultra" (bm4): name one your OpenAI-compatible endpoint serves\n      model: 4.0Ultra',
    );
  });

  it('the initial canvas of a new astron workflow imports (its end reads nothing yet)', () => {
    const t = importAstron(JSON.stringify(INITIAL_CANVAS));
    expect(t.unsupported).toEqual([]);
    expect(t.document['inputs']).toEqual({
      type: 'object',
      required: ['AGENT_USER_INPUT'],
      properties: {
        AGENT_USER_INPUT: {
          type: 'string',
          description: "User's input in the current round of conversation",
        },
      },
    });
    expect(nodesOf(t.document)).toEqual([
      { id: 'end', type: 'end', name: 'End', with: { values: { output: null } } },
    ]);
  });

  it('decision: an llm classifying into the intents and a switch routing each intent', () => {
    const t = importAstron(fx.decisionCanvas());
    expect(byId(t.document, 'intent')).toMatchObject({
      type: 'llm',
      with: {
        prompt: '{{ inputs.question }}',
        json_schema: { properties: { class_name: { enum: ['refund', 'shipping', 'default'] } } },
      },
    });
    expect(byId(t.document, 'intent_route')).toEqual({
      id: 'intent_route',
      type: 'switch',
      name: 'Intent (route)',
      with: {
        cases: [
          { port: 'refund', when: 'intent.json.class_name = "refund"' },
          { port: 'shipping', when: 'intent.json.class_name = "shipping"' },
        ],
      },
    });
    expect(t.document['edges']).toEqual(
      expect.arrayContaining([
        { from: 'intent_route', port: 'refund', to: 'refund_reply' },
        { from: 'intent_route', port: 'shipping', to: 'shipping_reply' },
        { from: 'intent_route', port: 'default', to: 'sorry' },
        { from: 'intent', to: 'intent_route' },
      ]),
    );
    expect(byId(t.document, 'end').with.values).toEqual({
      intent: '{{ intent.json.class_name }}',
      refund: '{{ refund_reply.text }}',
      shipping: '{{ shipping_reply.text }}',
    });
  });

  it('if-else: a switch whose cases are the conditions over the inputs; code calls main()', () => {
    const t = importAstron(fx.branchCanvas());
    const sw = byId(t.document, 'big_and_rushed');
    expect(sw.type).toBe('switch');
    expect(sw.with.cases).toHaveLength(1);
    expect(sw.with.cases[0].port).toBe('case_1');
    expect(sw.with.cases[0].when).toContain('$number(inputs.amount) >= $number("100")');
    expect(sw.with.cases[0].when).toContain('$contains($string(inputs.note), $string("rush"))');
    expect(byId(t.document, 'priority_fee').with).toEqual({
      language: 'python',
      input: { amount: '{{ inputs.amount }}' },
      source:
        'def main(amount):\n    return {"fee": amount // 10, "label": "rush"}\n\nreturn main(**input)\n',
    });
    expect(t.document['edges']).toEqual(
      expect.arrayContaining([
        { from: 'big_and_rushed', port: 'case_1', to: 'priority_fee' },
        { from: 'big_and_rushed', port: 'default', to: 'normal' },
      ]),
    );
  });

  it('iteration: a foreach whose body ends in a transform of the iteration end', () => {
    const t = importAstron(fx.iterationCanvas());
    expect(t.unsupported).toEqual([]);
    const each = byId(t.document, 'each_word');
    expect(each).toMatchObject({ type: 'foreach', with: { items: 'inputs.words' } });
    expect(each.nodes).toEqual([
      { id: 'label', type: 'set', name: 'Label', with: { values: { output: 'word: {{ item }}' } } },
      { id: 'end', type: 'transform', name: 'End', with: { expression: 'label.output' } },
    ]);
    expect(each.edges).toEqual([{ from: 'label', to: 'end' }]);
    expect(byId(t.document, 'end_2').with.values).toEqual({ labels: '{{ each_word }}' });
  });

  it('knowledge: a query of the collection named by the repository, with a note', () => {
    const t = importAstron(fx.knowledgeCanvas());
    expect(byId(t.document, 'docs').with).toEqual({
      op: 'query',
      collection: 'handbook',
      query: '{{ inputs.question }}',
      top_k: 2,
      credential: 'openai',
      model: 'text-embedding-3-small',
    });
    expect(byId(t.document, 'answer').with.prompt).toBe(
      'Using {{ docs.matches }}, answer: {{ inputs.question }}',
    );
    expect(toYaml(t.document, t.notes)).toContain(
      '# astron knowledge base: a Weft collection of that name',
    );
  });

  it('question-answer with options: a human node whose answer routes to the options', () => {
    const t = importAstron(fx.questionCanvas());
    expect(byId(t.document, 'confirm')).toMatchObject({
      type: 'human',
      with: {
        prompt: 'Ship order {{ inputs.order }} now?',
        schema: {
          properties: { content: { type: 'string', enum: ['yes', 'no'] } },
          required: ['content'],
        },
      },
    });
    expect(byId(t.document, 'confirm_route').with.cases).toEqual([
      { port: 'yes', when: 'confirm.content = "yes"' },
      { port: 'no', when: 'confirm.content = "no"' },
    ]);
    expect(byId(t.document, 'end').with.values).toEqual({
      answer: '{{ confirm.content }}',
      asked: '{{ "Ship order {{order}} now?" }}',
    });
  });

  it('nodes that do not map are named with their line and column and kept as noops', () => {
    const text = fx.unsupportedCanvas();
    const t = importAstron(text);
    const lines = text.split('\n');
    const at = (id: string) => {
      const line = lines.findIndex((l) => l.includes(`"id": "${id}"`));
      // The node's object opens on the line before its first key.
      return { line, column: lines[line - 1]!.indexOf('{') + 1 };
    };
    expect(
      t.unsupported.map((u) => ({ id: u.id, kind: u.kind, title: u.title, position: u.position })),
    ).toEqual([
      {
        id: 'database::db1',
        kind: 'database',
        title: 'Orders table',
        position: at('database::db1'),
      },
      { id: 'plugin::p1', kind: 'plugin', title: 'Weather', position: at('plugin::p1') },
    ]);
    expect(describeUnsupported(t.unsupported[0]!)).toMatch(
      /^database node database::db1 "Orders table" at \d+:\d+: astron's database node runs SQL/,
    );
    expect(byId(t.document, 'orders_table')).toEqual({
      id: 'orders_table',
      type: 'noop',
      name: 'Orders table',
    });
    expect(byId(t.document, 'end').with.values).toEqual({
      answer: '{{ answer.text }}',
      rows: '{{ null }}',
    });
    expect(toYaml(t.document, t.notes)).toContain(
      '# left out: astron database node database::db1 does not map',
    );
  });

  it('a reference to a node the canvas lacks is named; an input not filled in is noted', () => {
    const text = canvas(
      [
        node('node-start', 's1'),
        node('spark-llm', 'l1', {
          label: 'Answer',
          inputs: { input: ref('spark-llm::gone', 'output'), empty: { type: 'ref', content: {} } },
          nodeParam: { template: '{{input}} {{empty}}' },
        }),
      ],
      [edge('node-start::s1', 'spark-llm::l1')],
    );
    const t = importAstron(text);
    expect(t.unsupported.map((u) => describeUnsupported({ ...u, position: undefined }))).toEqual([
      'reference in spark-llm::l1 "Answer": its input input refers to output of spark-llm::gone, which the canvas does not have',
    ]);
    const yaml = toYaml(t.document, t.notes);
    expect(yaml).toContain('# input empty refers to nothing: it reads null');
    expect(nodesOf(t.document)[0].with.prompt).toBe(' ');
  });

  it('every node template of astron maps or is named: none is dropped', () => {
    const kinds = Object.keys(TEMPLATES);
    expect(kinds).toHaveLength(18);
    const nodes = kinds
      .filter((k) => k !== 'node-start' && k !== 'node-end')
      .map((k) => node(k, 'x'));
    const chain = ['node-start::x', ...nodes.map((n) => n.id), 'node-end::x'];
    const text = canvas(
      [
        node('node-start', 'x'),
        ...nodes,
        node('node-end', 'x', { inputs: { output: ref('node-start::x', 'AGENT_USER_INPUT') } }),
      ],
      chain.slice(1).map((to, i) => edge(chain[i], to)),
    );
    const t = importAstron(text);
    const left = t.unsupported.map((u) => u.kind).sort();
    expect(left).toEqual(['database', 'if-else', 'node-variable', 'plugin']);
    expect(t.unsupported.find((u) => u.kind === 'if-else')?.reason).toBe(
      'a condition without a compare operator (unfinished in the editor): it is false',
    );
    // Every template but the start is a node; the decision adds its switch.
    expect(nodesOf(t.document)).toHaveLength(kinds.length - 1 + 1);
  });
});

describe('astron import: input that is not a canvas', () => {
  const fail = (text: string) => {
    try {
      importAstron(text);
    } catch (e) {
      expect(e).toBeInstanceOf(TranslateError);
      const err = e as TranslateError;
      return `${err.position.line}:${err.position.column}: ${err.message}`;
    }
    throw new Error('no error');
  };

  it('two nodes with one id, and nodes that read each other: refused at the node', () => {
    const twice = canvas([node('spark-llm', 'x'), node('spark-llm', 'x')], []);
    expect(fail(twice)).toMatch(/^\d+:7: two nodes have the id spark-llm::x \(the first at 4:7\)$/);
    const loop = canvas(
      [
        node('spark-llm', 'a', { inputs: { input: ref('spark-llm::b', 'output') } }),
        node('spark-llm', 'b', { inputs: { input: ref('spark-llm::a', 'output') } }),
      ],
      [],
    );
    expect(fail(loop)).toMatch(/^4:7: node spark-llm::a reads or contains itself /);
  });

  it('not JSON or YAML: the syntax error with its position', () => {
    expect(fail('{\n  "nodes": [\n    {"id": "a",,}\n  ]\n}')).toMatch(
      /^3:\d+: the canvas is not valid JSON: /,
    );
  });

  it('JSON that is not a canvas: what was expected, at the start', () => {
    expect(fail('[1, 2]')).toBe(
      '1:1: not an astron-agent canvas: expected an object with `nodes` and `edges` lists (or `workflow: { nodes, edges }`), found a list',
    );
    expect(fail('{"name": "x"}')).toMatch(
      /^1:1: not an astron-agent canvas: .* found an object without a `nodes` list$/,
    );
  });

  it('a node or an edge that is not one: named at its position', () => {
    expect(
      fail(
        '{\n  "nodes": [\n    {"id": "spark-llm::1", "data": {}},\n    "oops"\n  ],\n  "edges": []\n}',
      ),
    ).toBe(
      '4:5: not an astron-agent canvas: a node must be an object with an `id` string and a `data` object, found the string "oops"',
    );
    expect(fail('{\n  "nodes": [],\n  "edges": [\n    {"from": "a"}\n  ]\n}')).toMatch(
      /^4:5: not an astron-agent canvas: an edge must have `source` and `target` node ids/,
    );
    expect(fail('')).toBe('1:1: the canvas is empty');
  });
});
