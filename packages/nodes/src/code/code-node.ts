/**
 * @module code/code-node
 * The `code` node type: the user's `source` runs on `input` in the sandbox pool (@weft/sandbox),
 * apart from the engine, and what it returns is the node's output. The pool starts with the first
 * code node that runs, so workflows without one pay nothing for it.
 *
 * @example
 * ```ts
 * registry.register(codeNode); // a shared pool of WEFT_CODE_WORKERS processes
 * registry.register(createCodeNode({ pool: new SandboxPool({ workers: 2 }), timeoutMs: 1000 }));
 * ```
 */
import { defineNode, WeftError, type NodeContext } from '@weft/core/plugin';
import { SandboxPool, type SandboxResult } from '@weft/sandbox';
import { codeLimits } from './limits.js';
import { codeParams } from './params.js';

export interface CodeNodeOptions {
  /** The pool to run in; by default one shared pool, started with the first code node. */
  pool?: SandboxPool;
  /** Defaults for nodes that set no `timeout_ms` / `memory_mb` (before the environment's). */
  timeoutMs?: number;
  memoryMb?: number;
}

let shared: SandboxPool | undefined;

/** The process's shared pool, started on first use. */
export function sharedSandboxPool(): SandboxPool {
  return (shared ??= new SandboxPool());
}

export function createCodeNode(options: CodeNodeOptions = {}) {
  return defineNode({
    type: 'code',
    description:
      'Runs JavaScript `source` (the body of a function of `input`) in a sandbox with memory and time limits; outputs what it returns.',
    params: codeParams,
    raw: ['source'],
    run: async (ctx, p) => {
      const limits = codeLimits(p, options);
      const pool = options.pool ?? sharedSandboxPool();
      const result = await pool.run({
        language: p.language,
        source: p.source,
        inputJson: JSON.stringify(p.input ?? null),
        ...limits,
        log: (line) => ctx.log.info({ line }, 'code console'),
        signal: ctx.signal,
      });
      if (result.ok) return JSON.parse(result.outputJson) as unknown;
      throw failure(result, ctx, p.language);
    },
  });
}

/** The `code` node type on the shared pool, with limits from the environment. */
export const codeNode = createCodeNode();

function failure(
  result: Exclude<SandboxResult, { ok: true }>,
  ctx: NodeContext,
  language: string,
): WeftError {
  const details = {
    language,
    ...(result.line === undefined ? {} : { line: result.line }),
    ...(result.column === undefined ? {} : { column: result.column }),
  };
  if (result.code === 'code_aborted' || (ctx.signal.aborted && result.code !== 'code_timeout')) {
    const reason: unknown = ctx.signal.reason;
    // The engine's own reason (the attempt's timeout, a cancel) says it best.
    if (WeftError.is(reason)) return reason;
    const why = reason instanceof Error && reason.message !== '' ? `: ${reason.message}` : '';
    return new WeftError('aborted', `the code was stopped${why}`, {
      retryable: true,
      cause: reason,
    });
  }
  if (result.code === 'code_invalid_output' && result.tooLarge === true) {
    return new WeftError('output_too_large', result.message, { details });
  }
  return new WeftError(result.code, result.message, { details });
}
