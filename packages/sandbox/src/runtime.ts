/**
 * @module runtime
 * What one language's interpreter offers the sandbox child: run one job, answer with the output's
 * JSON text or a named failure. The child process holds one runtime per language it has been asked
 * for, and calls it one job at a time.
 */
export type RuntimeFailureCode =
  'code_error' | 'code_timeout' | 'code_memory' | 'code_invalid_output' | 'code_syntax';

export type RuntimeResult =
  | { ok: true; outputJson: string }
  | {
      ok: false;
      code: RuntimeFailureCode;
      message: string;
      line?: number;
      column?: number;
      /** The output was larger than the job's `maxOutputBytes` (a `code_invalid_output`). */
      tooLarge?: true;
    };

/** One language's interpreter, living inside a sandbox child process; called one job at a time. */
export interface SandboxRuntime {
  run(job: {
    source: string;
    inputJson: string;
    timeoutMs: number;
    memoryBytes: number;
    log: (line: string) => void;
    /** Outputs past this many bytes of JSON are refused before they are copied out. */
    maxOutputBytes?: number;
  }): Promise<RuntimeResult>;
  /**
   * Resolves when the next job can start at once (an interpreter that loads in seconds, or is
   * being replaced): the job's time limit is counted from then.
   */
  prepare?(): Promise<void>;
}

/** The job a runtime is given. */
export type RuntimeJob = Parameters<SandboxRuntime['run']>[0];
