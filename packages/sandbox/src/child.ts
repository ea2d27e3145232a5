/**
 * @module child
 * The entry point of a sandbox child process. It is started with an empty environment and only its
 * IPC channel; it runs the jobs the pool sends, one at a time, with the runtime of each job's
 * language, and ends when the pool goes away. A runtime that fails in itself (not the user's code)
 * is answered as a crash, and the process exits so that the pool starts a fresh one.
 */
import { isRunMessage, type ChildMessage, type RunMessage } from './protocol.js';
import type { SandboxRuntime } from './runtime.js';
import { RUNTIMES } from './runtimes.js';
import { isLanguage } from './languages.js';

const loaded = new Map<string, Promise<SandboxRuntime>>();

function runtimeFor(language: string): Promise<SandboxRuntime> | undefined {
  const create = isLanguage(language) ? RUNTIMES[language] : undefined;
  if (create === undefined) return undefined;
  let runtime = loaded.get(language);
  if (runtime === undefined) {
    runtime = create();
    loaded.set(language, runtime);
  }
  return runtime;
}

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

async function run(job: RunMessage): Promise<void> {
  void send({ type: 'started', id: job.id });
  const runtime = runtimeFor(job.language);
  if (runtime === undefined) {
    await send({
      type: 'result',
      id: job.id,
      result: { ok: false, code: 'code_error', message: `unknown language ${job.language}` },
    });
    return;
  }
  try {
    const loaded = await runtime;
    await loaded.prepare?.();
    void send({ type: 'running', id: job.id });
    const result = await loaded.run({
      source: job.source,
      inputJson: job.inputJson,
      timeoutMs: job.timeoutMs,
      memoryBytes: job.memoryBytes,
      maxOutputBytes: job.maxOutputBytes,
      log: (line) => void send({ type: 'log', id: job.id, line }),
    });
    await send({ type: 'result', id: job.id, result });
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await send({
      type: 'result',
      id: job.id,
      result: {
        ok: false,
        code: 'code_crashed',
        message: `the ${job.language} runtime failed: ${why}`,
      },
    });
    process.exit(70);
  }
}

let queue = Promise.resolve();
process.on('message', (message: unknown) => {
  if (!isRunMessage(message)) return;
  queue = queue.then(() => run(message));
});
process.on('disconnect', () => process.exit(0));

// Warm: JavaScript is loaded before the first job arrives.
void runtimeFor('javascript')?.then(
  () => send({ type: 'ready' }),
  () => process.exit(71),
);
