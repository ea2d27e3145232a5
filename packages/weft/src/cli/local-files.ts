/**
 * @module cli/local-files
 * `weft run` on a local database resolves `subworkflow` references that are file paths relative
 * to the file of the workflow that names them, publishing each file through the client.
 */
import { dirname, resolve } from 'node:path';
import { WeftError, type WeftClient } from '@weft/core/client';
import { looksLikeFilePath, type WorkflowResolver } from '@weft/engine';
import { readText } from './io.js';
import { formatDiagnostic } from './format.js';
import type { Diagnostic } from '@weft/core';

export class LocalFiles {
  /** Directory of each published workflow id, for resolving its own relative references. */
  readonly #dirs = new Map<string, string>();
  #client: WeftClient | undefined;

  /** The client files are published through (the engine's, which is made after the resolver). */
  attach(client: WeftClient): void {
    this.#client = client;
  }

  /** Remembers where a published workflow's file lives. */
  remember(id: string, file: string): void {
    this.#dirs.set(id, dirname(resolve(file)));
  }

  /** Publishes a file and remembers where it lives. */
  async publish(file: string): Promise<{ id: string; version: number }> {
    const client = this.#client;
    if (client === undefined) throw new Error('LocalFiles used before attach');
    const source = await readText(file);
    try {
      const { id, version } = await client.workflows.publish(source);
      this.remember(id, file);
      return { id, version };
    } catch (e) {
      if (!WeftError.is(e) || e.code !== 'invalid_definition') throw e;
      // The child's problems say which file they are in.
      const details = (Array.isArray(e.details) ? e.details : []) as Diagnostic[];
      throw new WeftError(
        'invalid_definition',
        details.map((d) => formatDiagnostic(file, d)).join('\n'),
        { details },
      );
    }
  }

  readonly resolver: WorkflowResolver = async (ref, parent) => {
    if (!looksLikeFilePath(ref)) return undefined;
    const base = this.#dirs.get(parent.workflowId) ?? process.cwd();
    return this.publish(resolve(base, ref));
  };
}
