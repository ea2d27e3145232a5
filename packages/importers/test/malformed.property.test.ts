/**
 * Canvases and DSL files whose parts hold values of any shape (a parameter that is a string
 * where a list goes, a case without conditions, an edge to nowhere): the importers either
 * translate them or refuse them with a TranslateError and a position, never crash.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importAstron, importDify, toYaml, TranslateError } from '../src/index.js';
import { TEMPLATES } from './astron-canvas.js';

const ASTRON_KINDS = [
  ...Object.keys(TEMPLATES),
  'iteration-node-start',
  'iteration-node-end',
  'loop',
  'mcp',
];
const DIFY_KINDS = [
  'start',
  'end',
  'answer',
  'llm',
  'code',
  'if-else',
  'iteration',
  'iteration-start',
  'question-classifier',
  'knowledge-retrieval',
  'http-request',
  'template-transform',
  'variable-aggregator',
  'variable-assigner',
  'parameter-extractor',
  'tool',
  'loop',
];

const value = fc.anything({ maxDepth: 3, withNullPrototype: false });
const ids = (kinds: string[]) =>
  fc.tuple(fc.constantFrom(...kinds), fc.constantFrom('a', 'b', 'c', 'd'));

function survives(run: () => unknown): void {
  try {
    const t = run() as { document: Record<string, unknown>; notes: never[] };
    expect(typeof toYaml(t.document, t.notes)).toBe('string');
  } catch (e) {
    if (!(e instanceof TranslateError)) throw e;
    expect(e.position.line).toBeGreaterThan(0);
  }
}

describe('importers on malformed input', () => {
  it('any JSON value as the file', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        survives(() => importAstron(JSON.stringify(v)));
        survives(() => importDify(JSON.stringify(v)));
      }),
      { numRuns: 500 },
    );
  });

  it('astron: nodes whose data holds anything', () => {
    const node = fc.record({
      key: ids(ASTRON_KINDS),
      data: fc.record({
        label: fc.oneof(fc.string(), value),
        inputs: fc.oneof(
          value,
          fc.array(fc.record({ name: fc.string(), id: fc.string(), schema: value })),
        ),
        outputs: value,
        nodeParam: fc.oneof(
          value,
          fc.dictionary(
            fc.constantFrom(
              'cases',
              'intentChains',
              'template',
              'code',
              'optionAnswer',
              'IterationStartNodeId',
              'repoId',
              'instruction',
              'plugin',
            ),
            value,
          ),
        ),
      }),
      parentId: fc.option(fc.constantFrom('iteration::a', 'iteration::b', 'x'), { nil: undefined }),
    });
    const edge = fc.record({
      source: fc.constantFrom(
        'node-start::a',
        'spark-llm::b',
        'if-else::c',
        'iteration::a',
        'nowhere',
      ),
      target: fc.constantFrom('node-end::a', 'spark-llm::b', 'decision-making::d', 'x'),
      sourceHandle: fc.option(fc.string(), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(node, { maxLength: 8 }),
        fc.array(edge, { maxLength: 8 }),
        (nodes, edges) => {
          const canvas = {
            nodes: nodes.map((n) => ({
              id: `${n.key[0]}::${n.key[1]}`,
              data: n.data,
              ...(n.parentId ? { parentId: n.parentId } : {}),
            })),
            edges,
          };
          survives(() => importAstron(JSON.stringify(canvas, null, 1)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('dify: nodes whose data holds anything', () => {
    const node = fc.record({
      key: ids(DIFY_KINDS),
      data: fc.dictionary(
        fc.constantFrom(
          'title',
          'variables',
          'prompt_template',
          'model',
          'code',
          'cases',
          'conditions',
          'classes',
          'outputs',
          'answer',
          'template',
          'body',
          'headers',
          'url',
          'iterator_selector',
          'output_selector',
          'parameters',
          'query',
          'advanced_settings',
          'dataset_ids',
        ),
        value,
      ),
      parentId: fc.option(fc.constantFrom('iteration-a', 'x'), { nil: undefined }),
    });
    const edge = fc.record({
      source: fc.constantFrom('start-a', 'llm-b', 'if-else-c', 'iteration-a', 'nowhere'),
      target: fc.constantFrom('end-a', 'llm-b', 'x'),
      sourceHandle: fc.option(fc.string(), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(node, { maxLength: 8 }),
        fc.array(edge, { maxLength: 8 }),
        (nodes, edges) => {
          const dsl = {
            kind: 'app',
            app: { mode: 'workflow', name: 'x' },
            workflow: {
              graph: {
                nodes: nodes.map((n) => ({
                  id: `${n.key[0]}-${n.key[1]}`,
                  data: { ...n.data, type: n.key[0] },
                  ...(n.parentId ? { parentId: n.parentId } : {}),
                })),
                edges,
              },
            },
          };
          survives(() => importDify(JSON.stringify(dsl)));
        },
      ),
      { numRuns: 500 },
    );
  });
});
