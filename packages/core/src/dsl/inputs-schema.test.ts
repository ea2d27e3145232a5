import { describe, expect, it } from 'vitest';
import { parseDefinition } from './index.js';
import { testRegistry } from './test-support.js';

const registry = testRegistry();

const withInputs = (inputs: object) =>
  parseDefinition(JSON.stringify({ id: 'w', inputs, nodes: [{ id: 'a', type: 'noop' }] }), {
    registry,
  });

describe('inputs schemas checked one after another', () => {
  it('are judged each on its own: one $id in two definitions, warnings kept apart', () => {
    const typo = { $id: 'urn:weft:same', type: 'object', requird: ['a'] };
    const clean = { $id: 'urn:weft:same', type: 'object', properties: { n: { type: 'number' } } };
    const broken = { $id: 'urn:weft:same', type: 'object', properties: { n: { type: 'nombre' } } };
    for (let round = 0; round < 3; round++) {
      const first = withInputs(typo);
      expect(first.ok).toBe(true);
      expect(first.diagnostics.map((d) => d.message)).toEqual([expect.stringContaining('requird')]);
      expect(withInputs(clean)).toMatchObject({ ok: true, diagnostics: [] });
      const bad = withInputs(broken);
      expect(bad.ok).toBe(false);
      expect(bad.diagnostics.map((d) => d.path)).toEqual(['inputs.properties.n.type']);
    }
  });
});
