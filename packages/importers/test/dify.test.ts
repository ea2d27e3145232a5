/**
 * `importDify` on Dify DSL files modelled on Dify's exports (fixtures/dify/): a chatflow, a
 * classifier with an aggregator, code + if-else + template + http, an iteration with a tool
 * left out; and files that are not a Dify workflow.
 */
import { describe, expect, it } from 'vitest';
import { importDify, toYaml, TranslateError } from '../src/index.js';
import { difyFixture } from './dify-fixtures.js';

const byId = (doc: Record<string, unknown>, id: string) =>
  (doc['nodes'] as any[]).find((n) => n.id === id);

describe('dify import', () => {
  it('a chatflow: sys.query is an input, the LLM an llm node, the answer a message and the output', () => {
    const t = importDify(difyFixture('chatflow'));
    expect(t.unsupported).toEqual([]);
    expect(t.document).toEqual({
      id: 'one-line-answers',
      name: 'One-line answers',
      description: 'Answers a question in one sentence.',
      inputs: { type: 'object', required: ['query'], properties: { query: { type: 'string' } } },
      outputs: { answer: '{{ answer.text }}' },
      nodes: [
        {
          id: 'llm',
          type: 'llm',
          name: 'LLM',
          with: {
            model: 'gpt-4o-mini',
            system: 'Answer in one sentence.',
            prompt: '{{ inputs.query }}',
            temperature: 0.7,
          },
        },
        { id: 'answer', type: 'message', name: 'Answer', with: { text: '{{ llm.text }}' } },
      ],
      edges: [{ from: 'llm', to: 'answer' }],
    });
    expect(toYaml(t.document, t.notes)).toContain(
      '  # Dify memory (the chat history) is not carried: add a memory node to keep a conversation\n  - id: llm',
    );
  });

  it('a question classifier routes by class; the aggregator takes the branch that ran; env variables are inputs', () => {
    const t = importDify(difyFixture('triage'));
    expect(t.unsupported).toEqual([]);
    expect((t.document['inputs'] as any).properties.signature).toEqual({
      type: 'string',
      default: 'The support team',
      description: 'Dify environment variable',
    });
    expect(byId(t.document, 'billing_reply').with.system).toBe(
      'You handle billing questions. Sign as {{ inputs.signature }}.',
    );
    expect(byId(t.document, 'reply').with.expression).toBe(
      '$exists(billing_reply.text) ? billing_reply.text : $exists(shipping_reply.text) ? shipping_reply.text : null',
    );
    expect(t.document['edges']).toEqual(
      expect.arrayContaining([
        { from: 'classifier', to: 'classifier_route' },
        { from: 'classifier_route', port: 'billing', to: 'billing_reply' },
        { from: 'classifier_route', port: 'shipping', to: 'shipping_reply' },
      ]),
    );
    expect(byId(t.document, 'end').with.values).toEqual({
      reply: '{{ reply }}',
      category: '{{ classifier.json.class_name }}',
    });
  });

  it('code, if-else on a number, a template and an http request', () => {
    const t = importDify(difyFixture('orders'));
    expect(t.unsupported).toEqual([]);
    expect(byId(t.document, 'total').with.source).toMatch(
      /^def main\(quantity: float, price: float\) -> dict:\n[\s\S]*\n\nreturn main\(\*\*input\)\n$/,
    );
    expect(byId(t.document, 'big_order').with.cases).toEqual([
      { port: 'case_1', when: '($number(total.total) >= $number(100))' },
    ]);
    expect(t.document['edges']).toEqual(
      expect.arrayContaining([
        { from: 'big_order', port: 'case_1', to: 'report_big_order' },
        { from: 'big_order', port: 'default', to: 'summary' },
      ]),
    );
    expect(byId(t.document, 'summary').with.values.output).toBe(
      'Order for {{ inputs.customer }}: {{ total.total }} in {{ total.lines }} line(s).',
    );
    expect(byId(t.document, 'report_big_order').with).toEqual({
      method: 'POST',
      url: '{{ inputs.api_base }}/orders',
      headers: { 'X-Source': 'dify', 'Content-Type': 'application/json' },
      body: '{"customer": "{{ inputs.customer }}", "total": {{ total.total }}}',
      response: 'text',
      expect_status: ['1xx', '2xx', '3xx', '4xx', '5xx'],
    });
    expect(byId(t.document, 'end').with.values.reported).toBe('{{ report_big_order.status }}');
  });

  it('an iteration is a foreach ending in its output selector; a tool is named with its position', () => {
    const text = difyFixture('batch');
    const t = importDify(text);
    const each = byId(t.document, 'each_line');
    expect(each).toMatchObject({ type: 'foreach', with: { items: 'split.items', concurrency: 3 } });
    expect(each.nodes.map((n: any) => [n.id, n.type])).toEqual([
      ['translate', 'llm'],
      ['each_line_output', 'transform'],
    ]);
    expect(each.nodes[0].with.prompt).toBe(
      'Translate into {{ inputs.language }} (line {{ index }}): {{ item }}',
    );
    expect(byId(t.document, 'split').with.source).toMatch(/\n\nreturn main\(input\);\n$/);
    expect(byId(t.document, 'end').with.values).toEqual({
      translations: '{{ each_line }}',
      count: '{{ count.json.count }}',
      extracted: '{{ $exists(count.json) }}',
    });
    // The node's mapping starts at `data:` on its `- ` line.
    const lines = text.split('\n');
    const tool = lines.findIndex((l) => l.includes('provider_id: tavily'));
    const at = lines.slice(0, tool).findLastIndex((l) => l.trimStart().startsWith('- data:'));
    const [line, column] = [at + 1, lines[at]!.indexOf('data:') + 1];
    expect(t.unsupported).toEqual([
      {
        id: '1740000000005',
        title: 'TavilySearch',
        kind: 'tool',
        position: { line, column },
        reason: expect.stringContaining("Dify tools run on Dify's plugin runtime"),
      },
    ]);
  });

  it('a tool that is a Dify workflow is a subworkflow of it', () => {
    const t = importDify(difyFixture('workflow-tool'));
    expect(t.unsupported).toEqual([]);
    expect(byId(t.document, 'one_line_answers')).toEqual({
      id: 'one_line_answers',
      type: 'subworkflow',
      name: 'One-line answers',
      with: { workflow: 'one-line-answers', input: { query: 'Briefly: {{ inputs.question }}' } },
    });
    expect(byId(t.document, 'end').with.values).toEqual({
      answer: '{{ one_line_answers.answer }}',
    });
  });

  it('a reference to a node the app lacks is named', () => {
    const t = importDify(
      difyFixture('chatflow').replace(
        "answer: '{{#1718000000002.text#}}'",
        "answer: '{{#1718000000002.text#}} {{#999.x#}}'",
      ),
    );
    expect(t.unsupported.map((u) => [u.kind, u.id, u.reason])).toEqual([
      ['reference', 'answer', '999.x names nothing in the app: read as nothing'],
    ]);
  });

  it('a Jinja2 template with statements is named: only its {{ variable }} parts translate', () => {
    const text = difyFixture('orders').replace(
      "template: 'Order for {{ customer }}: {{ total }} in {{ count }} line(s).'",
      "template: '{% for l in count %}{{ l.qty }}{% endfor %} for {{ customer }}'",
    );
    const t = importDify(text);
    expect(t.unsupported.map((u) => [u.kind, u.reason])).toEqual([
      ['template-transform', expect.stringContaining('Jinja2 statements')],
    ]);
  });
});

describe('dify import: a file that is not a Dify workflow', () => {
  const fail = (text: string) => {
    try {
      importDify(text);
    } catch (e) {
      expect(e).toBeInstanceOf(TranslateError);
      const err = e as TranslateError;
      return `${err.position.line}:${err.position.column}: ${err.message}`;
    }
    throw new Error('no error');
  };

  it('names what is wrong and where', () => {
    expect(fail('app:\n  mode: workflow\n  name: [unclosed\n')).toMatch(
      /^4:1: the DSL file is not valid YAML: /,
    );
    expect(fail('- a\n- b\n')).toMatch(
      /^1:1: not a Dify workflow DSL: expected a mapping with `kind: app`/,
    );
    expect(fail('kind: dataset\napp: {}\n')).toBe(
      '1:7: not a Dify app DSL: kind is the string "dataset", not app',
    );
    expect(fail('kind: app\napp:\n  mode: chat\nmodel_config: {}\n')).toBe(
      '3:9: a Dify app of mode chat has no workflow graph: only workflow and advanced-chat (chatflow) apps import',
    );
    expect(fail('kind: app\napp:\n  mode: workflow\nworkflow:\n  graph:\n    edges: []\n')).toBe(
      '6:5: not a Dify workflow DSL: expected `workflow.graph` with a `nodes` list',
    );
    expect(
      fail('kind: app\nworkflow:\n  graph:\n    nodes:\n      - id: x\n        data: {title: X}\n'),
    ).toBe(
      '5:9: not a Dify workflow DSL: a node must have an `id` and `data.type`, found an object with keys id, data',
    );
  });
});
