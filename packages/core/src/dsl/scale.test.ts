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
    // First run cold (includes JIT warm-up), then warm runs.
    const time = (label: string, bytes: number, runs: number, run: () => { ok: boolean }) => {
      const ms: string[] = [];
      for (let i = 0; i < runs; i++) {
        // CPU time too: on a shared machine, wall time mostly measures the neighbours.
        const cpu = process.cpuUsage();
        const started = performance.now();
        const r = run();
        const wall = performance.now() - started;
        const used = process.cpuUsage(cpu);
        ms.push(`${wall.toFixed(0)} ms (cpu ${((used.user + used.system) / 1000).toFixed(0)} ms)`);
        expect(r.ok).toBe(true);
      }
      console.log(`${N} nodes, ${label} (${(bytes / 1024).toFixed(0)} KiB): ${ms.join(', ')}`);
    };
    time('JSON text', json.length, 3, () => parseDefinition(json, { registry, limits }));
    time('parsed object', json.length, 3, () => validateDefinition(def, { registry, limits }));
    // The `yaml` package parses about 1 MB/s here: YAML this large is slow whatever we do.
    time('YAML text', yaml.length, 1, () => parseDefinition(yaml, { registry, limits }));
  });

  test(`a ${N}-node JSON definition with errors is placed quickly (timing printed)`, () => {
    const def = bigDefinition();
    const last = def.nodes[N - 1] as { with: { values: Record<string, string> } };
    last.with.values['bad'] = '{{ nowhere.x }}';
    const json = JSON.stringify(def, null, 1);
    const started = performance.now();
    const r = parseDefinition(json, { registry, limits: { maxNodes: 20_000, maxBytes: 4 << 20 } });
    console.log(
      `${N} nodes, JSON text with one error, placed: ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(r.diagnostics).toEqual([
      {
        path: `nodes[${N - 1}].with.values.bad`,
        message: 'unknown name `nowhere`: not a node, `inputs` or `run`',
        line: expect.any(Number),
        // JSON.stringify(_, null, 1) puts the key 5 spaces in.
        column: '     "bad": "{{ '.length + 1,
      },
    ]);
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
