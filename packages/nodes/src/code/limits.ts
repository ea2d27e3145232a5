/**
 * @module code/limits
 * A code node's limits: its own `timeout_ms` and `memory_mb`, else the process's
 * WEFT_CODE_TIMEOUT_MS and WEFT_CODE_MEMORY_MB, else SPEC's defaults (5 s, 64 MiB).
 */
import { DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT_MS } from '@weft/sandbox';
import { WeftError } from '@weft/core/plugin';
import { MAX_MEMORY_MB, MAX_TIMEOUT_MS, type CodeParams } from './params.js';

export interface CodeLimits {
  timeoutMs: number;
  memoryBytes: number;
}

const MIB = 1024 * 1024;

function fromEnv(env: NodeJS.ProcessEnv, name: string, max: number): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new WeftError(
      'invalid_config',
      `${name} must be an integer from 1 to ${max}, got ${text}`,
    );
  }
  return n;
}

/** The limits of one execution; `defaults` are the node type's own (createCodeNode's options). */
export function codeLimits(
  p: Pick<CodeParams, 'timeout_ms' | 'memory_mb'>,
  defaults: { timeoutMs?: number; memoryMb?: number },
  env: NodeJS.ProcessEnv = process.env,
): CodeLimits {
  const timeoutMs =
    p.timeout_ms ??
    defaults.timeoutMs ??
    fromEnv(env, 'WEFT_CODE_TIMEOUT_MS', MAX_TIMEOUT_MS) ??
    DEFAULT_TIMEOUT_MS;
  const memoryMb =
    p.memory_mb ?? defaults.memoryMb ?? fromEnv(env, 'WEFT_CODE_MEMORY_MB', MAX_MEMORY_MB);
  return { timeoutMs, memoryBytes: memoryMb === undefined ? DEFAULT_MEMORY_BYTES : memoryMb * MIB };
}
