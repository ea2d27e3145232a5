/**
 * A workflow definition as boxes and arrows: graph nodes (foreach and loop bodies as groups, their
 * ports as edge labels) or a state machine's states (compound states as groups, transitions labelled
 * with their events). Reads both the stored form (`edges`) and the written one (`needs`), so the
 * editor's preview and a stored version draw alike.
 */

export type BoxKind = 'node' | 'group' | 'state' | 'compound' | 'final' | 'start';

export interface Box {
  /** Unique in the drawing: node ids joined by `/` (graph), state paths with `.` (machine). */
  id: string;
  parent?: string;
  kind: BoxKind;
  label: string;
  /** The node type (graph), or `state`. */
  type: string;
  /** Names of the ports other than `out` that this node can take. */
  ports: string[];
  /** The run path segments: a body node's path is its ancestors' ids with their iterations. */
  segments: string[];
}

export interface Arrow {
  id: string;
  source: string;
  target: string;
  label?: string;
}

export interface Drawing {
  kind: 'graph' | 'state-machine';
  boxes: Box[];
  arrows: Arrow[];
}

type Json = Record<string, any>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Draws a definition; what cannot be read (a half-written one in the editor) is left out. */
export function drawingOf(definition: unknown): Drawing {
  if (!isObject(definition)) return { kind: 'graph', boxes: [], arrows: [] };
  if (definition['kind'] === 'state-machine' || isObject(definition['states'])) {
    return machineDrawing(definition);
  }
  const out: Drawing = { kind: 'graph', boxes: [], arrows: [] };
  addGraph(out, definition, [], undefined);
  return out;
}

function portsOf(node: Json): string[] {
  const ports: string[] = [];
  const w = isObject(node['with']) ? node['with'] : {};
  if (node['type'] === 'if') ports.push('true', 'false');
  if (node['type'] === 'switch') {
    const cases = w['cases'];
    if (Array.isArray(cases)) {
      for (const c of cases)
        if (isObject(c) && typeof c['port'] === 'string') ports.push(c['port']);
    } else if (isObject(cases)) ports.push(...Object.keys(cases));
    ports.push('default');
  }
  if (node['type'] === 'human') ports.push('timeout');
  if (node['on_error'] === 'branch') ports.push('error');
  return ports;
}

function addGraph(out: Drawing, holder: Json, segments: string[], parent: string | undefined) {
  const nodes: unknown[] = Array.isArray(holder['nodes'])
    ? holder['nodes']
    : isObject(holder['with']) && Array.isArray(holder['with']['nodes'])
      ? holder['with']['nodes']
      : [];
  const edges: unknown[] = Array.isArray(holder['edges'])
    ? holder['edges']
    : isObject(holder['with']) && Array.isArray(holder['with']['edges'])
      ? holder['with']['edges']
      : [];
  const prefix = segments.length === 0 ? '' : `${segments.join('/')}/`;
  const ids = new Set<string>();
  for (const n of nodes) {
    if (!isObject(n) || typeof n['id'] !== 'string' || ids.has(n['id'])) continue;
    ids.add(n['id']);
    const own = [...segments, n['id']];
    const id = own.join('/');
    const type = typeof n['type'] === 'string' ? n['type'] : '?';
    const hasBody =
      Array.isArray(n['nodes']) || (isObject(n['with']) && Array.isArray(n['with']['nodes']));
    out.boxes.push({
      id,
      ...(parent === undefined ? {} : { parent }),
      kind: hasBody ? 'group' : 'node',
      label: typeof n['name'] === 'string' ? n['name'] : n['id'],
      type,
      ports: portsOf(n),
      segments: own,
    });
    if (hasBody) addGraph(out, n, own, id);
  }
  const seen = new Set<string>();
  const arrow = (from: unknown, to: unknown, port: unknown) => {
    if (typeof from !== 'string' || typeof to !== 'string') return;
    if (!ids.has(from) || !ids.has(to)) return;
    const label = typeof port === 'string' && port !== 'out' ? port : undefined;
    const id = `${prefix}${from}->${to}:${label ?? ''}`;
    if (seen.has(id)) return;
    seen.add(id);
    out.arrows.push({
      id,
      source: prefix + from,
      target: prefix + to,
      ...(label === undefined ? {} : { label }),
    });
  };
  for (const e of edges) if (isObject(e)) arrow(e['from'], e['to'], e['port']);
  for (const n of nodes) {
    if (!isObject(n) || !Array.isArray(n['needs'])) continue;
    for (const need of n['needs']) {
      if (typeof need === 'string') arrow(need, n['id'], undefined);
      else if (isObject(need)) arrow(need['node'], n['id'], need['port']);
    }
  }
}

function machineDrawing(def: Json): Drawing {
  const out: Drawing = { kind: 'state-machine', boxes: [], arrows: [] };
  const all = new Set<string>();
  const collect = (states: Json, path: string[]) => {
    for (const [name, s] of Object.entries(states)) {
      const own = [...path, name];
      all.add(own.join('.'));
      if (isObject(s) && isObject(s['states'])) collect(s['states'], own);
    }
  };
  if (isObject(def['states'])) collect(def['states'], []);

  /** A target as the language reads it: a sibling, else outward; a dotted path from the top. */
  const resolve = (target: unknown, from: string[]): string | undefined => {
    if (typeof target !== 'string') return undefined;
    if (target.includes('.')) return all.has(target) ? target : undefined;
    for (let depth = from.length - 1; depth >= 0; depth--) {
      const candidate = [...from.slice(0, depth), target].join('.');
      if (all.has(candidate)) return candidate;
    }
    return undefined;
  };
  const targetsOf = (t: unknown): unknown[] =>
    (Array.isArray(t) ? t : [t]).map((c) => (isObject(c) ? c['target'] : c));

  const seen = new Set<string>();
  const arrow = (from: string, to: string | undefined, label: string) => {
    if (to === undefined) return;
    const id = `${from}->${to}:${label}`;
    if (seen.has(id)) return;
    seen.add(id);
    out.arrows.push({ id, source: from, target: to, label });
  };

  const add = (states: Json, path: string[], parent: string | undefined, initial: unknown) => {
    const initialId = typeof initial === 'string' ? [...path, initial].join('.') : undefined;
    if (initialId !== undefined && all.has(initialId)) {
      const start = `${path.join('.')}#start`;
      out.boxes.push({
        id: start,
        ...(parent === undefined ? {} : { parent }),
        kind: 'start',
        label: 'start',
        type: 'start',
        ports: [],
        segments: [],
      });
      arrow(start, initialId, '');
    }
    for (const [name, raw] of Object.entries(states)) {
      const s = isObject(raw) ? raw : {};
      const own = [...path, name];
      const id = own.join('.');
      const compound = isObject(s['states']);
      out.boxes.push({
        id,
        ...(parent === undefined ? {} : { parent }),
        kind: compound ? 'compound' : s['type'] === 'final' ? 'final' : 'state',
        label: name,
        type: 'state',
        ports: [],
        segments: own,
      });
      if (compound) add(s['states'], own, id, s['initial']);
      if (isObject(s['on'])) {
        for (const [event, t] of Object.entries(s['on']))
          for (const target of targetsOf(t)) arrow(id, resolve(target, own), event);
      }
      if (isObject(s['after'])) {
        for (const [after, t] of Object.entries(s['after']))
          for (const target of targetsOf(t)) arrow(id, resolve(target, own), `after ${after}`);
      }
      if (s['always'] !== undefined)
        for (const target of targetsOf(s['always'])) arrow(id, resolve(target, own), 'always');
    }
  };
  if (isObject(def['states'])) add(def['states'], [], undefined, def['initial']);
  return out;
}
