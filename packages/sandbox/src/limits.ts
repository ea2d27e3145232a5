/**
 * @module limits
 * The sandbox's default limits (SPEC section 10: a code node has 64 MiB and 5 s), and the bounds on
 * what crosses between the engine and a child: the engine's 4 MiB for a node's input and output.
 */
export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024;
/** The engine's limit on a node's output and a run's input. */
export const MAX_DATA_BYTES = 4 * 1024 * 1024;
/** A source larger than this is refused before it reaches a child. */
export const MAX_SOURCE_BYTES = 1024 * 1024;
/** Bounds on what `console.log` keeps of one job. */
export const MAX_LOG_LINES = 200;
export const MAX_LOG_LINE_CHARS = 2_000;
/** How long past its limit a job may go before its child process is killed from outside. */
export const KILL_GRACE_MS = 1_000;
/** A child serves this many jobs, then is replaced: whatever a runtime leaked goes with it. */
export const RUNS_PER_CHILD = 200;
