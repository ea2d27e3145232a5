/**
 * @module cli/graph-command
 * `weft graph FILE --format mermaid|dot`: the definition's graph as text for a diagram tool (a
 * state machine's as a Mermaid `stateDiagram-v2`).
 */
import { NodeRegistry, type EdgeDefinition, type NodeDefinition } from '@weft/core';
import { validateWorkflow } from '@weft/engine';
import { standardNodes } from '@weft/nodes';
import { CliError, EXIT } from './exit-codes.js';
import { formatDiagnostic } from './format.js';
import { readText } from './io.js';
import { stateDiagram } from './state-diagram.js';

const label = (n: NodeDefinition) => `${n.name ?? n.id} (${n.type})`.replace(/"/g, "'");

function mermaid(
  nodes: readonly NodeDefinition[],
  edges: readonly EdgeDefinition[],
  indent = '  ',
  prefix = '',
): string[] {
  const lines: string[] = [];
  for (const n of nodes) {
    const id = `${prefix}${n.id}`;
    if (n.nodes !== undefined) {
      lines.push(`${indent}subgraph ${id}["${label(n)}"]`);
      lines.push(...mermaid(n.nodes, n.edges ?? [], `${indent}  `, `${id}__`));
      lines.push(`${indent}end`);
    } else {
      lines.push(`${indent}${id}["${label(n)}"]`);
    }
  }
  for (const e of edges) {
    const port = e.port !== undefined && e.port !== 'out' ? `|${e.port}|` : '';
    lines.push(`${indent}${prefix}${e.from} -->${port} ${prefix}${e.to}`);
  }
  return lines;
}

function dot(
  nodes: readonly NodeDefinition[],
  edges: readonly EdgeDefinition[],
  indent = '  ',
  prefix = '',
): string[] {
  const lines: string[] = [];
  const linked = new Set(edges.flatMap((e) => [e.from, e.to]));
  for (const n of nodes) {
    const id = `${prefix}${n.id}`;
    if (n.nodes !== undefined) {
      lines.push(`${indent}subgraph "cluster_${id}" {`, `${indent}  label="${label(n)}";`);
      // Edges name the foreach/loop node itself; declared here, it is a point on its cluster
      // where they meet, not a stray node that Graphviz would draw outside for an undeclared id.
      if (linked.has(n.id)) lines.push(`${indent}  "${id}" [shape=point];`);
      lines.push(...dot(n.nodes, n.edges ?? [], `${indent}  `, `${id}__`));
      lines.push(`${indent}}`);
    } else {
      lines.push(`${indent}"${id}" [label="${label(n)}"];`);
    }
  }
  for (const e of edges) {
    const port = e.port !== undefined && e.port !== 'out' ? ` [label="${e.port}"]` : '';
    lines.push(`${indent}"${prefix}${e.from}" -> "${prefix}${e.to}"${port};`);
  }
  return lines;
}

export async function graphCommand(file: string, format: string): Promise<number> {
  if (format !== 'mermaid' && format !== 'dot') {
    throw new CliError(`--format must be mermaid or dot, not ${format}`, EXIT.invalid);
  }
  const result = validateWorkflow(await readText(file), {
    registry: new NodeRegistry(standardNodes),
  });
  if (!result.ok) {
    throw new CliError(
      result.diagnostics.map((d) => formatDiagnostic(file, d)).join('\n'),
      EXIT.invalid,
    );
  }
  const { nodes, edges, id, kind } = result.definition;
  if (kind === 'state-machine' && format !== 'mermaid') {
    throw new CliError(
      'a state-machine workflow is drawn with --format mermaid only',
      EXIT.invalid,
    );
  }
  const lines =
    kind === 'state-machine'
      ? stateDiagram(result.definition)
      : format === 'mermaid'
        ? ['flowchart TD', ...mermaid(nodes, edges)]
        : [`digraph "${id}" {`, '  rankdir=TB;', ...dot(nodes, edges), '}'];
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
