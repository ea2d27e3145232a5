/**
 * @module dsl/limits
 * Resource limits on definitions, and the guards that enforce them before anything expensive or
 * recursive touches the input. Every guard here is iterative: the inputs they protect against are
 * exactly the ones that would overflow a recursive walk.
 */
import type { Finding } from './findings.js';

/** Limits applied while reading a definition (SPEC section 10). */
export interface DslLimits {
  /** Size of the definition text in UTF-8 bytes. @default 1 MiB */
  maxBytes: number;
  /** Nodes in the definition, counting the nodes of nested bodies. @default 2000 */
  maxNodes: number;
  /** YAML alias resolutions, weighted as the `yaml` package counts them. @default 100 */
  maxAliases: number;
  /** Nesting depth of objects and arrays. @default 64 */
  maxDepth: number;
}

/** The defaults of SPEC section 10. */
export const DEFAULT_LIMITS: Readonly<DslLimits> = Object.freeze({
  maxBytes: 1024 * 1024,
  maxNodes: 2000,
  maxAliases: 100,
  maxDepth: 64,
});

/** Fills in defaults; a limit that is not a non-negative integer falls back to its default. */
export function resolveLimits(partial: Partial<DslLimits> | undefined): DslLimits {
  const out: DslLimits = { ...DEFAULT_LIMITS };
  if (partial === undefined) return out;
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof DslLimits)[]) {
    const v = partial[key];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) out[key] = v;
  }
  return out;
}

/** The UTF-8 size of a string, without allocating its encoding (and without Node's Buffer). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair: 2 UTF-16 units, 4 bytes.
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}

export function sizeFinding(bytes: number, limits: DslLimits): Finding {
  return {
    path: [],
    severity: 'error',
    message: `definition is too large: ${bytes} bytes (limit maxBytes = ${limits.maxBytes})`,
  };
}

export function depthMessage(limits: DslLimits): string {
  return `nesting is too deep: more than ${limits.maxDepth} levels (limit maxDepth = ${limits.maxDepth})`;
}

/**
 * Scans JSON text for bracket depth, skipping string contents.
 * @returns the offset of the first bracket that exceeds `maxDepth`, or -1.
 */
export function scanJsonDepth(text: string, maxDepth: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return -1;
}

/** Result of {@link checkPlainData}: the first problem found, if any, and the JSON size. */
export interface PlainDataCheck {
  problem: { path: (string | number)[]; message: string } | undefined;
  /** Approximate size as JSON (characters, escapes not counted); complete only without a problem. */
  size: number;
}

const ROOT = -2;

/**
 * Checks that a value is plain JSON data no deeper than `maxDepth`, without recursion.
 * Also bounds the work on shared sub-objects (YAML aliases, or object graphs handed to the API)
 * with a visit budget; cycles show up as excessive depth. `undefined` counts as absent, as in
 * `JSON.stringify`.
 */
export function checkPlainData(
  value: unknown,
  limits: DslLimits,
  visitBudget: number,
): PlainDataCheck {
  // Parallel stacks, and a frame per container holding (parent frame, key), so that paths are
  // rebuilt only when a problem is found.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  const parents: number[] = [ROOT];
  const keys: (string | number)[] = [''];
  const frames: { parent: number; key: string | number }[] = [];
  const pathOf = (frame: number): (string | number)[] => {
    const out: (string | number)[] = [];
    for (let f = frame; f >= 0;) {
      const fr = frames[f];
      if (fr === undefined) break;
      if (fr.parent !== ROOT) out.push(fr.key);
      f = fr.parent;
    }
    return out.reverse();
  };
  let visited = 0;
  let size = 0;
  const fail = (path: (string | number)[], message: string): PlainDataCheck => ({
    problem: { path, message },
    size,
  });
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop() ?? 0;
    const parent = parents.pop() ?? ROOT;
    const key = keys.pop() ?? '';
    const here = (): (string | number)[] => (parent === ROOT ? [] : [...pathOf(parent), key]);
    if (++visited > visitBudget) {
      return fail(
        [],
        `definition expands to too many values (more than ${visitBudget}); check its aliases`,
      );
    }
    size += typeof key === 'string' && parent !== ROOT ? key.length + 4 : 1;
    if (v === undefined) continue;
    if (v === null || typeof v === 'boolean') {
      size += 5;
      continue;
    }
    if (typeof v === 'string') {
      size += v.length + 2;
      continue;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return fail(here(), `${v} is not a JSON number`);
      size += 8;
      continue;
    }
    if (typeof v !== 'object') return fail(here(), `a ${typeof v} is not JSON data`);
    if (depth + 1 > limits.maxDepth) return fail(here(), depthMessage(limits));
    size += 2;
    frames.push({ parent, key });
    const frame = frames.length - 1;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        values.push(v[i]);
        depths.push(depth + 1);
        parents.push(frame);
        keys.push(i);
      }
      continue;
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      return fail(
        here(),
        'only plain objects, arrays, strings, numbers, booleans and null are allowed',
      );
    }
    const ks = Object.keys(v);
    for (let i = ks.length - 1; i >= 0; i--) {
      const k = ks[i] as string;
      if (k === '__proto__')
        return fail([...pathOf(frame), k], 'the key `__proto__` is not allowed');
      values.push((v as Record<string, unknown>)[k]);
      depths.push(depth + 1);
      parents.push(frame);
      keys.push(k);
    }
  }
  return { problem: undefined, size };
}
