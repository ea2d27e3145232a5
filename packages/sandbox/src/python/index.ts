import { createRequire } from 'node:module';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { RuntimeFailureCode, RuntimeResult, SandboxRuntime } from '../runtime.js';
import { PYTHON_HARNESS } from './harness.js';
import {
  pythonWorkerMain,
  type PythonJobMessage,
  type PythonWorkerData,
  type PythonWorkerMessage,
} from './worker-main.js';

/** After the interrupt, how long a job may take to unwind before its thread is terminated. */
const HARD_KILL_GRACE_MS = 500;
const LOG_LIMITS = { lines: 1000, lineChars: 2000, totalChars: 64 * 1024 };
/** The interpreter thread's JavaScript heap; Python's own memory is wasm memory, capped per job. */
const WORKER_HEAP_MB = 256;

const KINDS: Record<string, RuntimeFailureCode> = {
  syntax: 'code_syntax',
  error: 'code_error',
  timeout: 'code_timeout',
  memory: 'code_memory',
  invalid_output: 'code_invalid_output',
};

interface HarnessAnswer {
  ok: boolean;
  output?: string;
  kind?: string;
  message?: string;
  line?: number | null;
  column?: number | null;
}

/**
 * Python (Pyodide, standard library only) for the `code` node. One interpreter lives in a worker
 * thread and serves job after job; a job that runs out of time or memory, or kills the thread,
 * leaves a fresh interpreter behind. Start-up takes seconds, so the runtime is made once.
 */
export async function createPythonRuntime(): Promise<SandboxRuntime> {
  // Code generation from strings is refused in contexts made from now on, the interpreter
  // thread's among them: a Python object that reached JavaScript could not turn a string into code.
  v8.setFlagsFromString('--disallow-code-generation-from-strings');
  const pyodideEntry = createRequire(import.meta.url).resolve('pyodide');
  let current = await PythonInterpreter.start(pyodideEntry);
  let next: Promise<PythonInterpreter> | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const interpreter = async (): Promise<PythonInterpreter> => {
    if (next !== undefined) {
      current = await next;
      next = undefined;
    }
    return current;
  };

  return {
    run(job) {
      const result = queue.then(async (): Promise<RuntimeResult> => {
        let python: PythonInterpreter;
        try {
          python = await interpreter();
        } catch (error) {
          next = PythonInterpreter.start(pyodideEntry);
          next.catch(() => undefined);
          return {
            ok: false,
            code: 'code_error',
            message: `Python could not start: ${String(error)}`,
          };
        }
        const { result, replace } = await python.run(job);
        if (replace) {
          python.stop();
          next = PythonInterpreter.start(pyodideEntry);
          next.catch(() => undefined);
        }
        return result;
      });
      queue = result.catch(() => undefined);
      return result;
    },
    // A job after one that replaced the interpreter waits for the new one; its time starts after.
    async prepare() {
      await queue;
      await interpreter().catch(() => undefined);
    },
  };
}

class PythonInterpreter {
  private listener: ((message: PythonWorkerMessage) => void) | undefined;
  private exitListener: ((reason: string) => void) | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly interrupt: Uint8Array,
  ) {
    worker.on('message', (message: PythonWorkerMessage) => this.listener?.(message));
    worker.on('error', (error) => this.exitListener?.(`it failed: ${error.message}`));
    worker.on('exit', (code) => this.exitListener?.(`it exited with code ${code}`));
  }

  static start(pyodideEntry: string): Promise<PythonInterpreter> {
    const interrupt = new SharedArrayBuffer(1);
    const data: PythonWorkerData = {
      pyodideEntry,
      interrupt,
      harness: PYTHON_HARNESS,
      logLimits: LOG_LIMITS,
    };
    const script = `const { workerData, parentPort } = require('node:worker_threads');
(${pythonWorkerMain.toString()})(workerData).catch((error) =>
  parentPort.postMessage({ kind: 'failed', message: String((error && error.stack) || error) }));`;
    const worker = new Worker(script, {
      eval: true,
      workerData: data,
      env: {},
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    worker.stdout.resume();
    worker.stderr.resume();
    worker.unref();
    const python = new PythonInterpreter(worker, new Uint8Array(interrupt));
    return new Promise((resolve, reject) => {
      python.listener = (message) => {
        if (message.kind === 'ready') resolve(python);
        if (message.kind === 'failed') {
          python.stop();
          reject(new Error(`Python could not start: ${message.message}`));
        }
      };
      python.exitListener = (reason) => reject(new Error(`Python could not start: ${reason}`));
    });
  }

  /** Runs one job; `replace` says the interpreter must not serve another. */
  run(
    job: Parameters<SandboxRuntime['run']>[0],
  ): Promise<{ result: RuntimeResult; replace: boolean }> {
    return new Promise((resolve) => {
      let timedOut = false;
      const finish = (result: RuntimeResult, replace: boolean) => {
        clearTimeout(interruptTimer);
        clearTimeout(killTimer);
        this.listener = undefined;
        this.exitListener = undefined;
        resolve({ result, replace });
      };
      const timeout = (): RuntimeResult => ({
        ok: false,
        code: 'code_timeout',
        message: `the code ran past its time limit of ${job.timeoutMs} ms`,
      });
      const interruptTimer = setTimeout(() => {
        timedOut = true;
        Atomics.store(this.interrupt, 0, 2);
      }, job.timeoutMs);
      const killTimer = setTimeout(
        () => finish(timeout(), true),
        job.timeoutMs + HARD_KILL_GRACE_MS,
      );
      this.exitListener = (reason) =>
        finish(
          { ok: false, code: 'code_error', message: `the Python runtime stopped: ${reason}` },
          true,
        );
      this.listener = (message) => {
        if (message.kind === 'log') job.log(message.line);
        if (message.kind !== 'done') return;
        if (timedOut) return finish(timeout(), true);
        if (message.memoryRefused) return finish(memoryExceeded(job.memoryBytes), true);
        const answer = readAnswer(message.answer);
        finish(toResult(answer, job.memoryBytes), answer.kind === 'memory');
      };
      const message: PythonJobMessage = {
        source: job.source,
        inputJson: job.inputJson,
        memoryBytes: job.memoryBytes,
      };
      this.worker.postMessage(message);
    });
  }

  stop(): void {
    this.listener = undefined;
    this.exitListener = undefined;
    void this.worker.terminate();
  }
}

function memoryExceeded(memoryBytes: number): RuntimeResult {
  const mib = Math.round((memoryBytes / 1024 / 1024) * 10) / 10;
  return {
    ok: false,
    code: 'code_memory',
    message: `the code used more than its ${mib} MiB of memory`,
  };
}

/** The job's own code can tamper with the modules the harness writes its answer with. */
function readAnswer(text: string): HarnessAnswer {
  const unreadable: HarnessAnswer = {
    ok: false,
    kind: 'invalid_output',
    message: 'the return value could not be read as JSON',
  };
  try {
    const answer = JSON.parse(text) as HarnessAnswer;
    if (typeof answer !== 'object' || answer === null) return unreadable;
    if (answer.ok) JSON.parse(String(answer.output));
    return answer;
  } catch {
    return unreadable;
  }
}

function toResult(answer: HarnessAnswer, memoryBytes: number): RuntimeResult {
  if (answer.ok) return { ok: true, outputJson: answer.output! };
  const code = KINDS[answer.kind ?? ''] ?? 'code_error';
  if (code === 'code_memory') return memoryExceeded(memoryBytes);
  const result: RuntimeResult = { ok: false, code, message: answer.message ?? 'the code failed' };
  if (typeof answer.line === 'number') result.line = answer.line;
  if (typeof answer.column === 'number') result.column = answer.column;
  return result;
}
