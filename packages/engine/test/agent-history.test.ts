/**
 * The stored history of an `agent` grows linearly with its steps: each model call and tool call is
 * recorded with its own new data only, never with the conversation so far. Agents of 10, 50 and
 * 100 steps (a step: one model call and the tool call it asks for; the last step answers) run
 * against the fake OpenAI-compatible server on a SQLite file; the bytes of each run (the JSON of
 * its events, its run record and node rows, read back through the engine and its store) must grow
 * by about as much per step from 50 to 100 steps as from 10 to 50. Were every step to store the
 * conversation, the second slope would be about twice the first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiServer } from '../../../test/fixtures/openai-server.mjs';
import { Engine } from '../src/index.js';
import { SECRET_A } from './credentials/support.js';
import { tempDb } from './helpers.js';

type Fixture = Awaited<ReturnType<typeof startOpenAiServer>>;
interface Message {
  role: string;
  content: string | null;
}

let ai: Fixture;
let engine: Engine;
const savedAllow = process.env['WEFT_HTTP_ALLOW'];

/** The model: calls `step` with the last result until it has `steps - 1` results, then answers. */
function respond(body: { messages: Message[] }) {
  const steps = Number(/steps: (\d+)/.exec(body.messages[1]?.content ?? '')?.[1]);
  const results = body.messages.filter((m) => m.role === 'tool');
  if (results.length >= steps - 1) return { text: `counted to ${results.length}` };
  const last = results[results.length - 1];
  const n = last === undefined ? 0 : (JSON.parse(last.content ?? '{}') as { n: number }).n;
  return { toolCalls: [{ id: `call_${results.length + 1}`, name: 'step', arguments: { n } }] };
}

beforeAll(async () => {
  process.env['WEFT_HTTP_ALLOW'] = '127.0.0.1';
  ai = await startOpenAiServer({ apiKey: 'k', respond });
  engine = await Engine.open({ db: tempDb(), secretKey: SECRET_A });
  await engine.credentials.put('ai', { type: 'openai', base_url: ai.url, api_key: 'k' });
});
afterAll(async () => {
  await engine.close();
  await ai.close();
  if (savedAllow === undefined) delete process.env['WEFT_HTTP_ALLOW'];
  else process.env['WEFT_HTTP_ALLOW'] = savedAllow;
});

const agentWorkflow = (steps: number) => ({
  id: `agent-${steps}`,
  nodes: [
    {
      id: 'counter',
      type: 'agent',
      with: {
        credential: 'ai',
        model: 'm1',
        system: 'You count with the step tool.',
        prompt: `Count, one call at a time. steps: ${steps}`,
        max_steps: steps,
        tools: [
          {
            id: 'step',
            type: 'set',
            description: 'Adds 1 to n.',
            parameters: { type: 'object', properties: { n: { type: 'number' } } },
            with: { values: { n: '{{ args.n + 1 }}' } },
          },
        ],
      },
    },
  ],
  edges: [],
});

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** Runs an agent of `steps` steps; the JSON size of what its run stored. */
async function storedBytes(steps: number): Promise<number> {
  const run = await engine.run(agentWorkflow(steps));
  expect(run.status).toBe('succeeded');
  const out = run.output as { text: string; steps: { type: string }[] };
  expect(out.text).toBe(`counted to ${steps - 1}`);
  expect(out.steps).toHaveLength(2 * steps - 1);
  let bytes = 0;
  let recorded = 0;
  for await (const e of engine.events(run.id, { follow: false })) {
    bytes += jsonBytes(e);
    if (e.type === 'node.step') recorded++;
  }
  expect(recorded).toBe(2 * steps - 1);
  const rows = await engine.store.loadRun(run.id);
  expect(rows).toBeDefined();
  bytes += jsonBytes(rows?.run) + rows!.nodes.reduce((sum, node) => sum + jsonBytes(node), 0);
  return bytes;
}

describe('agent history', () => {
  it('stores a number of bytes linear in its steps', async () => {
    const at10 = await storedBytes(10);
    const at50 = await storedBytes(50);
    const at100 = await storedBytes(100);
    const slopeLow = (at50 - at10) / 40;
    const slopeHigh = (at100 - at50) / 50;
    console.log(
      `agent history: ${at10} / ${at50} / ${at100} bytes at 10 / 50 / 100 steps; ` +
        `${slopeLow.toFixed(0)} bytes per step from 10 to 50, ${slopeHigh.toFixed(0)} from 50 to 100`,
    );
    expect(Math.abs(slopeHigh / slopeLow - 1)).toBeLessThan(0.25);
    expect(at100 / at50).toBeLessThan(2.6);
  }, 60_000);

  it('leaves nothing on the signal of the node, call after call (no listener warning)', async () => {
    const warnings: string[] = [];
    const listen = (w: Error) => warnings.push(w.name);
    process.on('warning', listen);
    try {
      await storedBytes(30);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', listen);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  }, 60_000);
});
