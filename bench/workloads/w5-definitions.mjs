// W5 definitions: parse + validate + compile a generated 10,000-node definition.
// The definition is a layered DAG, 100 layers of 100 bench nodes: every node past the first layer
// depends on two nodes of the layer above and reads both through a template, so validation checks
// 19,800 edges, 10,000 templates and their references (upstream-only) on a graph 100 deep.
// Parse + validate is engine.validate(text) (YAML, the usual format, and JSON); compile is
// @weft/core's compile(definition, registry). The floor is JSON.parse of the same definition.
// Every pass uses fresh node ids, so no expression is in the engine's cache when the pass starts.
// The engine is opened with limits raised above the defaults (2,000 nodes, 1 MiB) for this.
// Usage: node --expose-gc bench/workloads/w5-definitions.mjs [--quick] [--nodes N] [--repeat N]
import { stringify } from 'yaml';
import {
  intArg,
  main,
  memory,
  openEngine,
  parseArgs,
  peakRss,
  settle,
  summarize,
} from '../lib/common.mjs';

/**
 * `prefix` goes in front of every node id, so that every measured pass reads expressions the
 * process has not seen yet (the engine caches compiled expressions by their text): each pass is
 * a definition submitted for the first time.
 */
export function layeredDefinition(total, prefix = 'n', width = 100) {
  const layers = Math.ceil(total / width);
  const name = (l, i) => `${prefix}${l}_${i}`;
  const nodes = [];
  const edges = [];
  for (let l = 0; l < layers; l++) {
    const inLayer = Math.min(width, total - l * width);
    for (let i = 0; i < inLayer; i++) {
      if (l === 0) {
        nodes.push({ id: name(l, i), type: 'bench.step' });
        continue;
      }
      const above = Math.min(width, total - (l - 1) * width);
      const a = name(l - 1, i % above);
      const b = name(l - 1, (i + 1) % above);
      nodes.push({ id: name(l, i), type: 'bench.step', with: { prev: `{{ ${a}.n + ${b}.n }}` } });
      edges.push({ from: a, to: name(l, i) }, { from: b, to: name(l, i) });
    }
  }
  return { id: 'bench-definition', name: `generated, ${total} nodes`, nodes, edges };
}

main(async () => {
  const args = parseArgs();
  const quick = args.quick === true;
  const total = intArg(args, 'nodes', 10000);
  const repeat = intArg(args, 'repeat', 3);
  const weft = await import('weft');
  const { compile } = await import('@weft/core');
  const engine = await openEngine(weft, {
    db: ':memory:',
    limits: { maxNodes: Math.max(2000, total * 2), maxBytes: 256 * 1024 * 1024 },
  });
  try {
    const registry = engine.registry;
    let passes = 0;
    /** The definition as YAML and as JSON text, with ids (and so expressions) not seen before. */
    const texts = (n) => ({
      yaml: stringify(layeredDefinition(n, `y${passes}n`)),
      json: JSON.stringify(layeredDefinition(n, `j${passes++}n`), null, 2),
    });
    const once = (text, format) => {
      const t0 = performance.now();
      const parsed = engine.validate(text, { format });
      const t1 = performance.now();
      if (!parsed.ok) {
        const first = parsed.diagnostics.slice(0, 3).map((d) => `${d.path}: ${d.message}`);
        throw new Error(`generated definition is invalid (${format}): ${first.join('; ')}`);
      }
      const plan = compile(parsed.definition, registry);
      const t2 = performance.now();
      if (plan.root.nodes.length !== parsed.definition.nodes.length)
        throw new Error('plan lost nodes');
      return { validateMs: t1 - t0, compileMs: t2 - t1, totalMs: t2 - t0 };
    };
    // Warm-up: a tenth of the size three times, then one pass at full size (fresh ids each time).
    for (let i = 0; i < 3; i++) {
      const small = texts(Math.max(100, Math.round(total / 10)));
      once(small.yaml, 'yaml');
      once(small.json, 'json');
    }
    const full = texts(total);
    once(full.yaml, 'yaml');
    once(full.json, 'json');
    const passTexts = Array.from({ length: repeat }, () => texts(total));
    const { yaml, json } = passTexts[0];
    await settle();
    const m0 = memory();
    const results = { yaml: [], json: [] };
    for (const t of passTexts) {
      results.yaml.push(once(t.yaml, 'yaml'));
      results.json.push(once(t.json, 'json'));
    }
    const m1 = memory();
    const floor = [];
    for (let r = 0; r < Math.max(3, repeat); r++) {
      const t = performance.now();
      JSON.parse(json);
      floor.push(performance.now() - t);
    }
    const pick = (rs, k) => summarize(rs.map((x) => x[k])).median;
    const fig = (rs) => ({
      totalMs: pick(rs, 'totalMs'),
      validateMs: pick(rs, 'validateMs'),
      compileMs: pick(rs, 'compileMs'),
    });
    return {
      workload: 'W5',
      nodes: total,
      edges: layeredDefinition(total).edges.length,
      repeat,
      bytes: { yaml: Buffer.byteLength(yaml), json: Buffer.byteLength(json) },
      yaml: fig(results.yaml),
      json: fig(results.json),
      floorJsonParseMs: summarize(floor).median,
      rssGrowth: m1.rss - m0.rss,
      rssAtEnd: m1.rss,
      peakRss: peakRss(),
    };
  } finally {
    await engine.close();
  }
});
