/**
 * Run logic by kind (issue 8): a graph runs on the graph logic; a state machine, whose logic is not
 * built yet, is refused at publish and at start with a clear error instead of "succeeding".
 * Node type flags (`setsOutput`, `ordersMessages`) work for plugins as for the built-ins.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineNode, WeftError, type Engine } from '../src/index.js';
import { openEngine, yaml } from './helpers.js';

let engine: Engine;
afterEach(async () => {
  await engine?.close();
});

const machine = yaml`
id: order
kind: state-machine
initial: created
states:
  created:
    on: { PAY: paid }
  paid: { type: final }
`;

const refusal =
  'state-machine workflows are not available yet (kind: state-machine at workflow "order")';

async function refused(promise: Promise<unknown>): Promise<WeftError> {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(WeftError.is(e)).toBe(true);
  return e as WeftError;
}

describe('state-machine workflows', () => {
  it('are valid definitions, but publishing one is refused and stores nothing', async () => {
    ({ engine } = await openEngine());
    expect(engine.validate(machine).ok).toBe(true);
    const e = await refused(engine.publish(machine));
    expect(e.code).toBe('invalid_definition');
    expect(e.message).toBe(refusal);
    expect(e.details).toEqual([
      { path: 'kind', message: 'state-machine workflows are not available yet' },
    ]);
    expect(await engine.store.listWorkflows('default')).toEqual([]);
  });

  it('are refused at start, given as a definition or stored by an engine that took them', async () => {
    ({ engine } = await openEngine());
    const e = await refused(engine.run(machine));
    expect(e.message).toBe(refusal);
    const parsed = engine.validate(machine);
    if (!parsed.ok) throw new Error('the definition should validate');
    await engine.store.saveWorkflow({
      tenant: 'default',
      definition: parsed.definition,
      source: machine,
      hash: 'stored-before',
    });
    const stored = await refused(engine.start('order'));
    expect(stored.code).toBe('invalid_definition');
    expect(stored.message).toBe(refusal);
    expect((await engine.store.listRuns({ tenant: 'default' })).runs).toEqual([]);
  });
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
