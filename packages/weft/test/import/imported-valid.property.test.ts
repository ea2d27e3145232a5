/**
 * Whatever names, titles, texts and references a canvas or a DSL file holds, what the importers
 * write validates (`weft validate`): ids are made valid, text is kept as text, references become
 * expressions over nodes upstream, or are named.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NodeRegistry, parseDefinition } from '@weft/core';
import { importAstron, importDify, toYaml, type Translation } from '@weft/importers';
import { standardNodes } from '@weft/nodes';
import { canvas, edge, node, ref } from '../../../importers/test/astron-canvas.js';

const registry = new NodeRegistry(standardNodes);
const problems = (t: Translation) => {
  const r = parseDefinition(toYaml(t.document, t.notes), { registry });
  return r.ok ? [] : r.diagnostics.map((d) => `${d.path}: ${d.message}`);
};

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    '{{',
    '}}',
    '{{input}}',
    '{{ x.y }}',
    '`',
    "'",
    '"',
    '$',
    '{%',
    '#',
    '\n',
    '{{#sys.query#}}',
    '{{#n0.text#}}',
    '{{#n9.x#}}',
  ),
);
const words = fc.array(text, { maxLength: 4 }).map((a) => a.join(''));

describe('imported definitions validate', () => {
  it('astron: a chain of nodes with any titles, templates and references to earlier nodes', () => {
    const kinds = [
      'spark-llm',
      'ifly-code',
      'message',
      'text-joiner',
      'knowledge-base',
      'extractor-parameter',
      'agent',
      'flow',
      'decision-making',
      'question-answer',
    ];
    const step = fc.record({
      kind: fc.constantFrom(...kinds),
      title: words,
      template: words,
      from: fc.nat(),
      name: fc.constantFrom('output', 'AGENT_USER_INPUT', 'key0', 'a.b', 'x-y'),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), (steps) => {
        const ids = ['node-start::s', ...steps.map((s, i) => `${s.kind}::${i}`)];
        const nodes = steps.map((s, i) =>
          node(s.kind, String(i), {
            label: s.title,
            inputs: { input: ref(ids[s.from % (i + 1)]!, s.name) },
            nodeParam: {
              template: s.template,
              prompt: s.template,
              question: s.template,
              code: 'def main(input):\n    return {}',
            },
          }),
        );
        const text = canvas(
          [
            node('node-start', 's'),
            ...nodes,
            node('node-end', 'e', { inputs: { out: ref(ids.at(-1)!, 'output') } }),
          ],
          [...ids.slice(1).map((to, i) => edge(ids[i]!, to)), edge(ids.at(-1)!, 'node-end::e')],
        );
        expect(problems(importAstron(text))).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('dify: a chain of nodes with any titles, prompts and selectors', () => {
    const kinds = [
      'llm',
      'code',
      'template-transform',
      'answer',
      'http-request',
      'knowledge-retrieval',
      'parameter-extractor',
      'question-classifier',
      'variable-aggregator',
    ];
    const step = fc.record({
      kind: fc.constantFrom(...kinds),
      title: words,
      prompt: words,
      from: fc.nat(),
      name: fc.constantFrom('text', 'output', 'q', 'body', 'x y'),
    });
    fc.assert(
      fc.property(
        fc.string({ maxLength: 10 }),
        fc.array(step, { minLength: 1, maxLength: 6 }),
        (appName, steps) => {
          const ids = ['n0', ...steps.map((_, i) => `n${i + 1}`)];
          const nodes = [
            {
              id: 'n0',
              data: {
                type: 'start',
                title: 'Start',
                variables: [{ variable: 'q', type: 'text-input', required: true }],
              },
            },
            ...steps.map((s, i) => {
              const sel = [ids[s.from % (i + 1)]!, s.name];
              return {
                id: ids[i + 1]!,
                data: {
                  type: s.kind,
                  title: s.title,
                  prompt_template: [{ role: 'user', text: s.prompt }],
                  answer: s.prompt,
                  template: s.prompt,
                  url: `https://example.com/${s.prompt}`,
                  variables:
                    s.kind === 'variable-aggregator'
                      ? [sel]
                      : [{ variable: 'v', value_selector: sel }],
                  code: 'def main(v):\n    return {}',
                  query_variable_selector: sel,
                  query: sel,
                  classes: [{ id: '1', name: s.title }],
                  parameters: [{ name: 'p', type: 'string' }],
                },
              };
            }),
          ];
          const edges = ids.slice(1).map((to, i) => ({ source: ids[i]!, target: to }));
          const app = {
            kind: 'app',
            app: { mode: 'workflow', name: appName },
            workflow: { graph: { nodes, edges } },
          };
          expect(problems(importDify(JSON.stringify(app)))).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
