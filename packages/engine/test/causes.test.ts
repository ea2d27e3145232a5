/**
 * Failures keep their cause: a node that fails because its child run or a body node failed carries
 * that failure (and the failures under it, 5 deep at most) as `error.cause`, stored and read back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine, ErrorCause } from '../src/index.js';
import { openEngine, yaml } from './helpers.js';

let engine: Engine;
afterEach(async () => {
  await engine?.close();
});

const depth = (c: ErrorCause | undefined): number => (c === undefined ? 0 : 1 + depth(c.cause));

describe('error causes', () => {
  it('a failed child run is the cause of the subworkflow node, all the way down', async () => {
    ({ engine } = await openEngine());
    await engine.publish(yaml`
id: leaf
nodes:
  - { id: f, type: fail, with: { code: card_declined, message: the card was declined } }
`);
    await engine.publish(yaml`
id: middle
nodes:
  - { id: pay, type: subworkflow, with: { workflow: leaf } }
`);
    const run = await engine.run(yaml`
id: top
nodes:
  - { id: order, type: subworkflow, with: { workflow: middle } }
`);
    expect(run.status).toBe('failed');
    const stored = await engine.get(run.id);
    expect(stored?.nodes['order']?.error).toEqual({
      code: 'card_declined',
      message: 'subworkflow: subworkflow: the card was declined',
      cause: {
        code: 'card_declined',
        message: 'subworkflow: the card was declined',
        cause: { code: 'card_declined', message: 'the card was declined' },
      },
    });
    expect(stored?.error?.cause).toEqual(stored?.nodes['order']?.error?.cause);
  });

  it('a failed foreach body node is the cause of the foreach, and of a loop', async () => {
    ({ engine } = await openEngine());
    const each = await engine.run(yaml`
id: each
nodes:
  - id: each
    type: foreach
    with: { items: "[1, 2]" }
    nodes:
      - { id: work, type: fail, with: { code: bad_item, message: "item {{ item }} is bad" } }
`);
    expect(each.nodes['each']?.error).toEqual({
      code: 'bad_item',
      message: '[0].work: item 1 is bad',
      cause: { code: 'bad_item', message: 'item 1 is bad' },
    });
    const loop = await engine.run(yaml`
id: loop
nodes:
  - id: again
    type: loop
    with: { while: "true", max_iterations: 3 }
    nodes:
      - { id: step, type: fail, with: { code: step_failed, message: no luck } }
`);
    expect(loop.nodes['again']?.error?.cause).toEqual({ code: 'step_failed', message: 'no luck' });
  });

  it('keeps at most 5 causes under an error', async () => {
    ({ engine } = await openEngine());
    await engine.publish(`id: l0\nnodes:\n  - { id: f, type: fail, with: { message: deep } }\n`);
    for (let i = 1; i <= 7; i++) {
      await engine.publish(
        `id: l${i}\nnodes:\n  - { id: s, type: subworkflow, with: { workflow: l${i - 1} } }\n`,
      );
    }
    const run = await engine.run(
      `id: top\nnodes:\n  - { id: s, type: subworkflow, with: { workflow: l7 } }\n`,
    );
    expect(run.status).toBe('failed');
    expect(depth(run.nodes['s']?.error?.cause)).toBe(5);
  });
});
