/**
 * astron-agent canvases for the tests, each built from the corpus templates (astron-canvas.ts):
 * the shapes people build in astron's editor, one per node kind or pattern.
 */
import { canvas, edge, lit, node, ref } from './astron-canvas.js';

const S = 'node-start::s1';
const E = 'node-end::e1';
const start = (outputs: { name: string; type?: string; required?: boolean }[]) =>
  node('node-start', 's1', { outputs });

/** start -> llm -> end. */
export const chatCanvas = () =>
  canvas(
    [
      start([{ name: 'AGENT_USER_INPUT', required: true }]),
      node('spark-llm', 'l1', {
        label: 'Answer',
        inputs: { input: ref(S, 'AGENT_USER_INPUT') },
        nodeParam: { template: 'Reply briefly to: {{input}}', systemTemplate: 'You are terse.' },
      }),
      node('node-end', 'e1', { inputs: { output: ref('spark-llm::l1', 'output') } }),
    ],
    [edge(S, 'spark-llm::l1'), edge('spark-llm::l1', E)],
  );

const REFUND = 'intent-one-of::refund';
const SHIPPING = 'intent-one-of::shipping';
const OTHER = 'intent-one-of::default';

/** start -> decision (refund | shipping | default) -> an llm per intent -> end reading both. */
export const decisionCanvas = () =>
  canvas(
    [
      start([{ name: 'question', required: true }]),
      node('decision-making', 'd1', {
        label: 'Intent',
        inputs: { Query: ref(S, 'question') },
        nodeParam: {
          intentChains: [
            { intentType: 2, name: 'refund', description: 'asks for money back', id: REFUND },
            {
              intentType: 2,
              name: 'shipping',
              description: 'asks where a parcel is',
              id: SHIPPING,
            },
            { intentType: 1, name: 'default', description: 'Default intent', id: OTHER },
          ],
        },
      }),
      node('spark-llm', 'refund', {
        label: 'Refund reply',
        inputs: { q: ref(S, 'question') },
        nodeParam: { template: 'Refund: {{q}}' },
      }),
      node('spark-llm', 'ship', {
        label: 'Shipping reply',
        inputs: { q: ref(S, 'question') },
        nodeParam: { template: 'Shipping: {{q}}' },
      }),
      node('message', 'm1', {
        label: 'Sorry',
        inputs: { q: ref(S, 'question') },
        nodeParam: { template: 'No intent for {{q}}' },
      }),
      node('node-end', 'e1', {
        inputs: {
          intent: ref('decision-making::d1', 'class_name'),
          refund: ref('spark-llm::refund', 'output'),
          shipping: ref('spark-llm::ship', 'output'),
        },
      }),
    ],
    [
      edge(S, 'decision-making::d1'),
      edge('decision-making::d1', 'spark-llm::refund', REFUND),
      edge('decision-making::d1', 'spark-llm::ship', SHIPPING),
      edge('decision-making::d1', 'message::m1', OTHER),
      edge('spark-llm::refund', E),
      edge('spark-llm::ship', E),
      edge('message::m1', E),
    ],
  );

const BIG = 'branch_one_of::big';
const ELSE = 'branch_one_of::else';

/** start -> if-else (amount >= 100 and note contains "rush") -> python code | message -> end. */
export const branchCanvas = () =>
  canvas(
    [
      start([
        { name: 'amount', type: 'integer', required: true },
        { name: 'note', type: 'string' },
      ]),
      {
        ...node('if-else', 'b1', { label: 'Big and rushed?' }),
        data: {
          ...node('if-else', 'b1').data,
          label: 'Big and rushed?',
          inputs: [
            {
              id: 'in-amount',
              name: 'amount',
              schema: { type: 'integer', value: ref(S, 'amount') },
            },
            { id: 'in-note', name: 'note', schema: { type: 'string', value: ref(S, 'note') } },
          ],
          nodeParam: {
            cases: [
              {
                id: BIG,
                level: 1,
                logicalOperator: 'and',
                conditions: [
                  {
                    id: 'c1',
                    leftVarIndex: 'in-amount',
                    rightVarIndex: '100',
                    compareOperator: 'ge',
                  },
                  {
                    id: 'c2',
                    leftVarIndex: 'in-note',
                    rightVarIndex: 'rush',
                    compareOperator: 'contains',
                  },
                ],
              },
              { id: ELSE, level: 999, logicalOperator: 'and', conditions: [] },
            ],
          },
        },
      },
      node('ifly-code', 'c1', {
        label: 'Priority fee',
        inputs: { amount: ref(S, 'amount') },
        outputs: [{ name: 'fee', type: 'integer' }, { name: 'label' }],
        nodeParam: { code: 'def main(amount):\n    return {"fee": amount // 10, "label": "rush"}' },
      }),
      node('message', 'm1', {
        label: 'Normal',
        inputs: { a: ref(S, 'amount') },
        nodeParam: { template: 'normal order of {{a}}' },
      }),
      node('node-end', 'e1', {
        inputs: {
          fee: ref('ifly-code::c1', 'fee'),
          label: ref('ifly-code::c1', 'label'),
          text: ref('message::m1', 'output_m'),
        },
      }),
    ],
    [
      edge(S, 'if-else::b1'),
      edge('if-else::b1', 'ifly-code::c1', BIG),
      edge('if-else::b1', 'message::m1', ELSE),
      edge('ifly-code::c1', E),
      edge('message::m1', E),
    ],
  );

/** start -> iteration over a list (body: text-joiner) -> end. */
export const iterationCanvas = () => {
  const it = 'iteration::i1';
  const inner = 'iteration-node-start::is1';
  const innerEnd = 'iteration-node-end::ie1';
  const joiner = 'text-joiner::t1';
  return canvas(
    [
      start([{ name: 'words', type: 'array-string', required: true }]),
      node('iteration', 'i1', {
        label: 'Each word',
        inputs: { input: ref(S, 'words') },
        nodeParam: { IterationStartNodeId: inner },
        outputs: [{ name: 'output', type: 'array-string' }],
      }),
      {
        ...node('node-start', 'is1', { inner: true, parentId: it, outputs: [{ name: 'input' }] }),
        id: inner,
      },
      node('text-joiner', 't1', {
        inner: true,
        parentId: it,
        label: 'Label',
        inputs: { word: ref(inner, 'input') },
        nodeParam: { prompt: 'word: {{word}}' },
      }),
      {
        ...node('node-end', 'ie1', {
          inner: true,
          parentId: it,
          inputs: { output: ref(joiner, 'output') },
        }),
        id: innerEnd,
      },
      node('node-end', 'e1', { inputs: { labels: ref(it, 'output') } }),
    ],
    [edge(S, it), edge(inner, joiner), edge(joiner, innerEnd), edge(it, E)],
  );
};

/** start -> knowledge base -> llm with the matches -> end. */
export const knowledgeCanvas = () =>
  canvas(
    [
      start([{ name: 'question', required: true }]),
      node('knowledge-base', 'k1', {
        label: 'Docs',
        inputs: { query: ref(S, 'question') },
        nodeParam: { repoId: ['handbook'], topN: 2 },
      }),
      node('spark-llm', 'l1', {
        label: 'Answer',
        inputs: { docs: ref('knowledge-base::k1', 'results'), q: ref(S, 'question') },
        nodeParam: { template: 'Using {{docs}}, answer: {{q}}' },
      }),
      node('node-end', 'e1', {
        inputs: {
          answer: ref('spark-llm::l1', 'output'),
          found: ref('knowledge-base::k1', 'results'),
        },
      }),
    ],
    [
      edge(S, 'knowledge-base::k1'),
      edge('knowledge-base::k1', 'spark-llm::l1'),
      edge('spark-llm::l1', E),
    ],
  );

/** start -> question-answer with options A/B -> a message per option -> end. */
export const questionCanvas = () =>
  canvas(
    [
      start([{ name: 'order', required: true }]),
      node('question-answer', 'q1', {
        label: 'Confirm',
        inputs: { order: ref(S, 'order') },
        nodeParam: {
          question: 'Ship order {{order}} now?',
          answerType: 'option',
          optionAnswer: [
            { id: 'option-one-of::a', name: 'A', type: 2, content: 'yes', content_type: 'string' },
            { id: 'option-one-of::b', name: 'B', type: 2, content: 'no', content_type: 'string' },
            {
              id: 'option-one-of::d',
              name: 'default',
              type: 1,
              content: '',
              content_type: 'string',
            },
          ],
        },
      }),
      node('message', 'yes', {
        label: 'Shipping',
        inputs: { o: ref(S, 'order') },
        nodeParam: { template: 'shipping {{o}}' },
      }),
      node('message', 'no', {
        label: 'Holding',
        inputs: { o: ref(S, 'order') },
        nodeParam: { template: 'holding {{o}}' },
      }),
      node('node-end', 'e1', {
        inputs: {
          answer: ref('question-answer::q1', 'content'),
          asked: ref('question-answer::q1', 'query'),
        },
      }),
    ],
    [
      edge(S, 'question-answer::q1'),
      edge('question-answer::q1', 'message::yes', 'option-one-of::a'),
      edge('question-answer::q1', 'message::no', 'option-one-of::b'),
      edge('message::yes', E),
      edge('message::no', E),
    ],
  );

/** start -> database (unsupported) -> llm -> plugin (unsupported) -> end: what maps still runs. */
export const unsupportedCanvas = () =>
  canvas(
    [
      start([{ name: 'q', required: true }]),
      node('database', 'db1', { label: 'Orders table', inputs: { input: ref(S, 'q') } }),
      node('spark-llm', 'l1', {
        label: 'Answer',
        inputs: { input: ref(S, 'q') },
        nodeParam: { template: '{{input}}' },
      }),
      node('plugin', 'p1', { label: 'Weather', inputs: { city: lit('Paris') } }),
      node('node-end', 'e1', {
        inputs: {
          answer: ref('spark-llm::l1', 'output'),
          rows: ref('database::db1', 'outputList'),
        },
      }),
    ],
    [
      edge(S, 'database::db1'),
      edge('database::db1', 'spark-llm::l1'),
      edge('spark-llm::l1', 'plugin::p1'),
      edge('plugin::p1', E),
    ],
  );
