/**
 * @module weft
 * Weft: a durable workflow engine for automation and AI graphs.
 *
 * @example
 * ```ts
 * import { Engine, defineNode } from 'weft';
 * const engine = await Engine.open({ db: ':memory:' });
 * const run = await engine.run(definitionText, { input: {} });
 * ```
 */
export * from '@weft/engine';
export { standardNodes } from '@weft/nodes';
export { openSqliteStore } from '@weft/store-sqlite';
