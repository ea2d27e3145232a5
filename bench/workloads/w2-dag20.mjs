// W2 dag20: 1 start node, 18 parallel nodes depending on it, 1 join reading all 18 outputs.
// Per-run latency, one run at a time: median and p99.
// Usage: node bench/workloads/w2-dag20.mjs --mode full|normal|memory --dir DIR [--quick] [--runs N]
import { dag20, main } from '../lib/common.mjs';
import { latencyWorkload } from '../lib/latency.mjs';

main(() =>
  latencyWorkload({ name: 'W2', definition: dag20(), nodes: 20, runs: 300, quickRuns: 100 }),
);
