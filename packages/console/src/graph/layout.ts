/**
 * Places a drawing's boxes with ELK's layered layout (left to right), groups holding their bodies.
 * elkjs is large, so it is loaded on the first layout rather than with the page.
 */
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { Drawing } from './model';

export const BOX = { width: 200, height: 64 };
const START = { width: 18, height: 18 };

export interface Placed {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

type Elk = { layout(graph: ElkNode): Promise<ElkNode> };
let elk: Promise<Elk> | undefined;

function loadElk(): Promise<Elk> {
  elk ??= import('elkjs/lib/elk.bundled.js').then((m) => new m.default() as unknown as Elk);
  return elk;
}

export async function layout(d: Drawing): Promise<Map<string, Placed>> {
  const children = new Map<string | undefined, ElkNode[]>();
  const byId = new Map<string, ElkNode>();
  for (const b of d.boxes) {
    const grouped = b.kind === 'group' || b.kind === 'compound';
    const size = b.kind === 'start' ? START : BOX;
    const n: ElkNode = grouped
      ? {
          id: b.id,
          layoutOptions: {
            'elk.padding': '[top=44,left=16,bottom=16,right=16]',
            // Room for the group's title and its iteration picker above a one-node body.
            'elk.nodeSize.constraints': 'MINIMUM_SIZE',
            'elk.nodeSize.minimum': '(330, 110)',
          },
          children: [],
        }
      : { id: b.id, width: size.width, height: size.height };
    byId.set(b.id, n);
    const list = children.get(b.parent) ?? [];
    list.push(n);
    children.set(b.parent, list);
  }
  for (const [parent, list] of children) {
    if (parent === undefined) continue;
    const p = byId.get(parent);
    if (p !== undefined) p.children = list;
  }
  const edges: ElkExtendedEdge[] = d.arrows.map((a) => ({
    id: a.id,
    sources: [a.source],
    targets: [a.target],
    ...(a.label === undefined || a.label === ''
      ? {}
      : { labels: [{ text: a.label, width: a.label.length * 7 + 8, height: 16 }] }),
  }));
  const graph: ElkNode = {
    id: '#root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '64',
      'elk.spacing.nodeNode': '28',
      'elk.edgeLabels.inline': 'true',
    },
    children: children.get(undefined) ?? [],
    edges,
  };
  const placed = new Map<string, Placed>();
  const laid = await (await loadElk()).layout(graph);
  const walk = (nodes: ElkNode[] | undefined) => {
    for (const n of nodes ?? []) {
      placed.set(n.id, {
        id: n.id,
        x: n.x ?? 0,
        y: n.y ?? 0,
        width: n.width ?? BOX.width,
        height: n.height ?? BOX.height,
      });
      walk(n.children);
    }
  };
  walk(laid.children);
  return placed;
}
