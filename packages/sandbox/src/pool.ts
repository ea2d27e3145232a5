/**
 * @module pool
 * A pool of sandbox child processes. Nothing starts until the first job: then the pool starts its
 * children (WEFT_CODE_WORKERS, by default one per core) and keeps them warm; jobs wait in a queue
 * while all are busy. A child that died or was killed is left behind and a new one started when a
 * job needs it; a child is retired after a number of jobs.
 *
 * @example
 * ```ts
 * const pool = new SandboxPool();
 * const r = await pool.run({ language: 'javascript', source: 'return input * 2', inputJson: '21' });
 * // r = { ok: true, outputJson: '42' }
 * ```
 */
import { availableParallelism } from 'node:os';
import { SandboxChild } from './child-process.js';
import {
  DEFAULT_MEMORY_BYTES,
  DEFAULT_TIMEOUT_MS,
  KILL_GRACE_MS,
  MAX_DATA_BYTES,
  RUNS_PER_CHILD,
} from './limits.js';
import type { SandboxResult } from './protocol.js';

export interface SandboxPoolOptions {
  /** Child processes; default WEFT_CODE_WORKERS, else the number of cores. */
  workers?: number;
  /** Jobs a child serves before it is replaced. */
  runsPerChild?: number;
  /** Time past a job's limit before its child is killed from outside. */
  killGraceMs?: number;
}

export interface SandboxJob {
  language: string;
  source: string;
  /** The code's `input`, as JSON text (at most `maxOutputBytes`, the engine's data limit). */
  inputJson: string;
  timeoutMs?: number;
  memoryBytes?: number;
  maxOutputBytes?: number;
  /** Receives each `console.log` line, bounded in number and length. */
  log?: (line: string) => void;
  /** Aborting it stops the job (its child is killed) or takes it off the queue. */
  signal?: AbortSignal;
}

interface Waiting {
  job: SandboxJob;
  /** A child to run on, or the reason there is none. */
  start: (child: SandboxChild | SandboxResult) => void;
}

/** WEFT_CODE_WORKERS, when it is a positive integer; else the number of cores. */
export function workersFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env['WEFT_CODE_WORKERS']);
  return Number.isInteger(n) && n > 0 ? n : availableParallelism();
}

export class SandboxPool {
  private readonly size: number;
  private readonly runsPerChild: number;
  private readonly graceMs: number;
  private readonly children = new Set<SandboxChild>();
  private readonly idle: SandboxChild[] = [];
  private readonly queue: Waiting[] = [];
  private closed = false;

  constructor(options: SandboxPoolOptions = {}) {
    this.size = options.workers ?? workersFromEnv();
    this.runsPerChild = options.runsPerChild ?? RUNS_PER_CHILD;
    this.graceMs = options.killGraceMs ?? KILL_GRACE_MS;
  }

  /** The child processes alive now (started lazily). */
  get pids(): number[] {
    return [...this.children].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
  }

  async run(job: SandboxJob): Promise<SandboxResult> {
    const maxBytes = job.maxOutputBytes ?? MAX_DATA_BYTES;
    if (Buffer.byteLength(job.inputJson) > maxBytes) {
      return {
        ok: false,
        code: 'code_error',
        message: `the input is more than ${maxBytes} bytes of JSON (the limit on a node's data)`,
      };
    }
    // A job whose child died before receiving it never ran: it goes to another child (a child
    // killed from outside while idle must not fail the next job).
    for (let tries = 1; ; tries++) {
      const result = await this.runOnce(job, maxBytes);
      if (result.ok || result.code !== 'code_crashed' || result.unstarted !== true || tries >= 3)
        return result;
    }
  }

  private async runOnce(job: SandboxJob, maxBytes: number): Promise<SandboxResult> {
    if (this.closed) return closedResult();
    if (isAborted(job.signal)) return aborted();
    this.warm();
    const child = await this.acquire(job);
    if (!(child instanceof SandboxChild)) return child;
    // The signal may have fired while the job waited for its child.
    if (isAborted(job.signal)) {
      this.release(child);
      return aborted();
    }
    const onAbort = () => child.abort();
    job.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const timeoutMs = job.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      return await child.run({
        language: job.language,
        source: job.source,
        inputJson: job.inputJson,
        timeoutMs,
        memoryBytes: job.memoryBytes ?? DEFAULT_MEMORY_BYTES,
        maxOutputBytes: maxBytes,
        log: job.log ?? (() => {}),
        killAfterMs: timeoutMs + this.graceMs,
      });
    } finally {
      job.signal?.removeEventListener('abort', onAbort);
      this.release(child);
    }
  }

  /** Kills every child; queued jobs end as aborted. */
  close(): void {
    this.closed = true;
    for (const w of this.queue.splice(0)) w.start(closedResult());
    for (const child of this.children) child.kill();
  }

  /** Starts children up to the pool's size. */
  private warm(): void {
    while (this.children.size < this.size) this.spawn();
  }

  /** A new child, given work once it has loaded its interpreter. */
  private spawn(): void {
    const child = new SandboxChild((c) => this.forget(c));
    this.children.add(child);
    void child.ready.then((ok) => {
      if (ok) {
        if (child.alive) this.hand(child);
        return;
      }
      // A child that cannot start fails the job that has waited longest, rather than leaving it
      // to wait for a child that may never come.
      this.queue.shift()?.start(child.startFailure());
    });
  }

  private acquire(job: SandboxJob): Promise<SandboxChild | SandboxResult> {
    const child = this.idle.pop();
    if (child !== undefined) return Promise.resolve(child);
    return new Promise((resolve) => {
      const waiting: Waiting = {
        job,
        start: (c) => {
          job.signal?.removeEventListener('abort', onAbort);
          resolve(c);
        },
      };
      const onAbort = () => {
        const i = this.queue.indexOf(waiting);
        if (i >= 0) this.queue.splice(i, 1);
        resolve(aborted());
      };
      job.signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiting);
    });
  }

  private release(child: SandboxChild): void {
    if (!child.alive) return;
    if (child.runs >= this.runsPerChild || this.closed) {
      // Its replacement starts now, while the others serve: no job waits for it to load.
      child.retire();
      this.children.delete(child);
      if (!this.closed) this.spawn();
      return;
    }
    this.hand(child);
  }

  /** Gives an idle child to the next waiting job, or keeps it. */
  private hand(child: SandboxChild): void {
    const next = this.queue.shift();
    if (next !== undefined) next.start(child);
    else this.idle.push(child);
  }

  private forget(child: SandboxChild): void {
    this.children.delete(child);
    const i = this.idle.indexOf(child);
    if (i >= 0) this.idle.splice(i, 1);
    // A replacement for whoever waits: the dead child's place is free again.
    if (!this.closed && this.queue.length > 0 && this.children.size < this.size) this.spawn();
  }
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function closedResult(): SandboxResult {
  return { ok: false, code: 'code_aborted', message: 'the sandbox is closed' };
}

function aborted(): SandboxResult {
  return { ok: false, code: 'code_aborted', message: 'the code was stopped before it ran' };
}
