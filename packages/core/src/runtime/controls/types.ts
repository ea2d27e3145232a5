/**
 * @module runtime/controls/types
 * A control is a node type whose execution the decider drives itself instead of sending an
 * `execute` command: bodies (foreach, loop), durable waits, human answers and child runs. Each one
 * is a table entry of behaviour hooks, so that the decider asks the node's control what to do
 * instead of switching on type names. The hooks are plain functions on static objects: the
 * decider calls them without allocating.
 *
 * Controls import no module of the walk (`walk.ts`), even for types: the walk calls the hooks, so
 * a control makes the walk's moves through the {@link Walk} each hook is handed.
 */
import type { ControlKind, PlanNode } from '../../compile/plan.js';
import type { NodeDefinition } from '../../dsl/types.js';
import type { NodeEventData } from '../../events.js';
import type { NodeType } from '../../nodes/types.js';
import type { AttemptError, Decider } from '../decider.js';
import type { RunInput } from '../protocol.js';
import type { FrameState, NodeState } from '../state.js';

export type ChildFinished = Extract<RunInput, { type: 'child.finished' }>;

/**
 * The moves of the node walk (`walk.ts`) that controls make. Handed to every hook rather than
 * imported: the walk calls the hooks, so controls that imported it would make a cycle.
 */
export interface Walk {
  /** One attempt failed: retries, or applies on_error (`final`: no retry). */
  readonly failNode: (d: Decider, ns: NodeState, error: AttemptError, final?: boolean) => void;
  /** The node succeeded with `output`, taking the edges of `port` (default `out`). */
  readonly completeNode: (d: Decider, ns: NodeState, output: unknown, port?: string) => void;
  /** Starts one instance of the owner's body at `path`, with `vars` in its scope. */
  readonly createFrame: (
    d: Decider,
    owner: NodeState,
    path: string,
    vars: Record<string, unknown>,
  ) => void;
  /** The node waits for a timer or an answer, holding no slot. */
  readonly park: (d: Decider, ns: NodeState, data: NodeEventData['node.waiting']) => void;
}

export interface Control {
  readonly kind: ControlKind;
  /**
   * Its work runs outside the decider (a child run): like a plain node it holds an execution slot
   * while it runs, and is started again after a stop.
   */
  readonly takesSlot: boolean;
  /** Parameters the control reads itself: not rendered with the others when the node starts. */
  readonly skipped?: readonly string[];
  /** A parameter compiled as the control's own expression ({@link PlanNode.controlExpr}). */
  readonly expression?: string;
  /** The body of a node written without one (a foreach over a `workflow`). */
  implicitBody?(params: Record<string, unknown>): NodeDefinition[] | undefined;
  /** The node became ready and its parameters rendered to `params`. */
  start(d: Decider, ns: NodeState, pn: PlanNode, params: Record<string, unknown>, walk: Walk): void;
  /** One instance of its body finished with `output`. */
  bodyDone?(
    d: Decider,
    owner: NodeState,
    pn: PlanNode,
    frame: FrameState,
    output: unknown,
    walk: Walk,
  ): void;
  /** A timer it set fired (it is the node's current timer). */
  timerFired?(d: Decider, ns: NodeState, kind: string, walk: Walk): void;
  /** An answer was posted to the run for this node, which is waiting. */
  answer?(d: Decider, ns: NodeState, value: unknown, walk: Walk): void;
  /** Its child run finished. */
  childFinished?(d: Decider, ns: NodeState, input: ChildFinished, walk: Walk): void;
  /** The running node is cancelled: stop the work it started outside the decider. */
  cancel?(d: Decider, ns: NodeState, walk: Walk): void;
}

/**
 * Marks the built-in node types that are controls. The key is not exported to plugins, so a
 * plugin's node type cannot claim a control; the registry reads it when a type is registered.
 */
export const CONTROL: unique symbol = Symbol('weft.control');

export type ControlNodeType = NodeType & { readonly [CONTROL]: Control };

/** A built-in control: its node type (parameters, docs) and its behaviour, side by side. */
export function defineControl<P>(type: NodeType<P>, control: Control): ControlNodeType {
  return { ...type, [CONTROL]: control };
}

export function controlOf(type: NodeType): Control | undefined {
  return (type as Partial<ControlNodeType>)[CONTROL];
}
