/**
 * @module expr
 * Weft's expressions: JSONata (the synchronous 1.8 line), sandboxed and bounded, plus
 * `{{ expression }}` templates and JSON values holding them.
 *
 * The sandbox has layers, each closing what the others might miss:
 * - static (./harden.ts): prototype keys, unknown callees, reserved bindings are refused;
 * - runtime hooks (./sandbox.ts): depth and time bounds; only functions jsonata created may be
 *   called; function internals cannot be read; built objects cannot carry jsonata's function marks;
 * - builtins (./builtins.ts): key-reading builtins read own data keys only, `$eval` is gone;
 * - data (./scope.ts): the scope is null-prototype, frozen JSON that cannot impersonate a function.
 */
export type {
  CompiledExpression,
  CompiledTemplate,
  CompiledValue,
  EvalOptions,
  ExpressionOptions,
} from './types.js';
export {
  DEFAULT_MAX_DEPTH,
  DEFAULT_TIMEOUT_MS,
  clearExpressionCache,
  compileExpression,
} from './expression.js';
export { compileTemplate, hasTemplate } from './template.js';
export { compileValue } from './value.js';
export { isScopeValue, toPlainJson, toScopeValue } from './scope.js';
export {
  bareExpression,
  checkJq,
  evaluateJq,
  runtimeExpression,
  type JqOptions,
  type JqSyntaxError,
} from './jq.js';
