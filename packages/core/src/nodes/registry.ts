/**
 * @module nodes/registry
 * Node types by name. The DSL refers to them by string; the registry resolves them.
 */
import { WeftError } from '../errors.js';
import { controlOf, type Control } from '../runtime/controls/types.js';
import type { NodeType } from './types.js';

export class NodeRegistry {
  readonly #types = new Map<string, NodeType>();
  /** The behaviour of the built-in control types, kept apart from the plugin-facing types. */
  readonly #controls = new Map<string, Control>();

  constructor(types: Iterable<NodeType> = []) {
    for (const t of types) this.register(t);
  }

  /** Adds a node type; a name that is taken is an error (no silent override). */
  register(type: NodeType): this {
    if (!/^[a-z][a-z0-9_.-]{0,63}$/.test(type.type)) {
      throw new WeftError('invalid_node_type', `node type name "${type.type}" is not valid`);
    }
    if (this.#types.has(type.type)) {
      throw new WeftError('duplicate_node_type', `node type "${type.type}" is already registered`);
    }
    this.#types.set(type.type, type);
    const control = controlOf(type);
    if (control !== undefined) this.#controls.set(type.type, control);
    return this;
  }

  /** The behaviour of a control type that the decider drives itself; undefined for others. */
  control(name: string): Control | undefined {
    return this.#controls.get(name);
  }

  get(name: string): NodeType | undefined {
    return this.#types.get(name);
  }

  has(name: string): boolean {
    return this.#types.has(name);
  }

  list(): NodeType[] {
    return [...this.#types.values()];
  }

  /** The ports a node of this type has, given its raw parameters: always `out`. */
  portsOf(name: string, params: Record<string, unknown>): string[] {
    const t = this.#types.get(name);
    const extra =
      t?.ports === undefined ? [] : typeof t.ports === 'function' ? t.ports(params) : t.ports;
    return ['out', ...extra];
  }
}
