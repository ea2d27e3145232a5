/**
 * Workflows of the client contract, with standard node types only, and a helper for the error a
 * call throws.
 */
import { expect } from 'vitest';
import { WeftError, type WeftClient } from '@weft/core/client';

export const hello = `id: hello
name: Hello
inputs: { type: object, properties: { name: { type: string } } }
nodes:
  - { id: greet, type: set, with: { values: { text: "Hello, {{ inputs.name }}" } } }
`;

/** Waits for an answer between two steps. */
export const ask = `id: ask
nodes:
  - { id: before, type: set, with: { values: { n: 1 } } }
  - id: approve
    type: human
    needs: [before]
    with:
      prompt: Approve?
      schema: { type: object, required: [ok], properties: { ok: { type: boolean } } }
  - { id: after, type: set, needs: [approve], with: { values: { n: 2 } } }
`;

/** Waits on a long timer: a run that stays unfinished until it is moved. */
export const slow = `id: slow
nodes:
  - { id: nap, type: wait, with: { duration: 60000 } }
`;

/** Starts of one name within 150 ms make one run (see `debounce:`). */
export const calm = `id: calm
inputs: { type: object, properties: { name: { type: string } } }
debounce: { key: "{{ inputs.name }}", period: 150 }
nodes:
  - { id: greet, type: set, with: { values: { text: "Hello, {{ inputs.name }}" } } }
`;

/** Fails at its second node. */
export const broken = `id: broken
nodes:
  - { id: first, type: set, with: { values: { n: 1 } } }
  - { id: second, type: fail, needs: [first], with: { message: no luck } }
`;

/** The code of the WeftError `call` throws (the test fails when it throws something else). */
export async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (e) {
    expect(WeftError.is(e), `not a WeftError: ${String(e)}`).toBe(true);
    return (e as WeftError).code;
  }
  throw new Error('the call did not throw');
}

/** Publishes the given definitions for `client`. */
export async function publishAll(client: WeftClient, ...sources: string[]): Promise<void> {
  for (const s of sources) await client.workflows.publish(s);
}
