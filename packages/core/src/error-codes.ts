/**
 * @module error-codes
 * Every error code Weft itself raises, with what each face does with it: the HTTP status the API
 * answers, the exit code the CLI ends with (SPEC sections 8 and 9), whether a node failing with it
 * is retried by default, and who must act. The server and the CLI read this table and nothing
 * else; a test fails when the sources use a code it does not declare.
 *
 * Codes that are not answers of the API (node and run failures, start-up problems) have status 500:
 * should one escape a handler, it is a bug, and the client gets a generic 500.
 */
/**
 * Who must act on a failure: the workflow's author, the operator, or us. Defined here rather than in
 * `errors.ts`, which reads this table: the table is the leaf.
 */
export type ErrorLevel = 'user' | 'operational' | 'unexpected';

/** SPEC section 9: 1 failed, 2 invalid definition, input or usage. */
export type ErrorExitCode = 1 | 2;

export interface ErrorCodeSpec {
  status: 400 | 401 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503;
  exit: ErrorExitCode;
  /** Retried under the node's retry policy unless the error says otherwise. */
  retryable: boolean;
  level: ErrorLevel;
}

const request = (status: ErrorCodeSpec['status'], exit: ErrorExitCode = 2): ErrorCodeSpec => ({
  status,
  exit,
  retryable: false,
  level: 'user',
});
/** A failure of the workflow's author to fix: a node's params, an expression, data. */
const authored: ErrorCodeSpec = { status: 500, exit: 1, retryable: false, level: 'user' };
/** Something about the deployment: keys, files, the network, the store. */
const operational = (retryable = false): ErrorCodeSpec => ({
  status: 500,
  exit: 1,
  retryable,
  level: 'operational',
});
const bug: ErrorCodeSpec = { status: 500, exit: 1, retryable: false, level: 'unexpected' };

export const ERROR_CODES = {
  // Answers of the API.
  malformed_json: request(400),
  bad_request: request(400),
  invalid_query: request(400),
  invalid_cursor: request(400),
  unauthorized: request(401, 1),
  not_found: request(404, 1),
  invalid_state: request(409, 1),
  store_conflict: { status: 409, exit: 1, retryable: false, level: 'operational' },
  payload_too_large: request(413),
  unsupported_media_type: request(415),
  invalid_definition: request(422),
  invalid_input: request(422),
  invalid_answer: request(422),
  // A request naming what the run does not have (an unknown node to answer or retry from): the
  // CLI has always exited 1 for it, as for other moves the run's state refuses.
  invalid_request: request(422, 1),
  // A node test asked for a node whose kind only a run can drive (human, wait, subworkflow,
  // foreach, loop): it waits for someone, for time or for other nodes.
  node_not_testable: request(422),
  rate_limited: { status: 429, exit: 1, retryable: true, level: 'operational' },
  unavailable: { status: 503, exit: 1, retryable: true, level: 'operational' },
  internal: bug,

  // Definitions and expressions.
  unknown_node_type: authored,
  dangling_edge: authored,
  invalid_params: authored,
  invalid_items: authored,
  invalid_value: authored,
  invalid_duration: authored,
  invalid_timestamp: authored,
  expression_syntax: authored,
  expression_error: authored,
  expression_depth: authored,
  expression_forbidden: authored,
  expression_timeout: authored,
  // An expression went past a size or work bound (a string, an array, a regex search).
  expression_limit: authored,
  output_error: authored,
  output_too_large: authored,

  // Node attempts and runs.
  node_error: authored,
  timeout: { status: 500, exit: 1, retryable: true, level: 'user' },
  aborted: authored,
  cancelled: authored,
  run_failed: authored,
  run_timeout: authored,
  // A state machine took more eventless (`always`) transitions in a row than its bound.
  always_loop: authored,
  child_failed: authored,
  child_start_failed: authored,
  // A child run past the engine's bounds: a workflow that calls itself, or fans out without end.
  child_depth_exceeded: authored,
  child_runs_exceeded: authored,
  // A node's executions kept dying with the process: a bug in a node type (or in Weft) to fix,
  // and never retried, since running it again is what stops the process.
  process_crashed: bug,
  shutdown: operational(),
  commit_failed: operational(),
  // Many workers: this worker's hold on a run was taken over (its lease lapsed); its writes for
  // the run are refused. An input that met a run another worker kept busy past the wait.
  claim_lost: operational(),
  run_busy: { status: 409, exit: 1, retryable: true, level: 'operational' },
  worker_version_mismatch: operational(),
  unsupported: bug,

  // The http node.
  invalid_url: authored,
  invalid_config: { status: 500, exit: 2, retryable: false, level: 'operational' },
  ssrf_blocked: authored,
  too_many_redirects: authored,
  network_error: operational(true),
  http_status: authored,
  response_parse: authored,
  response_too_large: authored,

  // The code node. A timeout may pass with another try (a busy machine); the rest fail the same
  // way every time. A crashed sandbox process is the operator's to look at (or a bug of ours).
  code_error: authored,
  code_syntax: authored,
  code_timeout: { status: 500, exit: 1, retryable: true, level: 'user' },
  code_memory: authored,
  code_invalid_output: authored,
  code_crashed: operational(),
  // A job stopped by its caller (the node's timeout or a cancel): surfaces as `aborted`.
  code_aborted: authored,

  // A node's own sub-steps (`ctx.step`, `ctx.ask`) named outside the bounds.
  invalid_step: authored,
  // A model call refused because the run's or the node's `limits.tokens` is spent.
  token_budget_exceeded: authored,

  // The tool node (MCP). A server that cannot be reached, started or kept alive may come back; a
  // tool that is missing, refuses its arguments or answers with an error fails the same way again.
  mcp_unavailable: operational(true),
  tool_not_found: authored,
  tool_error: authored,

  // The llm node. A refused key is the operator's to fix and never heals by itself; a model API's
  // other answers are retried as HTTP answers are (408, 429, 5xx); an answer that does not match
  // its json_schema after one repair is the workflow's to fix.
  llm_auth: operational(),
  llm_status: authored,
  invalid_output: authored,
  // The agent node made max_steps model calls without a final answer.
  agent_max_steps: authored,

  // Credentials, keys and the store.
  credential_not_found: authored,
  credential_unreadable: operational(),
  decrypt_failed: operational(),
  secret_key_missing: operational(),
  secret_key_invalid: operational(),
  secret_key_mismatch: operational(),
  store_locked: operational(),
  store_too_new: operational(),
  // The store's file system: full (retry once space is freed), failing (I/O, read-only, gone).
  // 503: the request was fine and may be sent again; nothing acknowledged before was lost.
  storage_full: { status: 503, exit: 1, retryable: true, level: 'operational' },
  storage_error: { status: 503, exit: 1, retryable: true, level: 'operational' },
  // The database file is damaged or is not a database: only a restore helps, so no retry.
  storage_corrupt: { status: 503, exit: 1, retryable: false, level: 'operational' },
  // The file given is another application's SQLite database: Weft refuses to write into it.
  store_not_weft: operational(),

  // Programming errors of a plugin or a caller of the library.
  duplicate_node_type: bug,
  invalid_node_type: bug,
  invalid_argument: bug,
} as const satisfies Record<string, ErrorCodeSpec>;

/** A code Weft raises. Workflows and plugins may raise their own (see {@link WeftError}). */
export type ErrorCode = keyof typeof ERROR_CODES;

const SPECS: Readonly<Record<string, ErrorCodeSpec>> = ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(SPECS, code);
}

/** The table's entry; a code of a workflow or plugin is an author's failure. */
export function errorSpec(code: string): ErrorCodeSpec {
  return SPECS[code] ?? authored;
}
