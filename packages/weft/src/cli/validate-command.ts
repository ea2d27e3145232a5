/**
 * @module cli/validate-command
 * `weft validate FILE...`: every problem as `file:line:column: path: message`; exit 2 if any. The
 * same validation as `weft run` and the API (`validateWorkflow`), without opening a database.
 */
import { NodeRegistry } from '@weft/core';
import { validateWorkflow } from '@weft/engine';
import { standardNodes } from '@weft/nodes';
import { EXIT } from './exit-codes.js';
import { formatDiagnostic } from './format.js';
import { readText } from './io.js';

export async function validateCommand(files: readonly string[]): Promise<number> {
  const registry = new NodeRegistry(standardNodes);
  let bad = 0;
  for (const file of files) {
    let text: string;
    try {
      text = await readText(file);
    } catch (e) {
      process.stdout.write(`${file}: ${(e as Error).message}\n`);
      bad++;
      continue;
    }
    const result = validateWorkflow(text, { registry });
    for (const d of result.diagnostics) process.stdout.write(`${formatDiagnostic(file, d)}\n`);
    if (!result.ok) bad++;
    else process.stderr.write(`${file}: ok\n`);
  }
  return bad > 0 ? EXIT.invalid : EXIT.ok;
}
