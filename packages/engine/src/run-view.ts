/**
 * @module run-view
 * The run as the API, the CLI's `--json` and the library show it (SPEC section 8).
 */
import {
  acceptedEventsOf,
  isTerminal,
  storedMachine,
  type NodeRecord,
  type Plan,
  type RunRecord,
} from '@weft/core';
import type { NodeView, RunSummary, RunView } from '@weft/core/client';

// One run shape for every face: the type lives with the client interface in core.
export type { NodeView, RunSummary, RunView };

/** Top-level nodes that never started are listed as pending; frames are not listed. */
export function runView(
  run: RunRecord,
  nodes: readonly NodeRecord[],
  plan: Plan | undefined,
): RunView {
  const byPath = new Map<string, NodeView>();
  for (const n of nodes) {
    if ((n.state as { kind?: string }).kind === 'frame') continue;
    const v: NodeView = { status: n.status, attempts: n.attempts };
    if (n.output !== undefined) v.output = n.output;
    if (n.error !== undefined) v.error = n.error;
    if (n.startedAt !== undefined) v.started_at = n.startedAt;
    if (n.finishedAt !== undefined) v.finished_at = n.finishedAt;
    const child = (n.state as { childRunId?: unknown }).childRunId;
    if (typeof child === 'string') v.child_run_id = child;
    byPath.set(n.path, v);
  }
  // Built as a Map: node ids are the user's names, and a name such as `__proto__` assigned as a
  // key of a plain object would change its prototype instead of adding an entry.
  const ordered = new Map<string, NodeView>();
  for (const pn of plan?.root.nodes ?? []) {
    ordered.set(pn.id, byPath.get(pn.id) ?? { status: 'pending', attempts: 0 });
  }
  for (const [path, v] of [...byPath].sort(([a], [b]) => a.localeCompare(b))) {
    if (!ordered.has(path)) ordered.set(path, v);
  }
  const view: RunView = {
    id: run.id,
    workflow: run.workflowId,
    version: run.version,
    status: run.status,
    input: run.input,
    output: run.output ?? null,
    error: run.error ?? null,
    // fromEntries defines each key as an own property, `__proto__` included.
    nodes: Object.fromEntries(ordered),
    created_at: run.createdAt,
    started_at: run.startedAt ?? null,
    finished_at: run.finishedAt ?? null,
  };
  if (run.parentRunId !== undefined) view.parent_run_id = run.parentRunId;
  const machine = storedMachine(run.state);
  if (machine !== undefined) {
    view.state = machine.state;
    view.context = machine.context;
    view.accepts =
      plan === undefined || isTerminal(run.status) ? [] : acceptedEventsOf(plan, machine.state);
  }
  return view;
}

/** The run as listed: the run object without its nodes. */
export function runSummary(r: RunRecord): RunSummary {
  const s: RunSummary = {
    id: r.id,
    workflow: r.workflowId,
    version: r.version,
    status: r.status,
    input: r.input,
    output: r.output ?? null,
    error: r.error ?? null,
    created_at: r.createdAt,
    started_at: r.startedAt ?? null,
    finished_at: r.finishedAt ?? null,
  };
  if (r.parentRunId !== undefined) s.parent_run_id = r.parentRunId;
  return s;
}
