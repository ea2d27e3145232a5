/**
 * @module @weft/importers
 * Pure translation between Weft definitions and other formats: astron-agent canvases and Dify
 * workflow DSL files in, CNCF Serverless Workflow 1.0 out. Nothing here reads or writes files.
 *
 * @example
 * ```ts
 * const t = importAstron(canvasText, { id: 'support' });
 * for (const u of t.unsupported) console.error(describeUnsupported(u));
 * process.stdout.write(toYaml(t.document, t.notes));
 * ```
 */
export { importAstron, type ImportOptions } from './astron/import.js';
export { importDify } from './dify/import.js';
export {
  TranslateError,
  describeUnsupported,
  type Note,
  type Translation,
  type Unsupported,
} from './problems.js';
export { toYaml } from './yaml-out.js';
export { exportSw, SW_DSL_VERSION } from './sw/export.js';
