/**
 * @module translate/tasks/events
 * `emit` (an `sw.emit` node sending a CloudEvent) and `listen` (an `sw.listen` node waiting for
 * the event delivered to the run as its answer: `weft runs input`, `POST /v1/runs/{id}/input`).
 */
import type { Compilation, Family } from '../compilation.js';
import {
  isObj,
  nothing,
  type Compiled,
  type Exit,
  type Frame,
  type Scope,
  type Site,
} from '../types.js';
import { leafTask } from './leaf.js';

export const emitTask: Family = (cx, site, into, scope, frame) => {
  const emit = site.task['emit'] as Record<string, unknown>;
  const event = isObj(emit['event']) ? emit['event']['with'] : undefined;
  cx.checkValue([...site.path, 'emit', 'event', 'with'], event);
  return leafTask(cx, site, into, scope, frame, 'sw.emit', { event });
};

/** `listen` to one event, or to `any` of several; `all`, `until` and `foreach` are refused. */
export function listenTask(
  cx: Compilation,
  site: Site,
  into: Exit[],
  scope: Scope,
  frame: Frame,
): Compiled {
  const { task, path } = site;
  const l = isObj(task['listen']) ? task['listen'] : {};
  const to = isObj(l['to']) ? l['to'] : {};
  const at = [...path, 'listen', 'to'];
  const withOf = (f: unknown): unknown => (isObj(f) ? f['with'] : undefined);
  let events: unknown[] = [];
  if (to['one'] !== undefined) events = [withOf(to['one'])];
  // `any: []` is any event at all.
  else if (Array.isArray(to['any'])) events = to['any'].length === 0 ? [{}] : to['any'].map(withOf);
  else {
    cx.unsupported([...at, 'all'], '`listen.to.all` (Weft waits for one event)');
    return nothing();
  }
  if (to['until'] !== undefined) cx.unsupported([...at, 'until'], '`listen.to.until`');
  if (l['read'] !== undefined && l['read'] !== 'data')
    cx.unsupported([...path, 'listen', 'read'], '`listen.read`');
  if (events.some((e) => !isObj(e))) {
    cx.error(at, 'each event to listen to needs `with` (its attributes)');
    return nothing();
  }
  if (l['foreach'] !== undefined)
    cx.unsupported([...path, 'listen', 'foreach'], '`listen.foreach`');
  cx.checkValue(at, events);
  return leafTask(cx, site, into, scope, frame, 'sw.listen', { events });
}
