/**
 * @module cli/runs-view
 * How runs and their events read as text: the table of `weft runs list`, `weft runs show` and the
 * lines of `weft runs events`, the same whether they came from a local database or a server.
 */
import type { RunEvent, RunSummary, RunView } from '@weft/core/client';
import { formatError, formatMs, preview, shellWord } from './format.js';

/** The table of `weft runs list`, local or remote. */
export function runsTable(runs: readonly RunSummary[]): string {
  const rows = runs.map((r) => [
    r.id,
    `${r.workflow}@${r.version}`,
    r.status,
    r.created_at,
    r.finished_at !== null
      ? formatMs(Date.parse(r.finished_at) - Date.parse(r.started_at ?? r.created_at))
      : '',
  ]);
  return table([['RUN', 'WORKFLOW', 'STATUS', 'CREATED', 'TOOK'], ...rows]);
}

/** One event as a line of `weft runs events`: seq, time, type, node, data. */
export function formatEventLine(e: RunEvent): string {
  return `${e.seq}\t${e.at}\t${e.type}\t${e.node ?? ''}\t${e.data === undefined ? '' : preview(e.data, 100)}\n`;
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** What `weft runs show` adds for a run that waits: its human nodes to answer, by full path. */
export interface Answerable {
  /** Paths of the human nodes that wait for an answer (`approve`, `each[2].ask`). */
  paths: readonly string[];
  /** Appended to the suggested command (e.g. ` --server URL`). */
  where: string;
}

export function showText(v: RunView, tty: boolean, answerable?: Answerable): string {
  const lines = [
    `run       ${v.id}`,
    `workflow  ${v.workflow} (version ${v.version})`,
    `status    ${v.status}`,
    `created   ${v.created_at}`,
  ];
  if (v.finished_at !== null) lines.push(`finished  ${v.finished_at}`);
  if (v.error !== null) lines.push(`error     ${formatError(v.error)}`);
  if (v.state !== undefined) {
    // A state-machine run: where it is, its context, and the events it takes now.
    lines.push(`state     ${v.state}`);
    lines.push(`context   ${preview(v.context ?? {}, tty ? 100 : 100_000)}`);
    if ((v.accepts ?? []).length > 0) lines.push(`accepts   ${(v.accepts ?? []).join(', ')}`);
  }
  lines.push(`input     ${preview(v.input, tty ? 100 : 100_000)}`);
  if (v.output !== null) lines.push(`output    ${preview(v.output, tty ? 100 : 100_000)}`);
  lines.push('', 'nodes:');
  const rows = Object.entries(v.nodes).map(([path, n]) => {
    const took =
      n.started_at !== undefined && n.finished_at !== undefined
        ? formatMs(Date.parse(n.finished_at) - Date.parse(n.started_at))
        : '';
    const detail =
      n.error !== undefined
        ? formatError(n.error)
        : n.output !== undefined
          ? preview(n.output, tty ? 60 : 100_000)
          : '';
    return [path, n.status, String(n.attempts), took, detail];
  });
  const text = `${lines.join('\n')}\n${table([['NODE', 'STATUS', 'ATTEMPTS', 'TOOK', 'OUTPUT / ERROR'], ...rows])}`;
  if (answerable === undefined || answerable.paths.length === 0) return text;
  const answers = answerable.paths.map((path) => [
    path,
    `weft runs input ${v.id} --node ${shellWord(path)} --value JSON${answerable.where}`,
  ]);
  return `${text}\nwaiting for an answer:\n${table([['NODE', 'ANSWER WITH'], ...answers])}`;
}
