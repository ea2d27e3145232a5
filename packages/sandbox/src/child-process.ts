/**
 * @module child-process
 * One sandbox child process, seen from the pool. It is started with an environment built from
 * nothing and no descriptors but stderr (kept, bounded, to explain a crash) and its IPC channel. A
 * job that outlives its limit by the grace period is ended by SIGKILL from here: the interpreter's
 * interrupt handler cannot fire inside one long native call.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isChildMessage, type RunMessage, type SandboxResult } from './protocol.js';

/** How long a child may take to load its interpreter before it is given up. */
const START_TIMEOUT_MS = 30_000;
const STDERR_KEEP_CHARS = 2_000;
const NOT_STARTED = 'the sandbox process died before it received the code';

/**
 * Run from its sources (tests), the package still starts its child from the build: a child
 * process cannot load TypeScript.
 */
function childEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts')
    ? join(dirname(here), '..', 'dist', 'child.js')
    : join(dirname(here), 'child.js');
}

/**
 * Node's permission model, as a second wall behind QuickJS: the child may read its own package
 * and the packages it loads (QuickJS's and Pyodide's WebAssembly among them), and may not write
 * files, start processes, or load native addons. It may start threads: Python runs in one.
 */
function permissionFlags(entry: string): string[] {
  const flag = process.allowedNodeEnvironmentFlags.has('--permission')
    ? '--permission'
    : '--experimental-permission';
  const quickjs = createRequire(entry).resolve('quickjs-emscripten');
  const marker = `${sep}node_modules${sep}`;
  const modules = quickjs.slice(0, quickjs.lastIndexOf(marker) + marker.length - 1);
  return [
    flag,
    `--allow-fs-read=${join(dirname(entry), '..')}${sep}*`,
    `--allow-fs-read=${modules}${sep}*`,
    // Python's interpreter lives in a worker thread of the child, so that it can be interrupted.
    '--allow-worker',
    '--disable-warning=ExperimentalWarning',
  ];
}

export interface ChildJob extends Omit<RunMessage, 'type' | 'id'> {
  log: (line: string) => void;
  /** Past this many ms after the job was sent, the child is killed. */
  killAfterMs: number;
}

interface Active {
  id: number;
  job: ChildJob;
  resolve: (result: SandboxResult) => void;
  killedFor?: 'time' | 'abort';
  /** The child said it received the job. */
  started?: true;
  timer?: NodeJS.Timeout;
}

export class SandboxChild {
  private readonly proc: ChildProcess;
  /** True once the child has loaded its interpreter; false if it died or never got there. */
  readonly ready: Promise<boolean>;
  private active: Active | undefined;
  private nextId = 1;
  private stderr = '';
  private exited = false;
  private retired = false;
  /** Aborted while it was still starting. */
  private stopped = false;
  /** Jobs sent so far. */
  runs = 0;

  constructor(private readonly onExit: (child: SandboxChild) => void) {
    const entry = childEntry();
    this.proc = spawn(
      process.execPath,
      [
        ...permissionFlags(entry),
        '--max-old-space-size=256',
        // Room for QuickJS's frames on the native stack, so that its own (smaller) stack bound is
        // met first; well inside the 8 MiB a main thread has.
        '--stack-size=2000',
        '--disallow-code-generation-from-strings',
        entry,
      ],
      {
        env: {},
        cwd: dirname(entry),
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        serialization: 'json',
        windowsHide: true,
      },
    );
    this.proc.stderr?.setEncoding('utf8');
    this.proc.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_KEEP_CHARS);
    });
    this.ready = new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.kill();
        resolve(false);
      }, START_TIMEOUT_MS);
      this.proc.on('message', (message: unknown) => {
        if (!isChildMessage(message)) return;
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(true);
        } else if (message.type === 'started') {
          if (this.active?.id === message.id) this.active.started = true;
        } else if (message.type === 'running') {
          const active = this.active;
          if (active?.id === message.id) {
            clearTimeout(active.timer);
            active.timer = setTimeout(() => {
              active.killedFor = 'time';
              this.kill();
            }, active.job.killAfterMs);
          }
        } else if (message.type === 'log') {
          if (this.active?.id === message.id) this.active.job.log(message.line);
        } else if (this.active?.id === message.id) {
          // A child whose runtime failed in itself exits after answering: no job goes to it.
          if (!message.result.ok && message.result.code === 'code_crashed') this.retire();
          this.finish(message.result);
        }
      });
      this.proc.on('exit', (code, signal) => {
        clearTimeout(timer);
        this.exited = true;
        resolve(false);
        this.finish(this.deathResult(code, signal));
        this.onExit(this);
      });
      this.proc.on('error', () => this.kill());
    });
    this.idle();
  }

  /** Alive and fit for another job. */
  get alive(): boolean {
    return !this.exited && !this.retired;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Runs one job; the child must be idle. */
  async run(job: ChildJob): Promise<SandboxResult> {
    this.busy();
    const started = await this.ready;
    if (this.stopped) return { ok: false, code: 'code_aborted', message: 'the code was stopped' };
    if (!started || this.exited) return this.startFailure();
    const id = this.nextId++;
    this.runs++;
    return new Promise((resolve) => {
      const active: Active = { id, job, resolve };
      this.active = active;
      // Until the child says the code runs, its runtime may still be loading (Python takes
      // seconds): the job's own limit is armed then, and this one bounds the loading.
      active.timer = setTimeout(() => {
        active.killedFor = 'time';
        this.kill();
      }, START_TIMEOUT_MS + job.killAfterMs);
      const message: RunMessage = {
        type: 'run',
        id,
        language: job.language,
        source: job.source,
        inputJson: job.inputJson,
        timeoutMs: job.timeoutMs,
        memoryBytes: job.memoryBytes,
        maxOutputBytes: job.maxOutputBytes,
      };
      this.proc.send(message, (error) => {
        if (error !== null) this.kill();
      });
    });
  }

  startFailure(): SandboxResult {
    return {
      ok: false,
      code: 'code_crashed',
      message: `the sandbox process could not start${this.stderrTail()}`,
    };
  }

  /** Ends the running job as aborted, killing the child that runs it. */
  abort(): void {
    if (this.active !== undefined) this.active.killedFor = 'abort';
    else this.stopped = true;
    this.kill();
  }

  /** Takes the child out of service and ends it. */
  retire(): void {
    this.retired = true;
    this.kill();
  }

  kill(): void {
    if (!this.exited) this.proc.kill('SIGKILL');
  }

  private finish(result: SandboxResult): void {
    const active = this.active;
    if (active === undefined) return;
    this.active = undefined;
    clearTimeout(active.timer);
    if (this.alive) this.idle();
    active.resolve(result);
  }

  private deathResult(code: number | null, signal: NodeJS.Signals | null): SandboxResult {
    const active = this.active;
    if (active?.killedFor === 'time') {
      return {
        ok: false,
        code: 'code_timeout',
        message: `the code ran past its time limit of ${active.job.timeoutMs} ms and its process was killed`,
      };
    }
    if (active?.killedFor === 'abort') {
      return { ok: false, code: 'code_aborted', message: 'the code was stopped' };
    }
    const how = signal === null ? `exit code ${String(code)}` : `signal ${signal}`;
    if (active !== undefined && active.started === undefined) {
      return {
        ok: false,
        code: 'code_crashed',
        message: `${NOT_STARTED} (${how})`,
        unstarted: true,
      };
    }
    return {
      ok: false,
      code: 'code_crashed',
      message: `the sandbox process died (${how})${this.stderrTail()}`,
    };
  }

  private stderrTail(): string {
    const tail = this.stderr.trim().split('\n').slice(-3).join(' | ');
    return tail === '' ? '' : `: ${tail}`;
  }

  /** An idle child does not keep the parent process alive. */
  private idle(): void {
    this.proc.unref();
    this.proc.channel?.unref();
    (this.proc.stderr as { unref?: () => void } | null)?.unref?.();
  }

  private busy(): void {
    this.proc.ref();
    this.proc.channel?.ref();
    (this.proc.stderr as { ref?: () => void } | null)?.ref?.();
  }
}
