/**
 * @module nodes/types
 * The plugin API: a node type is a plain object with a parameter schema, its ports and a `run`
 * function. Built-in types register through the same API as users' types; only the control types
 * that the decider drives itself (foreach, loop, wait, human, subworkflow) are core's own.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * export const greet = defineNode({
 *   type: 'greet',
 *   description: 'Says hello.',
 *   params: z.object({ name: z.string() }),
 *   run: (ctx, p) => ({ text: `hello ${p.name}` }),
 * });
 * ```
 */
import type { z } from 'zod';
import type { Credential } from '../credential-types.js';
import type { Logger } from '../ports/logger.js';

export interface NodeType<P = any> {
  type: string;
  /** One line for docs and `weft help`. */
  description: string;
  /** Schema of the rendered parameters (`with`). Template strings are allowed anywhere statically. */
  params: z.ZodType<P>;
  /**
   * Parameter paths holding bare expressions (e.g. `condition`, `cases.*.when`): they are checked at
   * validation and evaluated against the run's scope before `run` is called, which receives values.
   */
  expressions?: readonly string[];
  /**
   * Parameter paths that are kept verbatim: neither rendered nor evaluated (e.g. a code body).
   */
  raw?: readonly string[];
  /** Ports besides `out` (and `error` for on_error: branch), given the raw parameters. */
  ports?: readonly string[] | ((params: Record<string, unknown>) => readonly string[]);
  /** What the graph makes of this type's nodes, read when a workflow is compiled. */
  flags?: NodeFlags;
  /** Executes one attempt. Returns the node's output, or `route(port, output)` to pick a port. */
  run?: (ctx: NodeContext, params: P) => unknown;
}

export interface NodeFlags {
  /** The node's output is its graph's output (as `end`/`output`): see SPEC section 2. */
  setsOutput?: true;
  /**
   * Its `ctx.emit.message` texts and `ctx.emit.progress` events reach the client in graph order:
   * after those of the nodes before it that set this flag too (as `message` and `llm`). Other
   * nodes' messages and progress go out as they come.
   */
  ordersMessages?: true;
  /**
   * Its executions call models through `ctx.tokens` (as `llm` and `agent`): its nodes may have a
   * `budget`, which `ctx.tokens.allowance()` and `ctx.tokens.spend()` count against.
   */
  spendsTokens?: true;
}

/** Defines a node type with its parameter types inferred from the schema. */
export function defineNode<S extends z.ZodType>(
  def: Omit<NodeType<z.infer<S>>, 'params'> & { params: S },
): NodeType<z.infer<S>> {
  return def as NodeType<z.infer<S>>;
}

export interface NodeEmit {
  /** Progress for live viewers (e.g. an LLM's token chunks): a `node.progress` event. */
  progress(data: unknown): void;
  /** A `message` event for the client, in graph order. */
  message(text: string): void;
}

export interface NodeContext {
  runId: string;
  workflowId: string;
  /** The node's id in its definition. */
  nodeId: string;
  /** The node's path in the run: `id`, or e.g. `each[2].inner` inside a foreach body. */
  path: string;
  /** 1 for the first execution; counts retries and re-executions after a crash. */
  attempt: number;
  /** `<run id>:<node path>`: the same across retries and re-executions. */
  idempotencyKey: string;
  /** Fires on timeout and on cancel. */
  signal: AbortSignal;
  emit: NodeEmit;
  log: Logger;
  /** Resolves a named credential at call time. */
  credentials: CredentialResolver;
  /** Host services (subworkflow loading, memory, knowledge...). */
  services: Readonly<Record<string, unknown>>;
  /**
   * Runs `fn` as a durable sub-step: its result (JSON, bounded as an output is) is committed to the
   * run's log before the promise resolves. An execution of the same node that runs again (after a
   * crash, a retry of the node, or an answer to {@link NodeContext.ask}) gets the recorded result
   * of the step at the same position with the same name back without calling `fn`. Store only the
   * step's own new data (e.g. a model call's new messages, not the whole conversation).
   */
  step<T>(name: string, fn: () => T | Promise<T>): Promise<T>;
  /**
   * Asks for an answer posted to the run (as a `human` node does): the first time, the node parks
   * `waiting` (its `node.waiting` event carries `prompt` and `schema`) and this execution ends; the
   * answer, once posted, is recorded as a sub-step and the node runs again, replaying its recorded
   * steps, so that this call returns the answer. Nothing recorded before runs again.
   */
  ask(name: string, request: AskRequest): Promise<unknown>;
  /** The run's and the node's model-token budgets (`limits.tokens`), for `llm`-like nodes. */
  tokens: TokenBudget;
  /**
   * The allow-list of internal hosts (`WEFT_HTTP_ALLOW`) in effect when the run was created, kept
   * with the run; outbound nodes allow these besides their process's own.
   */
  hostAllow?: readonly string[];
}

export interface TokenBudget {
  /**
   * Tokens left under the run's and the node's `limits.tokens` (as they stood when the execution
   * began, less what it spent since); undefined when neither is set.
   */
  left(): number | undefined;
  /**
   * Before each model call: the most tokens it may spend, the smaller of {@link TokenBudget.left}
   * and what the node's `budget` (shared by every run and worker on the store, per period) has left
   * now; undefined when none of them is set.
   * @throws WeftError `token_budget_exceeded` (not retryable) when the node's `budget` is spent for
   *   the current period, with details `{ bucket, tokens, per, spent, resets_at }`.
   */
  allowance(): Promise<number | undefined>;
  /**
   * Counts what a model call spent (prompt and completion tokens) against every budget: the
   * node's `budget` in the store, which the next {@link TokenBudget.allowance} waits for.
   */
  spend(tokens: number): void;
}

export interface AskRequest {
  /** What the person answering is shown. */
  prompt: unknown;
  /** JSON Schema the answer must match; the input API refuses an answer that does not. */
  schema?: Record<string, unknown>;
}

export interface CredentialResolver {
  get(name: string): Promise<Credential>;
}

const ROUTED = Symbol.for('weft.routed');

export interface Routed {
  readonly [ROUTED]: true;
  readonly port: string;
  readonly output: unknown;
}

/** A node result that takes only the edges of `port`. */
export function route(port: string, output: unknown): Routed {
  return { [ROUTED]: true, port, output };
}

export function isRouted(value: unknown): value is Routed {
  return typeof value === 'object' && value !== null && ROUTED in value;
}
