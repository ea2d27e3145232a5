/**
 * What the run page draws, worked out from the run object and its events: the overlay of each box
 * (a body node's status is the one of the iteration shown), the iterations of each group, the
 * nodes waiting for an answer, the streamed text of each node, and a node's input scope.
 */
import type { RunEvent } from '../api';
import type { GroupIterations, Overlay } from '../graph/GraphView';
import type { Box, Drawing } from '../graph/model';
import type { NodeState, Run } from '../types';

/** The run path of a box: body nodes carry their ancestors' iterations, `each[2].work`. */
export function runPathOf(box: Box, shown: Record<string, number>): string {
  return box.segments
    .map((seg, k) => {
      if (k === box.segments.length - 1) return seg;
      const group = box.segments.slice(0, k + 1).join('/');
      return `${seg}[${shown[group] ?? 0}]`;
    })
    .join('.');
}

export function durationOf(n: NodeState | undefined, now: number): number | undefined {
  if (n?.started_at == null) return undefined;
  const end = n.finished_at == null ? now : Date.parse(n.finished_at);
  return Math.max(0, end - Date.parse(n.started_at));
}

/** How many iterations each group (foreach/loop box) has in the run, and which is shown. */
export function iterationsOf(
  d: Drawing,
  run: Run | undefined,
  chosen: Record<string, number>,
): { iterations: Record<string, GroupIterations>; shown: Record<string, number> } {
  const iterations: Record<string, GroupIterations> = {};
  const shown: Record<string, number> = {};
  const paths = Object.keys(run?.nodes ?? {});
  // Boxes come parents first, so an outer group's choice is known before its inner ones.
  for (const box of d.boxes) {
    if (box.kind !== 'group') continue;
    const prefix = `${runPathOf(box, shown)}[`;
    const found = new Set<number>();
    for (const p of paths) {
      if (!p.startsWith(prefix)) continue;
      const i = Number(p.slice(prefix.length, p.indexOf(']', prefix.length)));
      if (Number.isInteger(i)) found.add(i);
    }
    // foreach items count from 0, loop iterations from 1: the picker offers those that ran.
    const indices = [...found].sort((a, b) => a - b);
    const pick = chosen[box.id];
    const at = pick !== undefined && found.has(pick) ? pick : (indices.at(-1) ?? 0);
    shown[box.id] = at;
    iterations[box.id] = { indices, shown: at };
  }
  return { iterations, shown };
}

export function overlayOf(
  d: Drawing,
  run: Run | undefined,
  shown: Record<string, number>,
  events: readonly RunEvent[],
  now: number,
): Record<string, Overlay> {
  const out: Record<string, Overlay> = {};
  if (run === undefined) return out;
  if (d.kind === 'state-machine') {
    const visited = new Set<string>();
    for (const e of events) {
      if (e.type !== 'state.transition') continue;
      const d = (e.data ?? {}) as { from?: unknown; to?: unknown };
      for (const state of [d.from, d.to]) if (typeof state === 'string') visited.add(state);
    }
    const current = run.state ?? '';
    for (const box of d.boxes) {
      const here = current === box.id || current.startsWith(`${box.id}.`);
      if (here) {
        out[box.id] = {
          status: box.kind === 'final' || run.status === 'succeeded' ? 'succeeded' : 'waiting',
          current: true,
        };
      } else if ([...visited].some((v) => v === box.id || v.startsWith(`${box.id}.`))) {
        out[box.id] = { status: 'succeeded' };
      } else if (box.kind !== 'start') out[box.id] = { status: 'pending' };
    }
    return out;
  }
  for (const box of d.boxes) {
    const n = run.nodes?.[runPathOf(box, shown)];
    const o: Overlay = { status: n?.status ?? 'pending' };
    if (n?.attempts !== undefined) o.attempts = n.attempts;
    const ms = durationOf(n, now);
    if (ms !== undefined) o.durationMs = ms;
    out[box.id] = o;
  }
  return out;
}

export interface Waiting {
  path: string;
  prompt: string;
  schema: unknown;
  timeoutAt?: string;
}

/** The nodes waiting for an answer: waiting now, and whose last `node.waiting` asked something. */
export function waitingFor(run: Run | undefined, events: readonly RunEvent[]): Waiting[] {
  if (run === undefined || run.status === 'cancelled') return [];
  const asked = new Map<string, Waiting>();
  for (const e of events) {
    if (e.type !== 'node.waiting' || e.node === undefined) continue;
    const d = (e.data ?? {}) as Record<string, unknown>;
    if (typeof d['prompt'] !== 'string') {
      asked.delete(e.node);
      continue;
    }
    asked.set(e.node, {
      path: e.node,
      prompt: d['prompt'],
      schema: d['schema'],
      ...(typeof d['timeout_at'] === 'string' ? { timeoutAt: d['timeout_at'] } : {}),
    });
  }
  return [...asked.values()].filter((w) => run.nodes?.[w.path]?.status === 'waiting');
}

/** Text streamed by each node (`node.progress` `{ delta }`, as llm and agent nodes send it). */
export function streamedText(events: readonly RunEvent[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of events) {
    if (e.type === 'node.started' && e.node !== undefined) delete out[e.node];
    if (e.type !== 'node.progress' || e.node === undefined) continue;
    const delta = (e.data as { delta?: unknown } | undefined)?.delta;
    if (typeof delta === 'string') out[e.node] = (out[e.node] ?? '') + delta;
  }
  return out;
}

/**
 * The scope a node's expressions saw: `inputs`, `run`, and the outputs of the nodes upstream of
 * it (and of the nodes upstream of the groups holding it), as docs/language.md describes.
 */
export function scopeOf(
  d: Drawing,
  box: Box,
  run: Run,
  shown: Record<string, number>,
): Record<string, unknown> {
  const scope: Record<string, unknown> = {
    inputs: run.input,
    run: { id: run.id, workflow: run.workflow, version: run.version },
  };
  const into = new Map<string, string[]>();
  for (const a of d.arrows) into.set(a.target, [...(into.get(a.target) ?? []), a.source]);
  const byId = new Map(d.boxes.map((b) => [b.id, b]));
  const seen = new Set<string>();
  const visit = (id: string) => {
    for (const up of into.get(id) ?? []) {
      if (seen.has(up)) continue;
      seen.add(up);
      const b = byId.get(up);
      const n = b === undefined ? undefined : run.nodes?.[runPathOf(b, shown)];
      if (b !== undefined && n !== undefined && n.status !== 'skipped' && n.output !== undefined)
        scope[b.segments.at(-1)!] ??= n.output;
      visit(up);
    }
  };
  let at: Box | undefined = box;
  while (at !== undefined) {
    visit(at.id);
    at = at.parent === undefined ? undefined : byId.get(at.parent);
  }
  if (box.parent !== undefined) {
    const group = byId.get(box.parent);
    if (group !== undefined) {
      if (group.type === 'foreach') scope['index'] = shown[group.id] ?? 0;
      if (group.type === 'loop') scope['iteration'] = shown[group.id] ?? 1;
    }
  }
  return scope;
}

/** The transitions a state-machine run took, as `from->to` of the drawing (and its start arrow). */
export function takenTransitions(d: Drawing, events: readonly RunEvent[]): Set<string> {
  const taken = new Set<string>();
  const start = d.boxes.find((b) => b.kind === 'start' && b.parent === undefined);
  let first = true;
  for (const e of events) {
    if (e.type !== 'state.transition') continue;
    const { from, to } = (e.data ?? {}) as { from?: unknown; to?: unknown };
    if (typeof from !== 'string' || typeof to !== 'string') continue;
    if (first && start !== undefined) taken.add(`${start.id}->${from}`);
    first = false;
    // A leaf path's transition is drawn from the state (or a compound around it) that declares it.
    for (const a of d.arrows) {
      const fromOk = from === a.source || from.startsWith(`${a.source}.`);
      const toOk = to === a.target || to.startsWith(`${a.target}.`);
      if (fromOk && toOk) taken.add(`${a.source}->${a.target}`);
    }
  }
  return taken;
}
