/**
 * @module cli/local-files
 * `weft run` resolves `subworkflow` references that are file paths relative to the file of the
 * workflow that names them, publishing each file to the local store.
 */
import { dirname, resolve } from 'node:path';
import type { Engine, WorkflowResolver } from '@weft/engine';
import { readText } from './io.js';
import { formatDiagnostic } from './format.js';
import { WeftError } from '@weft/core';

const looksLikeFile = (ref: string) => /\.(ya?ml|json)$/i.test(ref) || ref.includes('/');

export class LocalFiles {
  /** Directory of each published workflow id, for resolving its own relative references. */
  readonly #dirs = new Map<string, string>();
  #engine: Engine | undefined;

  attach(engine: Engine): void {
    this.#engine = engine;
  }

  /** Publishes a file and remembers where it lives. */
  async publish(file: string, text?: string): Promise<{ id: string; version: number }> {
    const engine = this.#engine;
    if (engine === undefined) throw new Error('LocalFiles used before attach');
    const source = text ?? (await readText(file));
    const parsed = engine.validate(source);
    if (!parsed.ok) {
      throw new WeftError(
        'invalid_definition',
        parsed.diagnostics.map((d) => formatDiagnostic(file, d)).join('\n'),
        { details: parsed.diagnostics },
      );
    }
    const { id, version } = await engine.publish(source);
    this.#dirs.set(id, dirname(resolve(file)));
    return { id, version };
  }

  readonly resolver: WorkflowResolver = async (ref, parent) => {
    if (!looksLikeFile(ref)) return undefined;
    const base = this.#dirs.get(parent.workflowId) ?? process.cwd();
    return this.publish(resolve(base, ref));
  };
}
