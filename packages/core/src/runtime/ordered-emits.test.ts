/**
 * Graph-ordered delivery of what nodes stream: the `message` texts and `node.progress` events of
 * node types that order them are held until the ordered nodes before them are done, then released
 * in graph order; other nodes' progress goes out at once. Drives `decide` as the shell would.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compile } from '../compile/compile.js';
import { NodeRegistry } from '../nodes/registry.js';
import { defineNode } from '../nodes/types.js';
import type { RunEvent } from '../events.js';
import { decide } from './decide.js';
import type { RunInput } from './protocol.js';
import { createRunState, type NodeState, type RunState } from './state.js';

const registry = new NodeRegistry([
  defineNode({
    type: 'stream',
    description: 'streams in graph order',
    params: z.object({}),
    flags: { ordersMessages: true },
  }),
  defineNode({ type: 'task', description: 'streams as it comes', params: z.object({}) }),
]);

/** Three parallel nodes: a and b order their output (a first), c does not. */
const plan = compile(
  {
    id: 'ordered',
    nodes: [
      { id: 'a', type: 'stream' },
      { id: 'b', type: 'stream' },
      { id: 'c', type: 'task' },
    ],
    edges: [],
  },
  registry,
);

/** The input without its time: `feed` adds one. */
type Input = RunInput extends infer I ? (I extends RunInput ? Omit<I, 'at'> : never) : never;

function start(): { state: RunState; feed: (input: Input) => RunEvent[] } {
  const state = createRunState({ runId: 'r', workflowId: 'ordered', version: 1, input: {} });
  let at = 1_000;
  const feed = (input: Input) => decide(plan, state, { ...input, at: at++ }).events;
  feed({ type: 'start' });
  return { state, feed };
}

const emit = (path: string, kind: 'progress' | 'message', data: unknown) =>
  ({ type: 'node.emit', path, attempt: 1, kind, data }) as const;

/** What clients see: progress and messages, as `node:payload`. */
const streamed = (events: RunEvent[]) =>
  events
    .filter((e) => e.type === 'node.progress' || e.type === 'message')
    .map((e) => `${e.node}:${JSON.stringify(e.data)}`);

describe('ordered emits', () => {
  it('holds a later node’s progress and messages until the node before it is done', () => {
    const { state, feed } = start();
    expect(streamed(feed(emit('b', 'progress', { delta: 'b1' })))).toEqual([]);
    expect(streamed(feed(emit('b', 'message', 'b says')))).toEqual([]);
    expect((state.nodes.get('b') as NodeState).held).toEqual([
      { progress: { delta: 'b1' } },
      'b says',
    ]);
    // a's own go out at once: nothing ordered is before it.
    expect(streamed(feed(emit('a', 'progress', { delta: 'a1' })))).toEqual(['a:{"delta":"a1"}']);
    // c does not order its output.
    expect(streamed(feed(emit('c', 'progress', { delta: 'c1' })))).toEqual(['c:{"delta":"c1"}']);
    // b is done first: still held.
    expect(streamed(feed({ type: 'node.result', path: 'b', attempt: 1, output: 'B' }))).toEqual([]);
    const released = feed({ type: 'node.result', path: 'a', attempt: 1, output: 'A' });
    expect(streamed(released)).toEqual(['b:{"delta":"b1"}', 'b:{"text":"b says"}']);
    // Released after a finished, in the order b emitted them.
    const aDone = released.findIndex((e) => e.type === 'node.succeeded' && e.node === 'a');
    const bFirst = released.findIndex((e) => e.type === 'node.progress' && e.node === 'b');
    expect(aDone).toBeLessThan(bFirst);
    expect((state.nodes.get('b') as NodeState).held).toBeUndefined();
  });

  it('streams a later node at once when the nodes before it are done', () => {
    const { feed } = start();
    feed({ type: 'node.result', path: 'a', attempt: 1, output: 'A' });
    expect(streamed(feed(emit('b', 'progress', { delta: 'now' })))).toEqual(['b:{"delta":"now"}']);
  });

  it('releases texts held in rows stored before progress was held (plain strings)', () => {
    const { state, feed } = start();
    // A stored row of an older version: held messages as a string array.
    (state.nodes.get('b') as NodeState).held = ['old text'];
    const released = feed({ type: 'node.result', path: 'a', attempt: 1, output: 'A' });
    expect(streamed(released)).toEqual(['b:{"text":"old text"}']);
  });
});
