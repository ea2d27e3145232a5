/**
 * @module translate/naming
 * Names and positions: node ids made from task names, and the path and pointer of each task of
 * a list, by which findings and node references point back at the document.
 */
import { RESERVED_NAMES } from '@weft/core';
import { isObj, type Path, type Site } from './types.js';

/** The ids Weft's expressions could not tell from their own names, and an object's own keys. */
const RESERVED = new Set([...RESERVED_NAMES, 'constructor', 'prototype', '__proto__']);

/**
 * A fresh node id from a task name: Weft's id pattern, unique among `taken`, to which it is
 * added with its rank (the order nodes are made in).
 */
export function nodeId(name: string, taken: Map<string, number>): string {
  let base = name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 56);
  if (!/^[A-Za-z_]/.test(base)) base = `t_${base}`;
  if (RESERVED.has(base)) base = `${base}_`;
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
  taken.set(id, taken.size);
  return id;
}

/** The tasks of a list of `{ name: task }` entries (a `do`, a fork's `branches`). */
export function sitesOf(list: unknown[], path: Path, pointer: string): Site[] {
  return list.map((item, i) => {
    const [name, task] = isObj(item) ? (Object.entries(item)[0] ?? ['', {}]) : ['', {}];
    return {
      name,
      task: isObj(task) ? task : {},
      path: [...path, i, name],
      pointer: `${pointer}/${i}/${name}`,
    };
  });
}
