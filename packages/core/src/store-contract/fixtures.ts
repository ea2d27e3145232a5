/**
 * @module store-contract/fixtures
 * Records and values the contract cases build on. Times are ISO text a fixed epoch apart; JSON
 * values include what text and JSON columns are most likely to mangle.
 */
import type {
  ErrorInfo,
  NodeRecord,
  RunEvent,
  RunRecord,
  RunWrite,
  WorkflowDefinition,
} from '../index.js';

/** A fixed epoch for test times: `at(n)` is n seconds after it. */
export const at = (seconds: number): string =>
  new Date(Date.UTC(2025, 0, 1) + seconds * 1000).toISOString();

export const ERROR: ErrorInfo = {
  code: 'http_status',
  message: 'upstream answered 503',
  retryable: true,
  retry_after_ms: 1500,
  details: { status: 503, body: 'busy' },
};

/**
 * Values that JSON text stores must keep exactly. `\u0000` is here on purpose: PostgreSQL `jsonb`
 * refuses it, and node outputs (HTTP bodies) can contain it, so a store must not lose such a run.
 */
export const TRICKY_JSON = {
  unicode: 'naïve — 日本語 — 🧵',
  quotes: 'say "hi"\n\ttab\\slash',
  nul: 'a\u0000b',
  empty: ['', {}, []],
  numbers: [0, -1, 1.5, -0.25, Number.MAX_SAFE_INTEGER, 1e-7],
  flags: [true, false, null],
  nested: { a: { b: { c: [1, { d: 'e' }] } } },
};

export function makeRun(id: string, fields: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    tenant: 't1',
    workflowId: 'wf',
    version: 1,
    status: 'running',
    input: { n: 1 },
    createdAt: at(0),
    priority: 0,
    seq: 0,
    state: { ready: [] },
    ...fields,
  };
}

export function makeNode(
  runId: string,
  path: string,
  fields: Partial<NodeRecord> = {},
): NodeRecord {
  return { runId, path, nodeId: path, status: 'running', attempts: 1, state: {}, ...fields };
}

export function makeWrite(run: RunRecord, parts: Partial<Omit<RunWrite, 'run'>> = {}): RunWrite {
  return { run, nodes: [], events: [], addTimers: [], removeTimers: [], ...parts };
}

/**
 * An event as the store sees it: the store keeps any JSON it is given, so the contract checks
 * round trips of odd data, not the decider's event shapes.
 */
export const rawEvent = (e: {
  seq: number;
  type: string;
  at: string;
  node?: string;
  data?: unknown;
}): RunEvent => e as unknown as RunEvent;

export function events(from: number, to: number): RunEvent[] {
  const list: RunEvent[] = [];
  for (let seq = from; seq <= to; seq++)
    list.push(rawEvent({ seq, type: 'node.progress', at: at(seq) }));
  return list;
}

export function definition(
  id: string,
  fields: Partial<WorkflowDefinition> = {},
): WorkflowDefinition {
  return { id, nodes: [{ id: 'a', type: 'set', with: { value: 1 } }], edges: [], ...fields };
}

export const byPath = (a: NodeRecord, b: NodeRecord): number =>
  a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
