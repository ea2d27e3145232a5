/**
 * @module translate/tasks/raise
 * `raise`: an `sw.raise` node failing with the error given inline or by name (`use.errors`).
 * Nothing follows it but the way past it when its `if` did not hold.
 */
import type { Family } from '../compilation.js';
import { isObj, nothing } from '../types.js';

export const raiseTask: Family = (cx, site, into, scope, frame) => {
  const raise = isObj(site.task['raise']) ? site.task['raise'] : {};
  const at = [...site.path, 'raise', 'error'];
  let error = raise['error'];
  if (typeof error === 'string') {
    const errors = isObj(cx.use['errors']) ? cx.use['errors'] : {};
    if (!isObj(errors[error])) {
      cx.error(at, `no error \`${error}\` under \`use.errors\``);
      return nothing();
    }
    error = errors[error];
  } else cx.checkValue(at, error);
  const params = { ...frame.filters, error, instance: site.pointer };
  cx.add(scope, cx.node(site, 'sw.raise', '', params), into);
  return { outs: frame.skipped, ends: [] };
};
