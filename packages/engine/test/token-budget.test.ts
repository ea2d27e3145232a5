/**
 * Token budgets (issue 11, item 7): `limits.tokens` of the workflow and of a node bound what the
 * run's model calls spend in all. A node reads what is left (`ctx.tokens.left()`) as it stood when
 * its execution began, less what it spent since; what it spends counts for the run and the node,
 * across attempts, restarts and nodes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineNode, Engine, WeftError } from '../src/index.js';
import { tempDb, yaml } from './helpers.js';

let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) await e.close();
  engines = [];
});

/** Spends `each` tokens per call while budget is left, up to `calls`; reports what it saw. */
const spender = defineNode({
  type: 'spender',
  description: 'spends tokens like a model call',
  params: z.object({ each: z.number(), calls: z.number(), fail_first: z.boolean().optional() }),
  run: (ctx, p) => {
    const seen = ctx.tokens.left();
    let made = 0;
    for (; made < p.calls; made++) {
      const left = ctx.tokens.left();
      if (left !== undefined && left <= 0) {
        throw new WeftError('token_budget_exceeded', `${ctx.path}: no tokens left`);
      }
      ctx.tokens.spend(p.each);
    }
    if (p.fail_first === true && ctx.attempt === 1) {
      throw new WeftError('network_error', 'once', { retryable: true });
    }
    return { seen: seen ?? null, made };
  },
});

async function open(db = ':memory:') {
  const engine = await Engine.open({ db, nodes: [spender] });
  engines.push(engine);
  return engine;
}

describe('limits.tokens', () => {
  it('leaves each node what the nodes before it did not spend of the run budget', async () => {
    const engine = await open();
    const run = await engine.run(yaml`
id: budget
limits: { tokens: 100 }
nodes:
  - { id: a, type: spender, with: { each: 30, calls: 2 } }
  - { id: b, type: spender, needs: [a], with: { each: 30, calls: 5 }, on_error: continue }
`);
    expect(run.nodes['a']?.output).toEqual({ seen: 100, made: 2 });
    expect(run.nodes['b']?.status).toBe('failed');
    expect(run.nodes['b']?.error).toMatchObject({ code: 'token_budget_exceeded' });
  });

  it('takes the smaller of the run and node budgets, and counts a failed attempt spend', async () => {
    const engine = await open();
    const run = await engine.run(yaml`
id: node-budget
limits: { tokens: 1000 }
nodes:
  - id: a
    type: spender
    limits: { tokens: 50 }
    retry: { max_attempts: 2, initial_ms: 1 }
    with: { each: 20, calls: 1, fail_first: true }
`);
    expect(run.status).toBe('succeeded');
    // The first attempt spent 20 before it failed: the retry begins with 30 left.
    expect(run.nodes['a']?.output).toEqual({ seen: 30, made: 1 });
  });

  it('gives undefined when no budget is set, and keeps what was spent across a restart', async () => {
    const engine = await open();
    const free = await engine.run(yaml`
id: free
nodes:
  - { id: a, type: spender, with: { each: 5, calls: 1 } }
`);
    expect(free.nodes['a']?.output).toEqual({ seen: null, made: 1 });

    const db = tempDb();
    const first = await open(db);
    const wf = yaml`
id: restart
limits: { tokens: 100 }
nodes:
  - { id: a, type: spender, with: { each: 70, calls: 1 } }
  - { id: ask, type: human, needs: [a], with: { prompt: go on? } }
  - { id: b, type: spender, needs: [ask], with: { each: 1, calls: 1 } }
`;
    const waiting = await first.run(wf);
    expect(waiting.status).toBe('waiting');
    await first.close();
    engines = engines.filter((e) => e !== first);
    const second = await open(db);
    await second.input(waiting.id, 'ask', true);
    const done = await second.wait(waiting.id);
    expect(done.nodes['b']?.output).toEqual({ seen: 30, made: 1 });
  });

  it('gives a retried run the whole budget again', async () => {
    const engine = await open();
    const failed = await engine.run(yaml`
id: retried
limits: { tokens: 50 }
nodes:
  - { id: a, type: spender, with: { each: 40, calls: 1 } }
  - { id: b, type: spender, needs: [a], with: { each: 40, calls: 1 } }
  - { id: c, type: spender, needs: [b], with: { each: 40, calls: 1 } }
`);
    expect(failed.nodes['c']?.error).toMatchObject({ code: 'token_budget_exceeded' });
    await engine.retry(failed.id);
    const again = await engine.wait(failed.id);
    // a and b are kept; c begins with the run's 50 tokens, not with what the first attempt left.
    expect(again.nodes['c']?.output).toEqual({ seen: 50, made: 1 });
  });

  it('refuses a budget that is not a positive whole number, at validation', async () => {
    const engine = await open();
    const bad = engine.validate(
      'id: x\nlimits: { tokens: 0 }\nnodes:\n  - { id: a, type: noop }\n',
    );
    expect(bad.ok).toBe(false);
    const badNode = engine.validate(
      'id: x\nnodes:\n  - { id: a, type: noop, limits: { tokens: 1.5 } }\n',
    );
    expect(badNode.ok).toBe(false);
  });
});
