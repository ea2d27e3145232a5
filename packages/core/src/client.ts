/**
 * @module client
 * `WeftClient`: what a tenant can do with Weft, as one interface every face (CLI, server, console,
 * SDK) is written against. It has an in-process implementation (`engine.client(tenant)` in
 * `@weft/engine`) and an HTTP one (`httpClient` in `@weft/client`); both answer with the API's
 * shapes (SPEC section 8) and throw {@link WeftError} with the same codes (`not_found`,
 * `invalid_state`, `invalid_input` ...). Another tenant's workflows and runs are `not_found`.
 *
 * Types only: no I/O, so that an HTTP client can import it without the rest of the core.
 *
 * @example
 * ```ts
 * const client: WeftClient = engine.client('acme'); // or httpClient({ url, key })
 * const { id } = await client.runs.start('triage', { input: { text: 'hi' } });
 * for await (const e of client.runs.events(id)) console.log(e.seq, e.type);
 * ```
 */
import type { Credential, CredentialType } from './credential-types.js';
import type { Diagnostic } from './dsl/diagnostic.js';
import type { ErrorInfo } from './errors.js';
import type { NodeStatus, RunEvent, RunStatus, TerminalRunStatus } from './ports/store.js';

export { WeftError, customCode, type ErrorInfo } from './errors.js';
export { errorSpec, isErrorCode, type ErrorCode } from './error-codes.js';
export type { CredentialType };
export type { Diagnostic, NodeStatus, RunEvent, RunStatus, TerminalRunStatus };
export { RUN_STATUSES, TERMINAL_RUN_STATUSES } from './ports/store.js';

// ---- shapes (SPEC section 8) -----------------------------------------------------------------

/** A node of the run object. */
export interface NodeView {
  status: NodeStatus;
  attempts: number;
  output?: unknown;
  error?: ErrorInfo;
  started_at?: string;
  finished_at?: string;
  /** A `subworkflow` node's child run, once asked for. */
  child_run_id?: string;
}

/** The run object: `GET /v1/runs/{id}`, the CLI's `--json`, and the library's answers. */
export interface RunView {
  id: string;
  workflow: string;
  version: number;
  status: RunStatus;
  input: unknown;
  output: unknown;
  error: ErrorInfo | null;
  nodes: Record<string, NodeView>;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  parent_run_id?: string;
  /** State-machine runs: the state it is in, its path from the top (`shipping.packed`). */
  state?: string;
  /** State-machine runs: the machine's context. */
  context?: Record<string, unknown>;
  /** State-machine runs: the event types it accepts now (none once finished). */
  accepts?: string[];
}

/** A run in a list: the run object without its nodes. */
export type RunSummary = Omit<RunView, 'nodes'>;

/** A run read cheaply, with the seq of its last event: follow its events from there. */
export interface RunHead {
  run: RunSummary;
  seq: number;
}

export interface RunPage {
  runs: RunSummary[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  cursor?: string;
}

export interface StartedRun {
  id: string;
  status: RunStatus;
  /** `singleton:` — nothing started: `id` is the unfinished run that holds the key. */
  skipped?: true;
  /** `singleton: { mode: cancel }` — the run of the key that this start cancelled. */
  replaced?: string;
  /**
   * `debounce:` — the run is made at `due_at` (later starts of its key may push that back);
   * `joined` when an earlier start announced it. Until then the run is not found.
   */
  debounced?: { due_at: string; joined: boolean };
}

export interface WaitResult {
  run: RunView;
  /** False when the bound (`timeoutMs`, `signal`) cut the wait short: `run` is as it was then. */
  settled: boolean;
}

export interface EventPage {
  events: RunEvent[];
  has_more: boolean;
}

export interface Published {
  id: string;
  version: number;
  /** False when the same content was already the latest version. */
  created: boolean;
}

export interface Validation {
  ok: boolean;
  diagnostics: Diagnostic[];
}

/** A workflow in the tenant's list. */
export interface WorkflowItem {
  id: string;
  name?: string;
  latest_version: number;
  created_at: string;
  updated_at: string;
}

/** One stored version of a workflow. */
export interface WorkflowVersionView {
  id: string;
  version: number;
  name?: string;
  /** The normalised definition (edges form). */
  definition: Record<string, unknown>;
  /** The text it was published from (YAML or JSON). */
  source: string;
  hash: string;
  created_at: string;
}

/** A credential's value as written (SPEC section 8), by the one registry: never read back. */
export type CredentialInput = Credential;

/** A credential as listed: name, type and times, never its value. */
export interface CredentialView {
  name: string;
  type: CredentialType;
  created_at: string;
  updated_at: string;
}

// ---- options ---------------------------------------------------------------------------------

export interface DefinitionOptions {
  /** How `source` text is written. @default JSON when it starts with `{`, else YAML */
  format?: 'yaml' | 'json';
}

export interface StartRunOptions {
  input?: unknown;
  /** @default the latest version */
  version?: number;
  priority?: number;
  /** A second start with the same key answers with the first run. */
  idempotencyKey?: string;
}

export interface WaitOptions {
  /** Give up after this many ms (`settled: false`). @default no bound */
  timeoutMs?: number;
  /** Stops waiting at once when aborted, answering the run as it is (`settled: false`). */
  signal?: AbortSignal;
}

export interface ListRunsOptions {
  workflow?: string;
  status?: RunStatus;
  /** Page size, 1 to 1000. @default 50 */
  limit?: number;
  cursor?: string;
}

export interface PruneOptions {
  /** Runs that finished more than this many ms ago (0: every finished run). */
  olderThanMs: number;
  /** Only runs that ended so. @default every way a run ends */
  status?: TerminalRunStatus;
  /** Only runs of this workflow. */
  workflow?: string;
}

export interface Pruned {
  /** Runs deleted, child runs included. */
  deleted: number;
}

export interface EventsOptions {
  /** Only events with a greater seq (resume after the last one seen). @default 0 */
  after?: number;
  /** Go on with live events until the terminal one; false ends at the stored end. @default true */
  follow?: boolean;
  /** Ends the iteration (quietly) when aborted. */
  signal?: AbortSignal;
}

// ---- the interface ---------------------------------------------------------------------------

export interface WorkflowsApi {
  /** Parses and checks a definition without storing it. */
  validate(source: string | object, options?: DefinitionOptions): Promise<Validation>;
  /**
   * A new version, or the latest one when its content is the same.
   * @throws WeftError `invalid_definition` (details: diagnostics), `malformed_json`
   */
  publish(source: string | object, options?: DefinitionOptions): Promise<Published>;
  list(): Promise<WorkflowItem[]>;
  /** The latest version. @throws WeftError `not_found` */
  get(id: string): Promise<WorkflowVersionView>;
  /** @throws WeftError `not_found` */
  getVersion(id: string, version: number): Promise<WorkflowVersionView>;
  /** Every version; runs are kept. @throws WeftError `not_found` */
  delete(id: string): Promise<void>;
}

export interface RunsApi {
  /** Starts a run of a stored workflow. @throws WeftError `not_found`, `invalid_input` */
  start(workflow: string, options?: StartRunOptions): Promise<StartedRun>;
  /** Starts a run and waits for it (see {@link RunsApi.wait}). */
  run(workflow: string, options?: StartRunOptions & WaitOptions): Promise<WaitResult>;
  /** Waits until the run ends or waits for someone (paused, a human answer). */
  wait(runId: string, options?: WaitOptions): Promise<WaitResult>;
  /** The run with every node. @throws WeftError `not_found` */
  get(runId: string): Promise<RunView>;
  /** The run without nodes, and the seq of its last event. @throws WeftError `not_found` */
  head(runId: string): Promise<RunHead>;
  /** Newest first, a page at a time. @throws WeftError `invalid_cursor` */
  list(options?: ListRunsOptions): Promise<RunPage>;
  /** Stored events after `after`, at most `limit` (default 1000). */
  eventPage(runId: string, options?: { after?: number; limit?: number }): Promise<EventPage>;
  /** Stored events, then live ones: no gaps, no duplicates, resumable with `after`. */
  events(runId: string, options?: EventsOptions): AsyncIterable<RunEvent>;
  /** The run after the move. @throws WeftError `invalid_state` when the move does not apply */
  pause(runId: string): Promise<RunView>;
  resume(runId: string): Promise<RunView>;
  cancel(runId: string, options?: { reason?: string }): Promise<RunView>;
  /** Retries a failed or cancelled run, or re-runs from a top-level node on (`from`). */
  retry(runId: string, options?: { from?: string }): Promise<RunView>;
  /** Answers a waiting human node. @throws WeftError `invalid_answer`, `invalid_request` */
  input(runId: string, node: string, value: unknown): Promise<RunView>;
  /** Paths of the run's human nodes that wait for an answer. */
  waitingForAnswer(runId: string): Promise<string[]>;
  /** Sends an event to a state-machine run. @throws WeftError `invalid_state` for other runs */
  send(runId: string, event: { type: string; data?: unknown }): Promise<RunView>;
  /**
   * Deletes a finished run and everything stored for it (its child runs too); its disk is given
   * back. @throws WeftError `not_found`, `invalid_state` when it (or a child run) is not finished
   */
  delete(runId: string): Promise<void>;
  /**
   * Deletes the finished runs that match, as {@link RunsApi.delete} does; runs not finished are
   * never deleted. @throws WeftError `invalid_request` for a negative or non-finite `olderThanMs`
   */
  prune(options: PruneOptions): Promise<Pruned>;
}

export interface CredentialsApi {
  /** Stores or replaces. @throws WeftError `invalid_request` (never quoting a value) */
  put(name: string, value: CredentialInput): Promise<CredentialView & { created: boolean }>;
  list(): Promise<CredentialView[]>;
  /** @throws WeftError `not_found` */
  delete(name: string): Promise<void>;
}

/**
 * One node run alone, as a console's "test this node" button asks for it: nothing is stored, no
 * run is made. See {@link NodesApi.test}.
 */
export interface NodeTestRequest {
  /** The workflow the node is in: definition text (YAML or JSON) or an object. */
  definition: string | object;
  /** The node's id: a top-level node, a node of a `foreach`/`loop` body, or a state's action. */
  node: string;
  /**
   * What the node's expressions see, as in a run: `inputs`, upstream nodes' outputs under their
   * ids, `run`; in a body `item`, `index`, `iteration`, `previous`; in a state's action `context`,
   * `event`, `state`. `inputs` is `{}` and `run` a made-up one when not given. JSON, at most 4 MiB.
   */
  scope?: Record<string, unknown>;
  /** How `definition` text is written. @default JSON when it starts with `{`, else YAML */
  format?: 'yaml' | 'json';
}

/** What a node test answers: its output, or its error as a run would record it. */
export type NodeTestResult =
  | {
      status: 'succeeded';
      output: unknown;
      /** The port a branching node (`if`, `switch`, ...) takes. */
      port?: string;
      /** The node's `when` was false: a run would have skipped it (it ran all the same). */
      when?: false;
      duration_ms: number;
    }
  | { status: 'failed'; error: ErrorInfo; when?: false; duration_ms: number };

export interface NodesApi {
  /**
   * Runs one node of a definition alone, with the tenant's credentials, under its own timeout (and
   * the engine's cap for a test), with the limits of a run. Its failure is an answer, not a throw.
   * `signal` stops the node (it then fails `aborted`).
   * @throws WeftError `invalid_definition` (details: diagnostics), `malformed_json`,
   *   `invalid_request` (no such node, a bad scope), `node_not_testable` (human, wait,
   *   subworkflow, foreach, loop), `payload_too_large` (the scope)
   */
  test(request: NodeTestRequest, options?: { signal?: AbortSignal }): Promise<NodeTestResult>;
}

/** Everything one tenant can do; see the module comment. */
export interface WeftClient {
  readonly workflows: WorkflowsApi;
  readonly runs: RunsApi;
  readonly credentials: CredentialsApi;
  readonly nodes: NodesApi;
}
