/**
 * @module engine/call-cycles
 * Refuses, at publish, a workflow that calls itself through literal workflow references of stored
 * workflows (a → a, a → b → a, a → b → c → a): each of its runs would start child runs without
 * end. The workflow that closes a cycle is the one refused, as the others are stored already.
 * A reference written as a template is known only at run time: the child-run bounds (depth and
 * number) stop those cycles.
 */
import {
  WeftError,
  WORKFLOW_ID_PATTERN,
  type Diagnostic,
  type Store,
  type WorkflowDefinition,
} from '@weft/core';
import { workflowReferences } from '../workflow-refs.js';

/** A workflow version in the call graph. */
interface Vertex {
  key: string;
  /** `b`, or `b@2` when a reference pins the version. */
  label: string;
  definition: WorkflowDefinition;
}

/** One call on the path being explored: `from` calls the next vertex at `at`. */
interface Hop {
  from: Vertex;
  at: string;
}

/** The key of the definition being published. */
const NEW = '';

/** A cycle reached from the new definition: its reference that leads there, and the cycle. */
interface Found {
  entry: Hop;
  cycle: Hop[];
}

/**
 * @throws WeftError `invalid_definition` (422) naming the cycle, with the path of the reference
 *   of `definition` that leads into it
 */
export async function refuseCallCycles(
  store: Store,
  tenant: string,
  definition: WorkflowDefinition,
  hash: string,
): Promise<void> {
  const found = await new CallGraph(store, tenant, definition, hash).findCycle();
  if (found === undefined) return;
  const detail: Diagnostic = { path: found.entry.at, message: describe(found) };
  throw new WeftError(
    'invalid_definition',
    `invalid definition: ${detail.path}: ${detail.message}`,
    {
      details: [detail],
    },
  );
}

/** `workflow cycle a (nodes[0].with.workflow) → b (nodes[1].with.workflow) → a: ...` */
function describe({ entry, cycle }: Found): string {
  const first = cycle[0]?.from.label ?? '';
  const chain = `${cycle.map((h) => `${h.from.label} (${h.at})`).join(' → ')} → ${first}`;
  // A cycle among stored workflows that this one only calls into (stored before cycles were
  // refused): named from here all the same, as this workflow's runs would not end either.
  const where =
    cycle[0] === entry ? `workflow cycle ${chain}` : `it calls into the workflow cycle ${chain}`;
  return (
    `${where}: each run would start child runs without end ` +
    '(a workflow may not call itself by a literal id, directly or through others)'
  );
}

class CallGraph {
  readonly #store: Store;
  readonly #tenant: string;
  readonly #root: Vertex;
  readonly #hash: string;
  readonly #vertices = new Map<string, Vertex | undefined>();
  /** Vertices explored to the end without finding a cycle. */
  readonly #done = new Set<string>();
  #newVersion: number | undefined;

  constructor(store: Store, tenant: string, definition: WorkflowDefinition, hash: string) {
    this.#store = store;
    this.#tenant = tenant;
    this.#hash = hash;
    this.#root = { key: NEW, label: definition.id, definition };
  }

  /** The first cycle reachable from the new definition, depth first in node order. */
  async findCycle(): Promise<Found | undefined> {
    const path: Hop[] = [];
    /** The vertices on `path`, with the index of the hop that leaves each. */
    const onPath = new Map<string, number>();
    const visit = async (v: Vertex): Promise<Found | undefined> => {
      onPath.set(v.key, path.length);
      for (const r of workflowReferences(v.definition)) {
        if (!WORKFLOW_ID_PATTERN.test(r.ref)) continue;
        const next = await this.#vertex(r.ref, r.version);
        if (next === undefined || this.#done.has(next.key)) continue;
        path.push({ from: v, at: r.path });
        const start = onPath.get(next.key);
        if (start !== undefined) return { entry: path[0] as Hop, cycle: path.slice(start) };
        const found = await visit(next);
        if (found !== undefined) return found;
        path.pop();
      }
      onPath.delete(v.key);
      this.#done.add(v.key);
      return undefined;
    };
    return visit(this.#root);
  }

  /** The stored version a reference names (the new definition for its own id); none if missing. */
  async #vertex(id: string, version: number | undefined): Promise<Vertex | undefined> {
    const self = this.#root.definition.id;
    if (id === self && (version === undefined || version === (await this.#versionOfNew()))) {
      return this.#root;
    }
    const store = this.#store;
    const v = version ?? (await store.latestWorkflowVersion(this.#tenant, id));
    if (v === undefined) return undefined;
    const key = `${id}@${v}`;
    if (this.#vertices.has(key)) return this.#vertices.get(key);
    const stored = await store.getWorkflow(this.#tenant, id, v);
    const vertex =
      stored === undefined
        ? undefined
        : { key, label: version === undefined ? id : key, definition: stored.definition };
    this.#vertices.set(key, vertex);
    return vertex;
  }

  /** The version the new definition will get: the latest's when the content is the same. */
  async #versionOfNew(): Promise<number> {
    if (this.#newVersion !== undefined) return this.#newVersion;
    const id = this.#root.definition.id;
    const latest = await this.#store.latestWorkflowVersion(this.#tenant, id);
    const same =
      latest !== undefined &&
      (await this.#store.getWorkflow(this.#tenant, id, latest))?.hash === this.#hash;
    this.#newVersion = same ? latest : (latest ?? 0) + 1;
    return this.#newVersion;
  }
}
