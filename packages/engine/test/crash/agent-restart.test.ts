/**
 * Issue 11, crash safety of AI steps: the engine SIGKILLed at random moments while `agent` loops
 * call a model (the fake OpenAI server, in this process) and an http tool (a counting server, in
 * this process), and while an `llm` node waits for its answer. After each restart no recorded
 * model or tool call is made again — no request for a call arrives after the `node.step` event
 * that recorded it — and every run ends with the output of an uninterrupted run.
 *
 * The child is worker.mjs on the built packages, loaded ahead (loaded-child.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiServer } from '../../../../test/fixtures/openai-server.mjs';
import { Engine, type RunEvent } from '../../src/index.js';
import { crashScratch, killAtRandom } from './loaded-child.js';

const AGENTS = 3;
const TOOL_CALLS = 10;
const KILLS = Number(process.env['WEFT_CRASH_AGENT_KILLS'] ?? 4);

/** Tool results in a chat request: how far the agent's conversation is. */
const toolResults = (body: any): number =>
  (Array.isArray(body?.messages) ? body.messages : []).filter((m: any) => m?.role === 'tool')
    .length;

describe.runIf(process.platform === 'linux')('AI steps across SIGKILLs', () => {
  const scratch = crashScratch('weft-agent-restart-');
  let ai: Awaited<ReturnType<typeof startOpenAiServer>>;
  let tools: Server;
  let toolUrl: string;
  /** Every model request: which conversation (by prompt), how far it was, when it arrived. */
  const modelCalls: { prompt: string; n: number; t: number }[] = [];
  /** Every tool request: its idempotency key, its call number, when it arrived. */
  const toolCalls: { key: string; i: number; t: number }[] = [];

  beforeAll(async () => {
    ai = await startOpenAiServer({
      apiKey: 'k',
      respond: (body) => {
        const n = toolResults(body);
        const prompt = String(body.messages.find((m: any) => m.role === 'user')?.content);
        modelCalls.push({ prompt, n, t: Date.now() });
        if (!Array.isArray(body.tools)) return { text: `answer to ${prompt}`, delayMs: 400 };
        return n < TOOL_CALLS
          ? { toolCalls: [{ id: `c${n}`, name: 'lookup', arguments: { i: n } }] }
          : { text: `${prompt}: done after ${n} lookups` };
      },
    });
    tools = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => {
        const i = Number((JSON.parse(text) as { i: number }).i);
        toolCalls.push({ key: String(req.headers['idempotency-key']), i, t: Date.now() });
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ i, squared: i * i }));
        }, 60);
      });
    });
    await new Promise<void>((r) => tools.listen(0, '127.0.0.1', r));
    toolUrl = `http://127.0.0.1:${(tools.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await ai?.close();
    await new Promise((r) => tools?.close(r));
  });

  it('makes no recorded call again, and every run completes as it would have', async () => {
    const db = join(scratch(), 'agent.db');
    const plan = join(scratch(), 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify({
        workflows: [
          {
            id: 'looper',
            nodes: [
              {
                id: 'agent',
                type: 'agent',
                with: {
                  model: 'm',
                  prompt: '{{ inputs.topic }}',
                  max_steps: TOOL_CALLS + 1,
                  stream: false,
                  tools: [
                    {
                      id: 'lookup',
                      type: 'http',
                      parameters: { type: 'object', properties: { i: { type: 'number' } } },
                      with: { method: 'POST', url: `${toolUrl}/lookup`, body: '{{ args }}' },
                    },
                  ],
                },
              },
            ],
          },
          {
            id: 'asker',
            nodes: [{ id: 'ask', type: 'llm', with: { model: 'm', prompt: '{{ inputs.topic }}' } }],
          },
        ],
        runs: [
          ...Array.from({ length: AGENTS }, (_, i) => ({
            workflow: 'looper',
            key: `agent-${i}`,
            input: { topic: `topic ${i}` },
          })),
          { workflow: 'asker', key: 'asker', input: { topic: 'slow question' } },
        ],
        lanes: AGENTS + 1,
      }),
    );
    const env = {
      WEFT_CRASH_DB: db,
      WEFT_CRASH_PLAN: plan,
      WEFT_HTTP_ALLOW: '127.0.0.1',
      OPENAI_BASE_URL: ai.url,
      OPENAI_API_KEY: 'k',
      // The llm node records its one step only when the answer is in: every kill may land while it
      // waits, and the crash bound (poisoned-run.adversarial) is not what this test is about.
      WEFT_CRASH_NODE_CRASHES: String(KILLS + 1),
    };

    // Each kill lands while work is in flight; a last child finishes every run.
    await killAtRandom(env, KILLS, { min: 150, max: 750 }, 90_000);

    const engine = await Engine.open({ db, autoStart: false, lock: false });
    let replayed = 0;
    try {
      const { runs } = await engine.store.listRuns({ limit: 100 });
      expect(runs).toHaveLength(AGENTS + 1);
      for (const summary of runs) {
        const run = await engine.get(summary.id);
        expect(run?.status, JSON.stringify(run?.error)).toBe('succeeded');
        const events: RunEvent[] = [];
        for await (const e of engine.events(summary.id, { follow: false })) events.push(e);
        const topic = (summary.input as { topic: string }).topic;
        const mine = modelCalls.filter((c) => c.prompt === topic);
        if (summary.workflowId === 'asker') {
          expect(run?.output).toMatchObject({ text: `answer to ${topic}` });
          const recorded = events.find((e) => e.type === 'node.step');
          expect(recorded).toBeDefined();
          const at = Date.parse(recorded!.at);
          expect(mine.filter((c) => c.t > at)).toEqual([]);
          continue;
        }
        const output = run?.output as { text: string; steps: { type: string; result?: any }[] };
        expect(output.text).toBe(`${topic}: done after ${TOOL_CALLS} lookups`);
        const results = output.steps.filter((s) => s.type === 'tool').map((s) => s.result.body);
        expect(results).toEqual(
          Array.from({ length: TOOL_CALLS }, (_, i) => ({ i, squared: i * i })),
        );
        const prefix = `${summary.id}:agent:`;
        for (const e of events) {
          if (e.type !== 'node.step') continue;
          const at = Date.parse(e.at);
          if (e.data.name.startsWith('model:')) {
            // Step model:k answered the conversation with k - 1 tool results.
            const n = Number(e.data.name.slice('model:'.length)) - 1;
            const late = mine.filter((c) => c.n === n && c.t > at);
            expect(late, `model call ${n} of ${topic} made after it was recorded`).toEqual([]);
          } else {
            const i = (e.data.value as { body: { i: number } }).body.i;
            const key = `${prefix}${i + 1}:c${i}`;
            const late = toolCalls.filter((c) => c.key === key && c.t > at);
            expect(late, `tool call ${key} made after it was recorded`).toEqual([]);
          }
        }
        // Calls made more than once: only those in flight at a kill, each under its same key.
        const keys = toolCalls.filter((c) => c.key.startsWith(prefix));
        replayed += keys.length - new Set(keys.map((c) => c.key)).size;
        expect(new Set(keys.map((c) => c.key)).size).toBe(TOOL_CALLS);
      }
    } finally {
      await engine.close();
    }
    const agentModelCalls = modelCalls.filter((c) => c.prompt.startsWith('topic')).length;
    process.stdout.write(
      `agent-restart: ${KILLS} kills; ${toolCalls.length} tool requests for ${AGENTS * TOOL_CALLS} tool calls ` +
        `(${replayed} repeated: in flight at a kill); ${agentModelCalls} model requests for ${AGENTS * (TOOL_CALLS + 1)} model calls\n`,
    );
    // The kills landed mid-loop: some of the work was carried across a restart.
    expect(toolCalls.length + agentModelCalls).toBeLessThan(
      AGENTS * (2 * TOOL_CALLS + 1) + KILLS * (AGENTS + 1) + 1,
    );
  }, 240_000);
});
