/**
 * @module dsl/schema-keys
 * The keys an object schema accepts at a path inside a node type's parameter schema, so that an
 * unknown key in `with` gets a "did you mean" like the DSL's own keys do. Node types bring their
 * own zod schemas, so the walk reads zod's definitions rather than a list kept by hand.
 */
import type { Segment } from './findings.js';

/** The parts of a zod 4 schema definition this walk reads; anything else has no keys. */
interface Def {
  type?: string;
  shape?: Record<string, unknown>;
  element?: unknown;
  innerType?: unknown;
  in?: unknown;
  options?: readonly unknown[];
  valueType?: unknown;
  left?: unknown;
  right?: unknown;
  getter?: () => unknown;
}

const defOf = (schema: unknown): Def | undefined =>
  (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;

/** The schemas a value at `path` under `schema` may be checked against (several for unions). */
function schemasAt(schema: unknown, path: readonly Segment[], depth = 0): unknown[] {
  const def = defOf(schema);
  // Recursive (lazy) schemas are walked a bounded number of wrappers deep.
  if (def === undefined || depth > 64) return [];
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return schemasAt(def.innerType, path, depth + 1);
    case 'pipe':
      return schemasAt(def.in, path, depth + 1);
    case 'lazy':
      return def.getter === undefined ? [] : schemasAt(def.getter(), path, depth + 1);
    case 'union':
      return (def.options ?? []).flatMap((o) => schemasAt(o, path, depth + 1));
    case 'intersection':
      return [...schemasAt(def.left, path, depth + 1), ...schemasAt(def.right, path, depth + 1)];
    default:
      break;
  }
  if (path.length === 0) return [schema];
  const [head, ...rest] = path;
  if (def.type === 'object') {
    const child = def.shape?.[String(head)];
    return child === undefined ? [] : schemasAt(child, rest, depth + 1);
  }
  if (def.type === 'array' && typeof head === 'number')
    return schemasAt(def.element, rest, depth + 1);
  if (def.type === 'record') return schemasAt(def.valueType, rest, depth + 1);
  return [];
}

/** The keys accepted by the object (or objects, for unions) at `path`; [] when unknown. */
export function objectKeysAt(schema: unknown, path: readonly Segment[]): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(schema, path)) {
    const def = defOf(s);
    if (def?.type === 'object') for (const k of Object.keys(def.shape ?? {})) keys.add(k);
  }
  return [...keys];
}
