/**
 * A drawing on screen: React Flow over the ELK layout, with a run's overlay (status colour, a
 * spinner while running, attempts and duration) when given one. Boxes are buttons: click or Enter
 * selects one. Groups (foreach/loop bodies) of a run offer their iterations to browse.
 */
import {
  Background,
  Controls,
  Handle,
  MarkerType,
  MiniMap,
  Position,
  ReactFlow,
  type Edge,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { memo, useEffect, useMemo, useState } from 'react';
import { iconOf } from './icons';
import { layout, type Placed } from './layout';
import type { Box, Drawing } from './model';

export interface Overlay {
  status: string;
  attempts?: number;
  durationMs?: number;
  /** A state machine's current state. */
  current?: boolean;
}

export interface GroupIterations {
  /** The item (foreach, from 0) or iteration (loop, from 1) numbers that ran. */
  indices: number[];
  shown: number;
}

interface BoxData extends Record<string, unknown> {
  box: Box;
  overlay?: Overlay | undefined;
  selected: boolean;
  iterations?: GroupIterations | undefined;
  onSelect?: ((id: string) => void) | undefined;
  onIteration?: ((group: string, i: number) => void) | undefined;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

const BoxNode = memo(function BoxNode({ data }: NodeProps<Node<BoxData>>) {
  const { box, overlay, selected, onSelect } = data;
  const status = overlay?.status ?? 'none';
  const select = () => onSelect?.(box.id);
  const describe = `${box.label}, ${box.type}${overlay === undefined ? '' : `, ${status}`}`;
  if (box.kind === 'start') {
    return (
      <div className="start-dot" aria-label="initial state">
        <Handle type="source" position={Position.Right} />
      </div>
    );
  }
  if (box.kind === 'group' || box.kind === 'compound') {
    const it = data.iterations;
    return (
      <div
        className={`group-box status-${status}${selected ? ' selected' : ''}`}
        data-testid={`node-${box.id}`}
        data-status={status}
      >
        <Handle type="target" position={Position.Left} />
        <div className="group-head">
          <button type="button" className="box-title" onClick={select} aria-label={describe}>
            <span className={`icon type-${box.type}`} aria-hidden="true">
              {iconOf(box.type)}
            </span>
            {box.label}
            {box.kind === 'group' && <span className="muted"> {box.type} body</span>}
          </button>
          {it !== undefined && it.indices.length > 0 && (
            <label className="iteration nodrag">
              <span className="sr-only">iteration of {box.label}</span>
              <select
                value={it.shown}
                onChange={(e) => data.onIteration?.(box.id, Number(e.target.value))}
              >
                {it.indices.map((i) => (
                  <option key={i} value={i}>
                    [{i}]
                  </option>
                ))}
              </select>
              <span className="muted"> of {it.indices.length}</span>
            </label>
          )}
        </div>
        <Handle type="source" position={Position.Right} />
      </div>
    );
  }
  return (
    <div
      className={`box kind-${box.kind} status-${status}${selected ? ' selected' : ''}${overlay?.current === true ? ' current' : ''}`}
      role="button"
      tabIndex={0}
      aria-label={describe}
      aria-pressed={selected}
      data-testid={`node-${box.id}`}
      data-status={status}
      onClick={select}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          select();
        }
      }}
    >
      <Handle type="target" position={Position.Left} />
      <span className={`icon type-${box.type}`} aria-hidden="true">
        {iconOf(box.type)}
      </span>
      <span className="box-text">
        <span className="box-label">{box.label}</span>
        <span className="box-meta">
          {box.kind === 'final' ? 'final' : box.type === 'state' ? '' : box.type}
          {overlay?.attempts !== undefined &&
            overlay.attempts > 1 &&
            ` · ${overlay.attempts} attempts`}
          {overlay?.durationMs !== undefined && ` · ${formatDuration(overlay.durationMs)}`}
        </span>
      </span>
      {status === 'running' && <span className="spinner" aria-hidden="true" />}
      <Handle type="source" position={Position.Right} />
    </div>
  );
});

const nodeTypes = { box: BoxNode };

export interface GraphViewProps {
  drawing: Drawing;
  overlay?: Record<string, Overlay>;
  selected?: string | undefined;
  onSelect?: (id: string) => void;
  iterations?: Record<string, GroupIterations>;
  onIteration?: (group: string, i: number) => void;
  /** Arrows the run took (a state machine's transitions); else those out of succeeded boxes. */
  taken?: ReadonlySet<string>;
  /** For tests and screen readers: what the drawing is of. */
  label: string;
}

export function GraphView(p: GraphViewProps) {
  const [placed, setPlaced] = useState<Map<string, Placed> | undefined>();
  const [failed, setFailed] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    layout(p.drawing).then(
      (m) => live && setPlaced(m),
      (e: unknown) => live && setFailed(String(e)),
    );
    return () => {
      live = false;
    };
  }, [p.drawing]);

  const nodes = useMemo<Node<BoxData>[]>(() => {
    if (placed === undefined) return [];
    return p.drawing.boxes.flatMap((box) => {
      const at = placed.get(box.id);
      if (at === undefined) return [];
      const grouped = box.kind === 'group' || box.kind === 'compound';
      return [
        {
          id: box.id,
          type: 'box',
          position: { x: at.x, y: at.y },
          ...(box.parent === undefined ? {} : { parentId: box.parent, extent: 'parent' as const }),
          // Fixed sizes: the boxes count as measured at once, also when a new overlay replaces them.
          width: at.width,
          height: at.height,
          draggable: false,
          selectable: false,
          focusable: false,
          zIndex: grouped ? 0 : 1,
          data: {
            box,
            overlay: p.overlay?.[box.id],
            selected: p.selected === box.id,
            iterations: p.iterations?.[box.id],
            onSelect: p.onSelect,
            onIteration: p.onIteration,
          },
        },
      ];
    });
  }, [placed, p.drawing, p.overlay, p.selected, p.iterations, p.onSelect, p.onIteration]);

  const edges = useMemo<Edge[]>(
    () =>
      p.drawing.arrows.map((a) => ({
        id: a.id,
        source: a.source,
        target: a.target,
        ...(a.label === undefined || a.label === '' ? {} : { label: a.label }),
        type: 'smoothstep',
        zIndex: 2,
        markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
        className: (
          p.taken === undefined
            ? p.overlay?.[a.source]?.status === 'succeeded'
            : p.taken.has(`${a.source}->${a.target}`)
        )
          ? 'edge-done'
          : undefined,
      })),
    [p.drawing, p.overlay, p.taken],
  );

  if (failed !== undefined)
    return <p className="error">The graph could not be laid out: {failed}</p>;
  if (p.drawing.boxes.length === 0) return <p className="muted">Nothing to draw yet.</p>;
  return (
    <div className="graph" role="figure" aria-label={p.label} data-ready={placed !== undefined}>
      {placed === undefined ? (
        <p className="muted">Laying out {p.drawing.boxes.length} boxes…</p>
      ) : (
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          fitView
          fitViewOptions={{ maxZoom: 1, padding: 0.15 }}
          minZoom={0.01}
          // A click handler also makes the boxes take pointer events (they are not selectable).
          onNodeClick={(_, n) => p.onSelect?.(n.id)}
          nodesConnectable={false}
          nodesDraggable={false}
          elementsSelectable={false}
          onlyRenderVisibleElements={nodes.length > 150}
          proOptions={{ hideAttribution: true }}
        >
          <Background />
          <Controls showInteractive={false} />
          {nodes.length > 30 && <MiniMap pannable zoomable />}
        </ReactFlow>
      )}
    </div>
  );
}
