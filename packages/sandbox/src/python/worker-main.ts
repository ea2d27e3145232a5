import type * as NodeModule from 'node:module';
import type * as NodePath from 'node:path';
import type * as WorkerThreads from 'node:worker_threads';
import type * as Pyodide from 'pyodide';

/** What the interpreter thread is started with. */
export interface PythonWorkerData {
  /** The CommonJS entry of the pyodide package; its folder holds the interpreter and stdlib. */
  pyodideEntry: string;
  /** One byte the parent thread sets to 2 (SIGINT) when a job runs past its time. */
  interrupt: SharedArrayBuffer;
  harness: string;
  logLimits: { lines: number; lineChars: number; totalChars: number };
}

/** Parent thread → interpreter thread. */
export interface PythonJobMessage {
  source: string;
  inputJson: string;
  memoryBytes: number;
}

/** Interpreter thread → parent thread. */
export type PythonWorkerMessage =
  | { kind: 'ready'; startMs: number }
  | { kind: 'failed'; message: string }
  | { kind: 'log'; line: string }
  | { kind: 'done'; answer: string; memoryRefused: boolean };

/**
 * The body of the interpreter thread. It is started from its source text (`toString()`), so it
 * refers to nothing outside itself and loads what it needs with `require`.
 *
 * Before Pyodide loads, it makes the thread's JavaScript harmless to whatever Python might reach:
 * code generation from strings must already be off (the parent sets the V8 flag), the functions of
 * `child_process` throw (Emscripten's `system()` would otherwise spawn a real shell), and the wasm
 * memory may not grow past the job's limit. After Pyodide loads, Python's `js` module is an empty
 * object, the bridge modules are unregistered, and the file system and network modules throw.
 */
export async function pythonWorkerMain(data: PythonWorkerData): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports -- this function runs as a CommonJS worker script */
  const { parentPort } = require('node:worker_threads') as typeof WorkerThreads;
  const nodeModule = require('node:module') as typeof NodeModule;
  const blocked = (name: string) => () => {
    throw new Error(`${name} is not available to sandboxed code`);
  };
  const neuter = (name: string) => {
    const exports = require(name) as Record<string, unknown>;
    for (const key of Object.keys(exports)) {
      if (typeof exports[key] === 'function') exports[key] = blocked(`${name}.${key}`);
    }
  };
  const post = (message: PythonWorkerMessage) => parentPort!.postMessage(message);

  let codeGenerationAllowed = true;
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    new Function('');
  } catch {
    codeGenerationAllowed = false;
  }
  if (codeGenerationAllowed) {
    post({ kind: 'failed', message: 'code generation from strings is allowed in this thread' });
    return;
  }
  neuter('node:child_process');
  nodeModule.syncBuiltinESMExports();

  let memoryCap = Infinity;
  let memoryRefused = false;
  // Emscripten grows the heap through Memory.prototype.grow; a refusal makes malloc fail, which
  // Python answers with MemoryError. (The project's TypeScript lib has no WebAssembly types.)
  interface WasmMemory {
    buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  const memoryPrototype = (
    globalThis as unknown as { WebAssembly: { Memory: { prototype: WasmMemory } } }
  ).WebAssembly.Memory.prototype;
  const grow: (this: WasmMemory, pages: number) => number = Reflect.get(memoryPrototype, 'grow');
  memoryPrototype.grow = function (this: WasmMemory, pages: number) {
    if (this.buffer.byteLength + pages * 65536 > memoryCap) {
      memoryRefused = true;
      throw new RangeError('the memory limit of the code node is reached');
    }
    return grow.call(this, pages);
  };

  const { lines: maxLines, lineChars, totalChars } = data.logLimits;
  let logLines = 0;
  let logChars = 0;
  const log = (line: string) => {
    if (logLines > maxLines || logChars > totalChars) return;
    logLines += 1;
    logChars += line.length;
    if (logLines > maxLines || logChars > totalChars) {
      post({ kind: 'log', line: '[log truncated: the code printed more than its limit]' });
      return;
    }
    post({ kind: 'log', line: line.length > lineChars ? `${line.slice(0, lineChars)}…` : line });
  };

  // Under Node's permission model (the sandbox child's) `process.binding` throws, and Pyodide's
  // NODEFS reads the file-system flag constants from it while loading: hand it those alone.
  const fsConstants = (require('node:fs') as { constants: Record<string, number> }).constants;
  Object.defineProperty(process, 'binding', {
    configurable: true,
    value: (name: string) => {
      if (name === 'constants') return { fs: fsConstants };
      throw new Error(`process.binding('${name}') is not available to sandboxed code`);
    },
  });

  const started = performance.now();
  const pyodideModule = require(data.pyodideEntry) as typeof Pyodide;
  const path = require('node:path') as typeof NodePath;
  const pyodide = await pyodideModule.loadPyodide({
    indexURL: path.dirname(data.pyodideEntry) + path.sep,
    jsglobals: Object.create(null),
    env: { HOME: '/home/pyodide' },
    packages: [],
    stdout: log,
    stderr: log,
  });
  pyodide.unregisterJsModule('js');
  pyodide.unregisterJsModule('pyodide_js');
  pyodide.setInterruptBuffer(new Uint8Array(data.interrupt));
  const interrupt = new Uint8Array(data.interrupt);

  // The harness runs through Python's own exec rather than runPython, whose machinery it removes.
  const builtins = pyodide.pyimport('builtins');
  const namespace = builtins.dict();
  builtins.exec(data.harness, namespace);
  const runJob = namespace.get('weft_run') as (source: string, inputJson: string) => string;
  builtins.destroy();

  const hostModules = ['node:fs', 'node:fs/promises', 'node:net', 'node:tls', 'node:http'];
  hostModules.push('node:https', 'node:http2', 'node:dgram', 'node:dns', 'node:vm');
  // All are loaded before any is changed: some build their classes on another's.
  for (const name of hostModules) require(name);
  for (const name of hostModules) neuter(name);
  nodeModule.syncBuiltinESMExports();
  delete (globalThis as { require?: unknown }).require;

  const heap = (pyodide as unknown as { _module: { HEAPU8: Uint8Array } })._module;
  const baselineBytes = heap.HEAPU8.buffer.byteLength;
  parentPort!.on('message', (job: PythonJobMessage) => {
    memoryCap = Math.max(baselineBytes + job.memoryBytes, 0);
    memoryRefused = false;
    logLines = 0;
    logChars = 0;
    Atomics.store(interrupt, 0, 0);
    const answer = runJob(job.source, job.inputJson);
    memoryCap = Infinity;
    post({ kind: 'done', answer, memoryRefused });
  });
  post({ kind: 'ready', startMs: performance.now() - started });
  /* eslint-enable @typescript-eslint/no-require-imports */
}
