/**
 * @module expr/types
 * The shapes the rest of the core sees of compiled expressions, templates and values.
 */

/** Per-evaluation options. */
export interface EvalOptions {
  /**
   * Epoch ms that `$now()` and `$millis()` return, so that a result depends only on the input
   * (the decision core passes the time of the event it is handling). Default: the real clock,
   * read once per evaluation.
   */
  now?: number;
}

/** Compile-time options: the bounds every evaluation of the result runs under. */
export interface ExpressionOptions {
  /** Wall-clock budget of one evaluation, in ms. Default 100. */
  timeoutMs?: number;
  /** Maximum nesting of the expression's evaluation (recursion counts). Default 200. */
  maxDepth?: number;
}

/** A parsed, checked JSONata expression, ready to be evaluated many times. */
export interface CompiledExpression {
  readonly source: string;
  /**
   * Top-level names the expression reads from the scope root, e.g.
   * `classify.text = 'x' and inputs.a` -> `['classify', 'inputs']`.
   */
  readonly roots: readonly string[];
  /**
   * True when the expression also reads the scope in a way no name can describe (`$$`, `*` or
   * `**` at the root, `$keys($)`...): such an expression depends on every entry.
   */
  readonly readsWholeScope: boolean;
  /**
   * Evaluates against `scope`, read as the input document. Returns JSONata's raw result
   * (sequences, shared scope objects): pass it through {@link toPlainJson} before it leaves the core.
   * @throws WeftError `expression_error`, `expression_timeout`, `expression_depth`, `expression_forbidden`
   */
  evaluate(scope: Readonly<Record<string, unknown>>, options?: EvalOptions): unknown;
}

/** A string with `{{ expression }}` parts. */
export interface CompiledTemplate {
  readonly source: string;
  /** True when the text has no `{{`: `evaluate` returns it unchanged. */
  readonly isStatic: boolean;
  readonly roots: readonly string[];
  readonly readsWholeScope: boolean;
  /**
   * A text that is exactly one `{{ }}` part returns that expression's raw value; otherwise the
   * rendered string.
   */
  evaluate(scope: Readonly<Record<string, unknown>>, options?: EvalOptions): unknown;
}

/** Any JSON value whose strings may hold templates. */
export interface CompiledValue {
  readonly isStatic: boolean;
  readonly roots: readonly string[];
  readonly readsWholeScope?: boolean;
  /** A rendered copy; parts without templates are shared, not copied. */
  evaluate(scope: Readonly<Record<string, unknown>>, options?: EvalOptions): unknown;
}
