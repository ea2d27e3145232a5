import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WorkflowSchema } from './schema.js';
import { schemaAccepts } from './schema-accepts.js';

/** Values near the edges of what the node schema takes, as JSON text would give them. */
const text = fc.constantFrom('', 'a', 'n1', '1a', 'a-b', 'x'.repeat(70), 'all', 'any', 'out');
const scalar = fc.oneof(text, fc.integer({ min: -2, max: 3 }), fc.boolean(), fc.constant(null));
const small = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 2 }),
  fc.dictionary(fc.constantFrom('node', 'port', 'x'), scalar, { maxKeys: 2 }),
);
const need = fc.oneof(
  text,
  fc.record({ node: text, port: text }, { requiredKeys: ['node'] }),
  small,
);
const edge = fc.oneof(
  fc.record({ from: text, to: text, port: text }, { requiredKeys: ['from', 'to'] }),
  fc.dictionary(fc.constantFrom('from', 'to', 'port', 'via'), scalar, { maxKeys: 3 }),
);

const { node } = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.record(
    {
      id: fc.oneof(text, scalar),
      type: fc.oneof(text, scalar),
      name: fc.oneof(text, scalar),
      with: fc.oneof(fc.dictionary(text, small, { maxKeys: 2 }), small),
      when: fc.oneof(text, scalar),
      needs: fc.oneof(fc.array(need, { maxLength: 3 }), small),
      join: fc.oneof(text, scalar),
      timeout_ms: fc.integer({ min: -1, max: 3 }),
      retry: fc.dictionary(fc.constantFrom('max_attempts', 'bogus'), scalar, { maxKeys: 1 }),
      nodes: fc.oneof({ depthSize: 'small' }, fc.array(tie('node'), { maxLength: 2 }), small),
      edges: fc.oneof(fc.array(edge, { maxLength: 2 }), small),
      colour: scalar,
    },
    { requiredKeys: [] },
  ),
}));

const definition = fc.record(
  {
    id: fc.constantFrom('wf', 'Bad id', 'w-1'),
    name: scalar,
    nodes: fc.oneof(fc.array(node, { maxLength: 4 }), small),
    edges: fc.oneof(fc.array(edge, { maxLength: 3 }), small),
    limits: fc.dictionary(fc.constantFrom('max_concurrency', 'nope'), scalar, { maxKeys: 1 }),
  },
  { requiredKeys: ['id'] },
);

/** As a definition read from JSON text is. */
const asText = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;

describe('schemaAccepts', () => {
  it('says yes only to what the zod schema accepts', () => {
    let yes = 0;
    fc.assert(
      fc.property(definition.map(asText), (value) => {
        if (!schemaAccepts(value)) return;
        yes++;
        expect(WorkflowSchema.safeParse(value).success).toBe(true);
      }),
      { numRuns: 3000 },
    );
    // Not vacuous: a fair share of the random definitions are accepted.
    expect(yes).toBeGreaterThan(20);
  });

  it('vouches for common definitions, and leaves invalid ones to zod', () => {
    const valid = asText({
      id: 'wf',
      nodes: [
        { id: 'a', type: 'http', with: { url: 'https://x' }, name: 'A', description: 'd' },
        {
          id: 'b',
          type: 'set',
          needs: ['a', { node: 'a', port: 'error' }],
          when: 'a.ok',
          join: 'any',
        },
        { id: 'each', type: 'foreach', nodes: [{ id: 'w', type: 'noop' }], edges: [] },
        { id: 'c', type: 'noop', retry: { max_attempts: 2 }, timeout_ms: 5 },
      ],
      edges: [{ from: 'a', to: 'c', port: 'out' }],
    });
    expect(schemaAccepts(valid)).toBe(true);
    for (const bad of [
      { ...valid, extra: 1 },
      { ...valid, nodes: [{ id: '1a', type: 'noop' }] },
      { ...valid, nodes: [{ id: 'a', type: 'noop', with: [] }] },
      { ...valid, nodes: [{ id: 'a', type: 'noop', retry: { max_attempts: 0 } }] },
      { ...valid, edges: [{ from: 'a', to: '' }] },
    ]) {
      expect(schemaAccepts(asText(bad))).toBe(false);
    }
  });
});
