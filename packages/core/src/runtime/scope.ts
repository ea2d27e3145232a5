/**
 * @module runtime/scope
 * The expression scopes of a run's frames, and their rebuilding when a run is loaded.
 */
import { WeftError } from '../errors.js';
import { toScopeValue } from '../expr/index.js';
import { hasOutput, type NodeState, type RunState } from './state.js';

/** The expression scope of a frame: its own entries over its parent frame's (prototype chain). */
export function scopeOf(state: RunState, frame: string): Record<string, unknown> {
  const cached = state.scopes.get(frame);
  if (cached !== undefined) return cached;
  let scope: Record<string, unknown>;
  if (frame === '') {
    const m = state.meta;
    scope = Object.create(null) as Record<string, unknown>;
    scope['inputs'] = toScopeValue(m.input ?? {});
    scope['run'] = toScopeValue({
      id: m.runId,
      workflow: m.workflowId,
      version: m.version,
      attempt: m.attempt,
      started_at: m.startedAt ?? null,
    });
  } else {
    const fs = state.nodes.get(frame);
    if (fs?.kind !== 'frame') throw new WeftError('internal', `no frame state at ${frame}`);
    // A state machine's action frame has no owner node: it sees the top scope.
    const owner = fs.action === undefined ? state.nodes.get(fs.owner) : undefined;
    if (fs.action === undefined && owner?.kind !== 'node')
      throw new WeftError('internal', `no owner for ${frame}`);
    const parent = owner?.kind === 'node' ? owner.frame : '';
    scope = Object.create(scopeOf(state, parent)) as Record<string, unknown>;
    for (const [k, v] of Object.entries(fs.vars)) scope[k] = toScopeValue(v);
  }
  state.scopes.set(frame, scope);
  return scope;
}

/** What a finished node exposes to the expressions downstream of it. */
export function scopeEntry(ns: NodeState): unknown {
  if (ns.status === 'succeeded') return ns.output;
  if ((ns.handled === 'continue' || ns.handled === 'branch') && ns.error !== undefined) {
    const { code, message, details } = ns.error;
    // Details (an http status, a raised error's fields) let a handler tell failures apart.
    return { error: details === undefined ? { code, message } : { code, message, details } };
  }
  return ns.output;
}

/** Refills the derived caches of a state loaded from the store. */
export function hydrate(state: RunState): void {
  state.scopes.clear();
  state.graphs.clear();
  for (const s of state.nodes.values()) {
    if (s.kind === 'node' && hasOutput(s)) {
      scopeOf(state, s.frame)[s.nodeId] = toScopeValue(scopeEntry(s));
    }
  }
}
