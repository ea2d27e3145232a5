/**
 * @module dsl/schema-accepts
 * Whether the DSL schema certainly accepts a definition read from text, found without zod walking
 * each of its nodes: most definitions are valid, and that walk is a large share of validating one
 * of 10,000 nodes. A node or edge of the common shapes is judged by a few type checks; any other
 * by its own zod schema; the rest of the definition by zod. Only a yes spares the full parse, so
 * the issues reported are always zod's.
 */
import { EdgeSchema, NODE_ID_PATTERN, NodeSchema, WorkflowSchema } from './schema.js';

/** Keys whose values {@link commonNode} judges; a node with any other key goes to zod. */
const COMMON_NODE_KEYS = new Set([
  'id',
  'type',
  'name',
  'description',
  'with',
  'when',
  'needs',
  'join',
  'nodes',
  'edges',
]);

/**
 * True only when `WorkflowSchema` accepts `value`. `value` must come from JSON or YAML text: its
 * objects are plain, with string keys and no `undefined` values.
 */
export function schemaAccepts(value: Record<string, unknown>): boolean {
  const { nodes, edges, ...rest } = value;
  return (
    allOf(nodes, nodeAccepted) &&
    allOf(edges, edgeAccepted) &&
    WorkflowSchema.safeParse(rest).success
  );
}

/** Absent, or an array whose every item passes. */
function allOf(list: unknown, accepted: (item: unknown) => boolean): boolean {
  return list === undefined || (Array.isArray(list) && list.every(accepted));
}

const nodeAccepted = (n: unknown): boolean => commonNode(n) || NodeSchema.safeParse(n).success;
const edgeAccepted = (e: unknown): boolean => commonEdge(e) || EdgeSchema.safeParse(e).success;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): boolean => typeof v === 'string' && v.length > 0;

function commonNode(n: unknown): boolean {
  if (!isObject(n)) return false;
  for (const key in n) if (!COMMON_NODE_KEYS.has(key)) return false;
  const { id, type, name, description, when, join, needs } = n;
  return (
    typeof id === 'string' &&
    NODE_ID_PATTERN.test(id) &&
    isText(type) &&
    (name === undefined || typeof name === 'string') &&
    (description === undefined || typeof description === 'string') &&
    (n['with'] === undefined || isObject(n['with'])) &&
    (when === undefined || isText(when)) &&
    (join === undefined || join === 'all' || join === 'any') &&
    allOf(needs, (need) => isText(need) || commonNeed(need)) &&
    allOf(n['nodes'], nodeAccepted) &&
    allOf(n['edges'], edgeAccepted)
  );
}

function commonNeed(need: unknown): boolean {
  if (!isObject(need)) return false;
  for (const key in need) if (key !== 'node' && key !== 'port') return false;
  return isText(need['node']) && (need['port'] === undefined || isText(need['port']));
}

function commonEdge(e: unknown): boolean {
  if (!isObject(e)) return false;
  for (const key in e) if (key !== 'from' && key !== 'to' && key !== 'port') return false;
  return isText(e['from']) && isText(e['to']) && (e['port'] === undefined || isText(e['port']));
}
