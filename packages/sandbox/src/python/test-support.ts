import type { RuntimeResult, SandboxRuntime } from '../runtime.js';

/** One job with the default limits; the log lines are collected into `log`. */
export function runPython(
  runtime: SandboxRuntime,
  source: string,
  input: unknown = {},
  limits: { timeoutMs?: number; memoryBytes?: number } = {},
): Promise<RuntimeResult & { log: string[]; elapsedMs: number }> {
  const log: string[] = [];
  const started = performance.now();
  return runtime
    .run({
      source,
      inputJson: JSON.stringify(input),
      timeoutMs: limits.timeoutMs ?? 5000,
      memoryBytes: limits.memoryBytes ?? 64 * 1024 * 1024,
      log: (line) => log.push(line),
    })
    .then((result) => ({ ...result, log, elapsedMs: performance.now() - started }));
}
