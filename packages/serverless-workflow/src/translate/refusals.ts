/**
 * @module translate/refusals
 * Features of the DSL that Weft does not build and that belong to no one task family: refused at
 * validation, where they are written, rather than ignored at run time. (A family refuses its own
 * unbuilt options where it compiles them.)
 */
import type { Compilation } from './compilation.js';
import { isObj, type Obj, type Path } from './types.js';

/** A `schedule` other than `cron`, and a workflow `timeout`. */
export function refuseTopLevel(cx: Compilation, doc: Obj): void {
  const schedule = doc['schedule'];
  if (isObj(schedule)) {
    for (const key of Object.keys(schedule)) {
      if (key !== 'cron')
        cx.unsupported(
          ['schedule', key],
          `\`schedule.${key}\` (Weft starts runs on a \`cron\` schedule, webhooks or calls)`,
        );
    }
  }
  if (doc['timeout'] !== undefined)
    cx.unsupported(['timeout'], "a workflow `timeout` (use Weft's `limits.timeout_ms`)");
}

export function refuseTaskTimeout(cx: Compilation, task: Obj, path: Path): void {
  if (isObj(task['timeout']) || typeof task['timeout'] === 'string')
    cx.unsupported([...path, 'timeout'], 'a task `timeout`');
}

/** Of a call's authentications, inline `basic` and `bearer` are applied; the rest is refused. */
export function refuseAuthentications(cx: Compilation, w: Obj, path: Path): void {
  const places: [unknown, Path][] = [
    [w['authentication'], [...path, 'authentication']],
    [
      isObj(w['endpoint']) ? w['endpoint']['authentication'] : undefined,
      [...path, 'endpoint', 'authentication'],
    ],
    [
      isObj(w['document']) && isObj(w['document']['endpoint'])
        ? w['document']['endpoint']['authentication']
        : undefined,
      [...path, 'document', 'endpoint', 'authentication'],
    ],
  ];
  for (const [auth, at] of places) {
    if (auth === undefined) continue;
    if (typeof auth === 'string' || !isObj(auth)) {
      cx.unsupported(at, 'an authentication by name (`use.authentications`)');
      continue;
    }
    for (const scheme of Object.keys(auth)) {
      if (scheme !== 'basic' && scheme !== 'bearer')
        cx.unsupported([...at, scheme], `\`${scheme}\` authentication`);
      else if (isObj(auth[scheme]) && auth[scheme]['use'] !== undefined)
        cx.unsupported([...at, scheme, 'use'], 'an authentication by name (`use.authentications`)');
    }
  }
}
