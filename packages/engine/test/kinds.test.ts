/**
 * Node type flags (`setsOutput`, `ordersMessages`) work for plugins as for the built-ins. (State
 * machines, the other kind of run logic, are in `state-machine.test.ts`.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineNode, type Engine } from '../src/index.js';
import { openEngine, yaml } from './helpers.js';

let engine: Engine;
afterEach(async () => {
  await engine?.close();
});

describe('node type flags', () => {
  it("a plugin type that sets the output gives the graph's output; one that orders messages waits its turn", async () => {
    const result = defineNode({
      type: 'result',
      description: 'sets the output',
      params: z.object({ value: z.unknown() }),
      flags: { setsOutput: true },
      run: (_ctx, p) => p.value,
    });
    const say = defineNode({
      type: 'say',
      description: 'a message in graph order, sent late',
      params: z.object({ text: z.string(), delay_ms: z.number() }),
      flags: { ordersMessages: true },
      run: async (ctx, p) => {
        await new Promise((r) => setTimeout(r, p.delay_ms));
        ctx.emit.message(p.text);
        return null;
      },
    });
    ({ engine } = await openEngine({ nodes: [result, say] }));
    const run = await engine.run(yaml`
id: flagged
nodes:
  - { id: first, type: say, with: { text: one, delay_ms: 60 } }
  - { id: second, type: say, with: { text: two, delay_ms: 0 } }
  - { id: out, type: result, with: { value: { done: true } } }
  - { id: sink, type: noop }
`);
    expect(run.status).toBe('succeeded');
    expect(run.output).toEqual({ done: true });
    const texts: unknown[] = [];
    for await (const e of engine.events(run.id, { follow: false })) {
      if (e.type === 'message') texts.push(e.data.text);
    }
    expect(texts).toEqual(['one', 'two']);
  });
});
