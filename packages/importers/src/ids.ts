/**
 * @module importers/ids
 * Weft node ids made from the titles of another tool's nodes: readable, unique, and never a name
 * the expression language reserves.
 */
import { NODE_ID_PATTERN, RESERVED_NAMES } from '@weft/core';

/** Keys of Object.prototype, refused as node ids (docs/language.md). */
const PROTOTYPE_KEYS = new Set([
  '__proto__',
  'constructor',
  'prototype',
  '__definegetter__',
  '__definesetter__',
  '__lookupgetter__',
  '__lookupsetter__',
]);

/** Hands out node ids; one per workflow, so that ids stay unique across nested bodies too. */
export class IdAllocator {
  readonly #taken = new Set<string>();

  /** An id like `large_model` from `Large Model`, `large_model_2` for the second one. */
  take(title: string | undefined, fallback: string): string {
    let base = slug(title ?? '') || slug(fallback) || 'node';
    if (!/^[a-z_]/.test(base)) base = `n_${base}`;
    if (RESERVED_NAMES.includes(base) || PROTOTYPE_KEYS.has(base)) base = `${base}_node`;
    base = base.slice(0, 56);
    let id = base;
    for (let i = 2; this.#taken.has(id) || !NODE_ID_PATTERN.test(id); i++) id = `${base}_${i}`;
    this.#taken.add(id);
    return id;
  }
}

/** Lower-case ASCII letters, digits and `_`; other characters (and runs of them) become one `_`. */
export function slug(text: string): string {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}
