/**
 * The `memory` node through the Engine on a real SQLite file: a conversation appended over two
 * runs reads back within a window of messages or tokens, is cleared by a third run, and is kept
 * per tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/index.js';
import { tempDb, yaml } from './helpers.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.open({ db: tempDb() });
});
afterAll(() => engine.close());

/** A turn of a chat: append the user's message and the reply, then read the window. */
const turn = yaml`
id: chat-turn
inputs:
  type: object
  properties:
    user: { type: string }
    text: { type: string }
nodes:
  - id: remember
    type: memory
    with:
      session: "chat-{{ inputs.user }}"
      op: append
      messages:
        - { role: user, content: "{{ inputs.text }}" }
        - { role: assistant, content: "{{ 'echo: ' & inputs.text }}" }
  - id: recall
    type: memory
    needs: [remember]
    with: { session: "chat-{{ inputs.user }}", op: read, window: { messages: 3 } }
  - id: budget
    type: memory
    needs: [remember]
    with: { session: "chat-{{ inputs.user }}", op: read, window: { tokens: 6 } }
`;

describe('memory node', () => {
  it('appends across runs and reads the newest messages within a window', async () => {
    const first = await engine.run(turn, { input: { user: 'ann', text: 'hello' } });
    expect(first.status).toBe('succeeded');
    expect(first.nodes['remember']?.output).toEqual({ appended: 2, total: 2 });

    const second = await engine.run(turn, { input: { user: 'ann', text: 'bye' } });
    expect(second.nodes['remember']?.output).toEqual({ appended: 2, total: 4 });
    expect(second.nodes['recall']?.output).toEqual({
      messages: [
        { role: 'assistant', content: 'echo: hello' },
        { role: 'user', content: 'bye' },
        { role: 'assistant', content: 'echo: bye' },
      ],
    });
    // 'echo: bye' is 9 characters (3 tokens), 'bye' 1 token, 'echo: hello' 3 tokens: 7 > 6.
    expect(second.nodes['budget']?.output).toEqual({
      messages: [
        { role: 'user', content: 'bye' },
        { role: 'assistant', content: 'echo: bye' },
      ],
    });
  });

  it('keeps each tenant’s sessions to itself, and clears one session', async () => {
    await engine.run(turn, { input: { user: 'bob', text: 'one' } });
    const other = await engine.run(turn, { input: { user: 'bob', text: 'two' }, tenant: 'acme' });
    expect(other.nodes['remember']?.output).toEqual({ appended: 2, total: 2 });

    const clear = await engine.run(yaml`
id: forget
nodes:
  - id: forget
    type: memory
    with: { session: chat-bob, op: clear }
  - id: after
    type: memory
    needs: [forget]
    with: { session: chat-bob }
`);
    expect(clear.nodes['forget']?.output).toEqual({ cleared: 2 });
    expect(clear.nodes['after']?.output).toEqual({ messages: [] });
    expect(await engine.store.readMemory('acme', 'chat-bob')).toHaveLength(2);
  });

  it('refuses an append without messages at validation, and an empty session when it runs', async () => {
    await expect(
      engine.run(yaml`
id: bad-memory
nodes:
  - id: add
    type: memory
    with: { session: s, op: append }
`),
    ).rejects.toMatchObject({
      code: 'invalid_definition',
      message: expect.stringContaining('nodes[0].with.messages: `messages` is required to append'),
    });
    const run = await engine.run(
      yaml`
id: empty-session
nodes:
  - id: read
    type: memory
    with: { session: "{{ inputs.s }}" }
`,
      { input: { s: '' } },
    );
    expect(run.status).toBe('failed');
    expect(run.nodes['read']?.error).toMatchObject({
      code: 'invalid_params',
      message: expect.stringContaining('session'),
    });
  });
});
