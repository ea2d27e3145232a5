/**
 * The AI examples (agent.yaml, support-triage.yaml, rag.yaml, token-budget.yaml) run offline as their top comments
 * say: the built `weft` against the fake OpenAI-compatible server in its demo mode, over real
 * HTTP. Checks what each run answers and what the model was sent, and the refund's approval
 * answered with `weft runs input` (approved, and refused with a reason).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDemoServer } from '../../../../test/fixtures/openai-server.mjs';
import {
  example,
  expectExit,
  listRuns,
  parseJson,
  requireBuild,
  sandbox,
  type CliResult,
  type Sandbox,
} from './harness.js';

type Fixture = Awaited<ReturnType<typeof startDemoServer>>;

let ai: Fixture;
let box: Sandbox;
let env: Record<string, string>;

beforeAll(async () => {
  requireBuild();
  ai = await startDemoServer({ apiKey: 'demo-key' });
  box = sandbox();
  env = { OPENAI_BASE_URL: ai.url, OPENAI_API_KEY: 'demo-key', WEFT_HTTP_ALLOW: '127.0.0.1' };
});
afterAll(async () => {
  box.remove();
  await ai.close();
});
beforeEach(() => {
  ai.calls.bodies.length = 0;
});

const run = (file: string, input: unknown): Promise<CliResult> =>
  box.weft(['run', example(file), '--input', JSON.stringify(input)], { env });

/** The chat requests the fixture got since the test began. */
const chats = (): any[] => ai.calls.bodies.filter((b) => Array.isArray(b?.messages));

const answer = (runId: string, value: unknown): Promise<CliResult> =>
  box.weft(['runs', 'input', runId, '--node', 'shipping', '--value', JSON.stringify(value)], {
    env,
  });

/** Runs a refund request to its approval; the run's id. */
async function refundRequest(): Promise<string> {
  const r = await run('support-triage.yaml', {
    message: 'The shipping of order "A-17" is late: refund it.',
  });
  expectExit(r, 3);
  expect(r.stderr).toContain(
    '⏸ shipping waiting: The agent wants to call refund. Approve? ' +
      '{"tool":"refund","arguments":{"order_id":"A-17","reason":"late delivery"}}',
  );
  const hint = /weft runs input (\S+) --node shipping --value JSON/.exec(r.stderr);
  expect(hint, r.stderr).not.toBeNull();
  return hint![1]!;
}

describe('examples/agent.yaml', () => {
  it('calls its tool with the model arguments, then answers from the result', async () => {
    const r = await run('agent.yaml', { question: 'Where is order "A-9"?' });
    expectExit(r, 0);
    const out = parseJson<{ answer: string; tools_called: string; tokens: number }>(r);
    expect(out.tools_called).toBe('lookup_order');
    expect(out.answer).toMatch(/^Based on lookup_order: /);
    expect(JSON.parse(out.answer.replace('Based on lookup_order: ', ''))).toMatchObject({
      order_id: 'A-9',
      status: 'shipped',
    });
    expect(out.tokens).toBeGreaterThan(0);
    const [first, second] = chats();
    expect(first.tools.map((t: any) => t.function.name)).toEqual(['lookup_order']);
    expect(second.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_demo_1' });
  });
});

describe('examples/support-triage.yaml', () => {
  it('routes a shipping question to the agent, which looks the order up', async () => {
    const r = await run('support-triage.yaml', { message: 'Any shipping news for order "A-17"?' });
    expectExit(r, 0);
    const out = parseJson<{ category: string; answer: string }>(r);
    expect(out.category).toBe('shipping');
    expect(out.answer).toMatch(/^Based on lookup_order: \{"order_id":"A-17","status":"in transit"/);
    // The classifier asked for the schema; the agent offered both tools.
    expect(chats()[0].response_format.json_schema.schema.properties.category.enum).toEqual([
      'billing',
      'shipping',
      'other',
    ]);
    expect(chats()[1].tools.map((t: any) => t.function.name)).toEqual(['lookup_order', 'refund']);
  });

  it('answers a billing question with the plain model call, never reaching the agent', async () => {
    const r = await run('support-triage.yaml', { message: 'My billing address changed.' });
    expectExit(r, 0);
    expect(parseJson(r)).toEqual({
      category: 'billing',
      answer: 'You said: My billing address changed.',
    });
    expect(chats().some((b) => b.tools !== undefined)).toBe(false);
    expect(chats()[1].messages[0].content).toBe(
      'You answer billing questions of customers in two sentences.',
    );
  });

  it('waits for the refund approval; an approved refund runs and the agent answers', async () => {
    const id = await refundRequest();
    const [waiting] = await listRuns(box, '--status', 'waiting');
    expect(waiting).toMatchObject({ id, nodes: { shipping: { status: 'waiting' } } });
    const invalid = await answer(id, { approve: 'yes' });
    expectExit(invalid, 2);
    expect(invalid.stderr).toMatch(/invalid_answer/);
    const r = await answer(id, { approve: true });
    expectExit(r, 0);
    const out = parseJson<{ answer: string }>(r);
    expect(out.answer).toBe(
      'Based on refund: {"refunded":true,"order_id":"A-17","reason":"late delivery"}',
    );
  });

  it('tells the model of a refused refund, with the reason, and the refund does not run', async () => {
    const id = await refundRequest();
    const r = await answer(id, { approve: false, reason: 'not yet' });
    expectExit(r, 0);
    expect(parseJson<{ answer: string }>(r).answer).toBe(
      'Based on refund: {"rejected":true,"reason":"not yet"}',
    );
  });
});

/** Keeps the fake server as credential `local-ai`, as the examples that name it say. */
async function localAi(): Promise<void> {
  const set = await box.weft(
    [
      'credentials',
      'set',
      'local-ai',
      '--type',
      'openai',
      '--base-url',
      ai.url,
      '--api-key',
      'demo-key',
    ],
    { env },
  );
  expectExit(set, 0);
}

describe('examples/token-budget.yaml', () => {
  it("summarizes until the day's budget on the credential is spent, then takes the error branch", async () => {
    await localAi();
    const first = await run('token-budget.yaml', {});
    expectExit(first, 0);
    expect(parseJson<{ summary: string; tokens: number }>(first).tokens).toBeGreaterThan(50);
    // The crossing call asked for no more than the budget as its completion.
    expect(chats()).toHaveLength(1);
    expect(chats()[0].max_tokens).toBe(50);
    const second = await run('token-budget.yaml', {});
    expectExit(second, 0);
    expect(parseJson(second)).toMatchObject({ summary: null, reason: 'token_budget_exceeded' });
    expect(parseJson<{ message: string }>(second).message).toMatch(
      /^summarize: the token budget of credential:local-ai \(50 per P1D\) is spent until \d{4}-\d\d-\d\dT00:00:00\.000Z/,
    );
    expect(chats()).toHaveLength(1);
  });
});

describe('examples/rag.yaml', () => {
  it('answers with the retrieved chunks in the prompt', async () => {
    await localAi();
    const embedded = ai.embeddings.requests;
    const r = await run('rag.yaml', { question: 'How long does the battery last?' });
    expectExit(r, 0);
    const out = parseJson<{ answer: string; sources: string[] }>(r);
    expect(out.sources[0]).toBe('battery');
    // One request to embed the manual, one for the question.
    expect(ai.embeddings.requests - embedded).toBe(2);
    const [asked] = chats();
    expect(chats()).toHaveLength(1);
    const prompt = asked.messages.at(-1).content as string;
    expect(prompt).toContain('battery that lasts about 40 hours');
    expect(prompt).toMatch(/Question: How long does the battery last\?$/);
    expect(out.answer).toBe(`You said: ${prompt}`);
  });
});
