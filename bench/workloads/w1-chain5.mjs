// W1 chain5: 5 bench nodes in sequence, each reading the previous output through a template.
// Per-run latency, one run at a time (>= 200 runs in the full bench): median and p99.
// Usage: node bench/workloads/w1-chain5.mjs --mode full|normal|memory|postgres --dir DIR [--quick] [--runs N]
import { chain5, main } from '../lib/common.mjs';
import { latencyWorkload } from '../lib/latency.mjs';

main(() =>
  latencyWorkload({
    name: 'W1',
    definition: chain5(),
    nodes: 5,
    runs: 300,
    quickRuns: 100,
    prune: true,
  }),
);
