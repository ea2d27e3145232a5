/**
 * Node tests (`client.nodes.test`): one node run alone against a scope, nothing stored; its
 * failure is an answer, the request's problems are errors with the same codes on every client.
 */
import { expect, it } from 'vitest';
import type { World } from '../client-contract.js';
import { codeOf } from './fixtures.js';

const shop = `id: shop
nodes:
  - id: lookup
    type: set
    with: { values: { id: "{{ inputs.id }}" } }
  - id: price
    type: set
    needs: [lookup]
    with: { values: { total: "{{ lookup.id * 2 }}", by: "{{ run.workflow }}" } }
  - id: route
    type: if
    needs: [price]
    with: { condition: "price.total > 10" }
  - { id: refuse, type: fail, needs: [route], with: { code: TooDear, message: "{{ price.total }} is too dear" } }
  - { id: approve, type: human, needs: [route], with: { prompt: Approve? } }
`;

export function nodeCases(world: World): void {
  it('tests a node against a scope: its output, or its error as a run records it', async () => {
    const acme = world().client('acme');
    const ok = await acme.nodes.test({
      definition: shop,
      node: 'price',
      scope: { lookup: { id: 4 } },
    });
    expect(ok).toEqual({
      status: 'succeeded',
      output: { total: 8, by: 'shop' },
      duration_ms: expect.any(Number),
    });
    const routed = await acme.nodes.test({
      definition: shop,
      node: 'route',
      scope: { price: { total: 12 } },
    });
    expect(routed).toMatchObject({ status: 'succeeded', output: true, port: 'true' });
    const failed = await acme.nodes.test({
      definition: shop,
      node: 'refuse',
      scope: { price: { total: 12 } },
    });
    expect(failed).toMatchObject({
      status: 'failed',
      error: { code: 'TooDear', message: '12 is too dear' },
    });
    // An object definition is as good as its text; nothing was stored.
    const parsed = { id: 'one', nodes: [{ id: 'a', type: 'set', with: { values: { n: 1 } } }] };
    expect(await acme.nodes.test({ definition: parsed, node: 'a' })).toMatchObject({
      status: 'succeeded',
      output: { n: 1 },
    });
    expect(await acme.workflows.list()).toEqual([]);
    expect((await acme.runs.list()).runs).toEqual([]);
  });

  it('refuses an invalid definition, an unknown node and a node that cannot run alone', async () => {
    const acme = world().client('acme');
    const call = (definition: string, node: string) => acme.nodes.test({ definition, node });
    expect(await codeOf(call('id: x\nnodes: [{ id: a, type: htp }]\n', 'a'))).toBe(
      'invalid_definition',
    );
    expect(await codeOf(call('{ "id": "x", ', 'a'))).toBe('malformed_json');
    expect(await codeOf(call(shop, 'nope'))).toBe('invalid_request');
    expect(await codeOf(call(shop, 'approve'))).toBe('node_not_testable');
  });
}
