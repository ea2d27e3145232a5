import { describe, expect, test } from 'vitest';
import { parseDefinition, validateDefinition } from './index.js';
import { testRegistry } from './test-support.js';

const registry = testRegistry();
const N = 10_000;

/**
 * Blocks of 100 nodes: a hub, then 9 chains of 11 nodes fanning out of it; each hub joins the
 * chains of the block before. Every node reads its direct predecessor and a farther ancestor (its
 * hub, or the first node), so both the quick and the reachability answers are exercised.
 */
function bigDefinition(): { id: string; nodes: Record<string, unknown>[] } {
  const nodes: Record<string, unknown>[] = [];
  for (let i = 0; i < N; i++) {
    const p = i % 100;
    const hub = i - p;
    let needs: string[];
    let far: string;
    if (p === 0) {
      needs = i === 0 ? [] : Array.from({ length: 9 }, (_, k) => `n${i - 89 + 11 * k}`);
      far = i === 0 ? 'inputs' : 'n0';
    } else {
      needs = [`n${(p - 1) % 11 === 0 ? hub : i - 1}`];
      far = `n${hub}`;
    }
    const node: Record<string, unknown> = { id: `n${i}`, type: 'set' };
    if (needs.length > 0) node['needs'] = needs;
    node['with'] = { values: { v: `{{${needs[0] ?? 'inputs'}.x}}{{${far}}}` } };
    nodes.push(node);
  }
  return { id: 'big', nodes };
}

function toFlowYaml(def: { id: string; nodes: Record<string, unknown>[] }): string {
  const lines = [`id: ${def.id}`, 'nodes:'];
  for (const n of def.nodes) {
    const needs = n['needs'] as string[] | undefined;
    const v = (n['with'] as { values: { v: string } }).values.v;
    lines.push(
      `- {id: ${String(n['id'])}, type: set, ${needs ? `needs: [${needs.join(', ')}], ` : ''}with: {values: {v: '${v}'}}}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('scale', () => {
  test(`a ${N}-node definition parses and validates fast (timings printed)`, () => {
    const def = bigDefinition();
    const json = JSON.stringify(def);
    const yaml = toFlowYaml(def);
    const limits = { maxNodes: 20_000 };
    const time = (label: string, bytes: number, run: () => { ok: boolean }) => {
      const ms: number[] = [];
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const r = run();
        ms.push(performance.now() - started);
        expect(r.ok).toBe(true);
      }
      console.log(
        `${N} nodes, ${label} (${(bytes / 1024).toFixed(0)} KiB): ${ms.map((m) => `${m.toFixed(0)} ms`).join(', ')}`,
      );
    };
    time('JSON text', json.length, () => parseDefinition(json, { registry, limits }));
    time('YAML text', yaml.length, () => parseDefinition(yaml, { registry, limits }));
    time('parsed object', json.length, () => validateDefinition(def, { registry, limits }));
  });

  test(`a ${N}-node chain with a far reference per node stays linear (timing printed)`, () => {
    const nodes = Array.from({ length: N }, (_, i) => ({
      id: `c${i}`,
      type: 'set',
      ...(i > 0 ? { needs: [`c${i - 1}`] } : {}),
      with: { values: { v: i > 1 ? `{{ c${i - 2} }}` : '{{ inputs }}' } },
    }));
    const started = performance.now();
    const r = validateDefinition(
      { id: 'chain', nodes },
      { registry, limits: { maxNodes: 20_000 } },
    );
    console.log(
      `${N}-node chain, every node reading its grandparent: ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(r.diagnostics).toEqual([]);
  });
});
