/**
 * @module importers/sw/output
 * A graph's output (the workflow's, or a foreach body's) as a jq expression over the context.
 */
import type { Level } from './context.js';

/**
 * jq of a graph's output as Weft computes it: the first end/output node that ran, else the one
 * sink that ran, else an object of the sinks that ran by id.
 */
export function graphOutputJq(level: Level): string {
  const has = (id: string) => `($context | has(${JSON.stringify(id)}))`;
  const sinks = level.nodes.filter((n) => !level.edges.some((e) => e.from === n.id));
  const ran = sinks.map(
    (n) =>
      `{ "key": ${JSON.stringify(n.id)}, "ran": ${has(n.id)}, "value": $context[${JSON.stringify(n.id)}] }`,
  );
  let out = `([${ran.join(', ')}] | map(select(.ran))) as $r | if ($r | length) == 1 then $r[0].value else ($r | map({ key, value }) | from_entries) end`;
  const ends = level.nodes.filter((n) => n.type === 'end' || n.type === 'output');
  for (const end of [...ends].reverse()) {
    out = `if ${has(end.id)} then $context[${JSON.stringify(end.id)}] else ${out} end`;
  }
  return `(${out})`;
}
