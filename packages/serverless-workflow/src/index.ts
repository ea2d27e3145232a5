/**
 * @module @weft/serverless-workflow
 * Serverless Workflow 1.0 (CNCF) documents as a dialect of Weft definitions: recognised by
 * `document.dsl`, validated against the DSL's published JSON Schema, and compiled to a Weft graph
 * that Weft's own validation, compiler and engine take from there (docs/serverless-workflow.md).
 *
 * @example
 * ```ts
 * parseDefinition(text, { registry, dialects: [serverlessWorkflow] });
 * ```
 */
import type { Dialect } from '@weft/core';
import { checkSchema } from './schema.js';
import { translate, versionFinding } from './translate/document.js';
import { isObj } from './translate/types.js';

export { durationMs } from './translate/duration.js';
export { checkSchema } from './schema.js';

/** A document of the DSL: a `document` with its `dsl` version, or an older one's `specVersion`. */
export function isServerlessWorkflow(value: unknown): boolean {
  if (!isObj(value)) return false;
  const document = value['document'];
  return (isObj(document) && 'dsl' in document) || 'specVersion' in value;
}

export const serverlessWorkflow: Dialect = {
  name: 'Serverless Workflow 1.0 (`document.dsl`)',
  recognises: isServerlessWorkflow,
  translate(value) {
    const doc = value as Record<string, unknown>;
    // A document of another version is told so, before the 1.0 schema would list what differs.
    if (versionFinding(doc) !== undefined) return translate(doc, []);
    return translate(doc, checkSchema(doc));
  },
};
