export type RuntimeFailureCode =
  'code_error' | 'code_timeout' | 'code_memory' | 'code_invalid_output' | 'code_syntax';
export type RuntimeResult =
  | { ok: true; outputJson: string }
  | { ok: false; code: RuntimeFailureCode; message: string; line?: number; column?: number };
/** One language's interpreter, living inside a sandbox child process; called one job at a time. */
export interface SandboxRuntime {
  run(job: {
    source: string;
    inputJson: string;
    timeoutMs: number;
    memoryBytes: number;
    log: (line: string) => void;
  }): Promise<RuntimeResult>;
}
