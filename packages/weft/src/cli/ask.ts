/**
 * @module cli/ask
 * Asks a waiting `human` node's question on the terminal and posts the answer.
 */
import { createInterface } from 'node:readline/promises';
import { WeftError, type NodeWaitingData } from '@weft/core';
import type { Engine } from '@weft/engine';
import { parseLooseJson } from './io.js';

export async function askOnTerminal(
  engine: Engine,
  runId: string,
  paths: readonly string[],
): Promise<void> {
  const waiting = new Map<string, NodeWaitingData>();
  for await (const e of engine.events(runId, { follow: false })) {
    if (e.type === 'node.waiting') waiting.set(e.node, e.data);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    for (const path of paths) {
      const data = waiting.get(path);
      const prompt = data !== undefined && 'prompt' in data ? data.prompt : undefined;
      process.stderr.write(`\n? ${typeof prompt === 'string' ? prompt : path}\n`);
      if (data !== undefined && 'schema' in data && data.schema !== undefined)
        process.stderr.write(`  answer schema: ${JSON.stringify(data.schema)}\n`);
      for (;;) {
        const line = await rl.question('  answer (JSON or text)> ');
        try {
          await engine.input(runId, path, parseLooseJson(line.trim()));
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
