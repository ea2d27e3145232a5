/**
 * @module runtime/controls/loop
 * `loop` runs its body again while `while` holds after an iteration (read in that iteration's
 * scope), at most `max_iterations` times. Output: `{ output, iterations }`.
 */
import { z } from 'zod';
import type { Decider } from '../decider.js';
import { toBoolean } from '../outputs.js';
import { framePath, type NodeState } from '../state.js';
import { defineControl, type Walk } from './types.js';

const DEFAULT_MAX_ITERATIONS = 100;

function nextIteration(d: Decider, ns: NodeState, previous: unknown, walk: Walk): void {
  ns.iteration = (ns.iteration ?? 0) + 1;
  d.touch(ns.path);
  walk.createFrame(d, ns, framePath(ns.path, ns.iteration), { iteration: ns.iteration, previous });
}

export const loopNode = defineControl(
  {
    type: 'loop',
    description:
      'Runs its body again while `while` holds after an iteration, at most `max_iterations` times. Output: { output, iterations }.',
    params: z
      .object({
        while: z.string(),
        max_iterations: z.number().int().min(1).max(100_000).default(DEFAULT_MAX_ITERATIONS),
      })
      .strict(),
    expressions: ['while'],
  },
  {
    kind: 'loop',
    takesSlot: false,
    skipped: ['while', 'nodes', 'edges'],
    expression: 'while',
    start(d, ns, _pn, p, walk) {
      ns.iteration = 0;
      ns.limit =
        typeof p['max_iterations'] === 'number' ? p['max_iterations'] : DEFAULT_MAX_ITERATIONS;
      nextIteration(d, ns, null, walk);
    },
    bodyDone(d, owner, pn, fs, output, walk) {
      const whileExpr = pn.controlExpr;
      const again =
        whileExpr === undefined
          ? ({ ok: true, value: false } as const)
          : d.evaluate(() => whileExpr.evaluate(d.scopeOf(fs.path), { now: d.at }));
      if (!again.ok) return walk.failNode(d, owner, again.error, true);
      if (
        toBoolean(again.value) &&
        (owner.iteration ?? 0) < (owner.limit ?? DEFAULT_MAX_ITERATIONS)
      ) {
        return nextIteration(d, owner, output, walk);
      }
      walk.completeNode(d, owner, { output, iterations: owner.iteration ?? 0 });
    },
  },
);
