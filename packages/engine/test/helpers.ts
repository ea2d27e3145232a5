/**
 * Test helpers: an engine on a real SQLite store and a `probe` node type, registered through the
 * public plugin API, that records its calls and can be told to fail, hang or take time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { customCode, defineNode, Engine, WeftError, type EngineOptions } from '../src/index.js';

export interface ProbeCall {
  path: string;
  attempt: number;
  key: string;
  value: unknown;
}

export function probeNode(calls: ProbeCall[], live?: { now: number; max: number }) {
  return defineNode({
    type: 'probe',
    description: 'records calls; fails, waits or hangs on request',
    params: z.object({
      value: z.unknown().optional(),
      fail_times: z.number().optional(),
      code: z.string().optional(),
      retryable: z.boolean().optional(),
      delay_ms: z.number().optional(),
      hang: z.boolean().optional(),
    }),
    run: async (ctx, p) => {
      calls.push({ path: ctx.path, attempt: ctx.attempt, key: ctx.idempotencyKey, value: p.value });
      if (live) {
        live.now++;
        live.max = Math.max(live.max, live.now);
      }
      try {
        if (p.hang === true) {
          await new Promise((_, reject) =>
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
          );
        }
        if (p.delay_ms !== undefined) await new Promise((r) => setTimeout(r, p.delay_ms));
        if (p.fail_times !== undefined && ctx.attempt <= p.fail_times) {
          throw new WeftError(
            customCode(p.code ?? 'probe_failed'),
            `attempt ${ctx.attempt} failed`,
            {
              retryable: p.retryable ?? true,
            },
          );
        }
        return p.value ?? { path: ctx.path };
      } finally {
        if (live) live.now--;
      }
    },
  });
}

export function tempDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'weft-test-')), 'weft.db');
}

export async function openEngine(
  options: EngineOptions & { calls?: ProbeCall[]; live?: { now: number; max: number } } = {},
) {
  const calls = options.calls ?? [];
  const engine = await Engine.open({
    db: ':memory:',
    ...options,
    nodes: [probeNode(calls, options.live), ...(options.nodes ?? [])],
  });
  return { engine, calls };
}

/** The event types of a run, in order, optionally only those about `node`. */
export async function eventTypes(engine: Engine, runId: string, node?: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of engine.events(runId, { follow: false })) {
    if (node === undefined || e.node === node) out.push(e.type);
  }
  return out;
}

export const yaml = (strings: TemplateStringsArray, ...values: unknown[]) =>
  String.raw({ raw: strings }, ...values).replace(/^\n/, '');
