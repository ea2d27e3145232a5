// W9 agent: an `agent` node of 10 model calls (9 tool calls, then the final answer) and 9 calls of
// one inline `set` tool, against the fake OpenAI-compatible server in the same process, which
// answers at once and not streamed (`stream: false` on both sides). Measured in the same process,
// one run of each in turn so that the machine's noise falls on all three alike:
//  - the floor: the same conversation with the `openai` SDK directly: 10 chat completions with the
//    messages growing the same way, and the tool's function called directly;
//  - the agent through the Engine on a SQLite file (synchronous=FULL, the default) and on :memory:.
// Overhead per step = (agent median − floor median) / 19 (10 model steps + 9 tool steps). After the
// timings, from the file: the JSON size of the last run's `node.step` events, per step, and the
// bytes the measured runs added to the database (pages in use after a checkpoint, engine closed,
// as W7 counts them), per run.
// Usage: node bench/workloads/w9-agent.mjs --dir DIR [--quick] [--runs N] [--warmup N]
import { startOpenAiServer } from '../../test/fixtures/openai-server.mjs';
import { dbPath, intArg, main, modeOf, parseArgs, peakRss, summarize } from '../lib/common.mjs';
import { storedBytes } from '../lib/storage.mjs';
import { floorOf } from '../lib/floor.mjs';

const TOOL_CALLS = 9;
const STEPS = 2 * TOOL_CALLS + 1;
const MODEL = 'bench-model';
const API_KEY = 'bench-key';
const SYSTEM = 'You count with the step tool.';
const PROMPT = 'Count to 9, one step at a time.';
const TOOL = {
  type: 'function',
  function: {
    name: 'step',
    description: 'Adds 1 to n.',
    parameters: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
  },
};

/** The model: a call of `step` with the last result until it has 9 results, then the answer. */
function respond(body) {
  const results = body.messages.filter((m) => m.role === 'tool');
  if (results.length >= TOOL_CALLS) return { text: `counted to ${results.length}` };
  const n = results.length === 0 ? 0 : JSON.parse(results[results.length - 1].content).n;
  return { toolCalls: [{ id: `call_${results.length + 1}`, name: 'step', arguments: { n } }] };
}

const agentWorkflow = {
  id: 'bench-agent10',
  nodes: [
    {
      id: 'agent',
      type: 'agent',
      with: {
        model: MODEL,
        system: SYSTEM,
        prompt: PROMPT,
        stream: false,
        max_steps: 20,
        tools: [
          {
            id: 'step',
            type: 'set',
            description: TOOL.function.description,
            parameters: TOOL.function.parameters,
            with: { values: { n: '{{ args.n + 1 }}' } },
          },
        ],
      },
    },
  ],
};

/** The `set` tool's work, called directly: what the engine renders from `{{ args.n + 1 }}`. */
const stepTool = (args) => ({ n: args.n + 1 });

/** The same conversation with the SDK directly: the floor. */
async function plainConversation(client) {
  const messages = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: PROMPT },
  ];
  for (let i = 0; i <= TOOL_CALLS; i++) {
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages,
      tools: [TOOL],
      stream: false,
    });
    const message = completion.choices[0].message;
    messages.push(message);
    const calls = message.tool_calls ?? [];
    if (calls.length === 0) return message.content;
    for (const call of calls) {
      const result = stepTool(JSON.parse(call.function.arguments));
      messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
    }
  }
  throw new Error('the plain conversation did not end');
}

/** The JSON size of a run's events, of its `node.step` events apart, and of the run object. */
async function runBytes(engine, runId) {
  const json = (v) => Buffer.byteLength(JSON.stringify(v));
  let events = 0;
  let stepEvents = 0;
  let stepBytes = 0;
  for await (const e of engine.events(runId, { follow: false })) {
    events += json(e);
    if (e.type === 'node.step') {
      stepEvents++;
      stepBytes += json(e);
    }
  }
  return { view: json(await engine.get(runId)) + events, events, stepEvents, stepBytes };
}

function checked(run) {
  const steps = run.output?.steps;
  if (run.status !== 'succeeded' || steps?.length !== STEPS || steps[STEPS - 2].result?.n !== 9) {
    throw new Error(
      `run ${run.id} ended ${run.status}: ${JSON.stringify(run.error ?? run.output ?? null)}`,
    );
  }
  return run;
}

main(async () => {
  const args = parseArgs();
  const quick = args.quick === true;
  const runs = intArg(args, 'runs', quick ? 30 : 200);
  const warmup = intArg(args, 'warmup', quick ? 20 : 100);
  const full = modeOf({ mode: 'full' });
  const server = await startOpenAiServer({ apiKey: API_KEY, respond });
  // The agent reaches the server through the environment's endpoint and the HTTP allow-list.
  process.env.OPENAI_BASE_URL = server.url;
  process.env.OPENAI_API_KEY = API_KEY;
  process.env.WEFT_HTTP_ALLOW = '127.0.0.1';
  const { default: OpenAI } = await import('openai');
  const client = new OpenAI({ apiKey: API_KEY, baseURL: server.url, maxRetries: 0 });
  const { Engine } = await import('weft');
  const path = dbPath(args, full, 'W9');
  let onFile = await Engine.open({ db: path, synchronous: full.synchronous });
  const inMemory = await Engine.open({ db: ':memory:' });
  try {
    const fileId = (await onFile.publish(agentWorkflow)).id;
    const memoryId = (await inMemory.publish(agentWorkflow)).id;
    for (let i = 0; i < warmup; i++) {
      await plainConversation(client);
      checked(await onFile.run(fileId));
      checked(await inMemory.run(memoryId));
    }
    // The measured runs' bytes are counted from a checkpointed file, the engine closed.
    await onFile.close();
    const bytesBefore = storedBytes(path);
    onFile = await Engine.open({ db: path, synchronous: full.synchronous });
    const commitFloorBefore = await floorOf(args, full, 'probe', 'W9-floor');
    const samples = { floor: [], full: [], memory: [] };
    const stats0 = { full: { ...onFile.stats }, memory: { ...inMemory.stats } };
    let last;
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      await plainConversation(client);
      samples.floor.push(performance.now() - t);
      t = performance.now();
      last = checked(await onFile.run(fileId));
      samples.full.push(performance.now() - t);
      t = performance.now();
      checked(await inMemory.run(memoryId));
      samples.memory.push(performance.now() - t);
    }
    const commits = {
      full: (onFile.stats.commits - stats0.full.commits) / runs,
      memory: (inMemory.stats.commits - stats0.memory.commits) / runs,
    };
    const commitFloorAfter = await floorOf(args, full, 'probe', 'W9-floor');
    const bytes = await runBytes(onFile, last.id);
    await onFile.close();
    const storedPerRun = (storedBytes(path) - bytesBefore) / runs;
    const floor = summarize(samples.floor);
    const agent = { full: summarize(samples.full), memory: summarize(samples.memory) };
    const overhead = (m) => (agent[m].median - floor.median) / STEPS;
    return {
      workload: 'W9',
      runs,
      warmup,
      steps: STEPS,
      streamed: false,
      floor,
      agent,
      commitsPerRun: commits,
      commit1Ms: Math.min(commitFloorBefore.commit1Ms, commitFloorAfter.commit1Ms),
      overheadPerStepMs: { full: overhead('full'), memory: overhead('memory') },
      ratio: {
        full: agent.full.median / floor.median,
        memory: agent.memory.median / floor.median,
      },
      storage: {
        stepEvents: bytes.stepEvents,
        stepEventBytes: bytes.stepBytes,
        stepEventBytesPerStep: bytes.stepBytes / bytes.stepEvents,
        eventBytesPerRun: bytes.events,
        viewBytesPerRun: bytes.view,
        storedPerRun,
      },
      peakRss: peakRss(),
    };
  } finally {
    await onFile.close();
    await inMemory.close();
    await server.close();
  }
});
