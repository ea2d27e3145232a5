/**
 * @module cli/ask
 * Asks a waiting `human` node's question on the terminal and posts the answer, locally or through
 * a server alike.
 */
import { createInterface } from 'node:readline/promises';
import { WeftError, type RunEvent, type WeftClient } from '@weft/core/client';
import { parseLooseJson } from './io.js';

export async function askOnTerminal(
  client: WeftClient,
  runId: string,
  paths: readonly string[],
): Promise<void> {
  const waiting = new Map<string, RunEvent>();
  for await (const e of client.runs.events(runId, { follow: false })) {
    if (e.type === 'node.waiting' && e.node !== undefined) waiting.set(e.node, e);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    for (const path of paths) {
      const data = (waiting.get(path)?.data ?? {}) as { prompt?: string; schema?: unknown };
      process.stderr.write(`\n? ${data.prompt ?? path}\n`);
      if (data.schema !== undefined)
        process.stderr.write(`  answer schema: ${JSON.stringify(data.schema)}\n`);
      for (;;) {
        const line = await rl.question('  answer (JSON or text)> ');
        try {
          await client.runs.input(runId, path, parseLooseJson(line.trim()));
          break;
        } catch (e) {
          if (!WeftError.is(e) || e.code !== 'invalid_answer') throw e;
          process.stderr.write(`  ${e.message}\n`);
        }
      }
    }
  } finally {
    rl.close();
  }
}
