/**
 * @module cli/runs-command
 * `weft runs list|show|events|cancel|pause|resume|retry|input` on a local database (with
 * `--server URL`, ./remote.ts does them against a Weft server).
 */
import { existsSync } from 'node:fs';
import { errorSpec, WeftError, type RunEvent } from '@weft/core';
import { Engine } from '@weft/engine';
import type { RunView } from '@weft/engine';
import { CliError, EXIT } from './exit-codes.js';
import { formatError, formatMs, preview } from './format.js';
import { parseLooseJson } from './io.js';
import { follow } from './run-command.js';
import { resolveRunRef } from './run-ref.js';

export interface RunsArgs {
  sub: string;
  positionals: string[];
  db: string;
  json: boolean;
  workflow?: string;
  status?: string;
  limit?: string;
  node?: string;
  value?: string;
  from?: string;
  after?: string;
  /** Only against a server (--server, see ./remote.ts). */
  follow?: boolean;
}

const READ_ONLY = new Set(['list', 'show', 'events']);

export async function runsCommand(a: RunsArgs): Promise<number> {
  if (!['list', 'show', 'events', 'cancel', 'pause', 'resume', 'retry', 'input'].includes(a.sub)) {
    throw new CliError(`unknown command "runs ${a.sub}"; see weft help`, EXIT.invalid);
  }
  if (a.follow === true) {
    throw new CliError(
      'weft runs events --follow streams from a server: add --server URL',
      EXIT.invalid,
    );
  }
  const readOnly = READ_ONLY.has(a.sub);
  // Reading must not create an empty database where a path was mistyped.
  if (a.db !== ':memory:' && !existsSync(a.db)) {
    throw new CliError(
      `no database at ${a.db} (give the one your runs are in with --db)`,
      EXIT.failed,
    );
  }
  const engine = await Engine.open({ db: a.db, lock: !readOnly, autoStart: !readOnly });
  try {
    return await dispatch(engine, a);
  } catch (e) {
    if (WeftError.is(e)) {
      throw new CliError(`${e.code}: ${e.message}`, errorSpec(e.code).exit);
    }
    throw e;
  } finally {
    await engine.close();
  }
}

/** The run the first positional names: an id, a unique prefix, or `last`. */
async function runIdOf(engine: Engine, a: RunsArgs): Promise<string> {
  const ref = a.positionals[0];
  if (ref === undefined)
    throw new CliError(`weft runs ${a.sub} needs a run id (or a prefix, or last)`, EXIT.invalid);
  return resolveRunRef(ref, {
    exists: async (id) => (await engine.store.getRun(id)) !== undefined,
    page: async (cursor, limit) => {
      const page = await engine.store.listRuns(
        cursor === undefined ? { limit } : { limit, cursor },
      );
      return {
        ids: page.runs.map((r) => r.id),
        ...(page.cursor === undefined ? {} : { cursor: page.cursor }),
      };
    },
  });
}

async function dispatch(engine: Engine, a: RunsArgs): Promise<number> {
  if (a.sub === 'list') return list(engine, a);
  const id = await runIdOf(engine, a);
  switch (a.sub) {
    case 'show': {
      const view = await engine.get(id);
      if (view === undefined) throw new CliError(`no run ${id}`, EXIT.failed);
      if (a.json) process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
      else process.stdout.write(showText(view, process.stdout.isTTY === true));
      return EXIT.ok;
    }
    case 'events': {
      const after = a.after === undefined ? 0 : Number(a.after);
      for await (const e of engine.events(id, { after, follow: false })) {
        process.stdout.write(a.json ? `${JSON.stringify(e)}\n` : formatEventLine(e));
      }
      return EXIT.ok;
    }
    case 'cancel':
    case 'pause': {
      await (a.sub === 'cancel' ? engine.cancel(id) : engine.pause(id));
      const view = await engine.get(id);
      process.stdout.write(
        a.json ? `${JSON.stringify(view, null, 2)}\n` : `run ${id} ${view?.status ?? ''}\n`,
      );
      return EXIT.ok;
    }
    case 'resume': {
      const view = await engine.get(id);
      if (view === undefined) throw new CliError(`no run ${id}`, EXIT.failed);
      const seq = await lastSeq(engine, id);
      // A run whose process died was recovered when the engine opened; a paused one is resumed,
      // and any other status is refused by resume itself.
      if (view.status !== 'running' && view.status !== 'waiting') await engine.resume(id);
      return follow(engine, id, a.json, seq);
    }
    case 'retry': {
      const seq = await lastSeq(engine, id);
      await engine.retry(id, a.from === undefined ? {} : { from: a.from });
      return follow(engine, id, a.json, seq);
    }
    case 'input': {
      if (a.node === undefined || a.value === undefined) {
        throw new CliError('weft runs input RUN --node NODE --value JSON', EXIT.invalid);
      }
      const seq = await lastSeq(engine, id);
      await engine.input(id, a.node, parseLooseJson(a.value));
      return follow(engine, id, a.json, seq);
    }
  }
  return EXIT.invalid;
}

async function lastSeq(engine: Engine, id: string): Promise<number> {
  return (await engine.store.getRun(id))?.seq ?? 0;
}

async function list(engine: Engine, a: RunsArgs): Promise<number> {
  const query: Parameters<Engine['store']['listRuns']>[0] = {
    limit: a.limit === undefined ? 50 : Number(a.limit),
  };
  if (a.workflow !== undefined) query.workflowId = a.workflow;
  if (a.status !== undefined) query.status = a.status as NonNullable<typeof query.status>;
  const { runs } = await engine.store.listRuns(query);
  if (a.json) {
    const views = await Promise.all(runs.map((r) => engine.get(r.id)));
    process.stdout.write(
      `${JSON.stringify({ runs: views.filter((v) => v !== undefined) }, null, 2)}\n`,
    );
    return EXIT.ok;
  }
  process.stdout.write(
    runsTable(
      runs.map((r) => ({
        id: r.id,
        workflow: r.workflowId,
        version: r.version,
        status: r.status,
        created: r.createdAt,
        started: r.startedAt,
        finished: r.finishedAt,
      })),
    ),
  );
  return EXIT.ok;
}

/** The table of `weft runs list`, local or remote. */
export function runsTable(
  runs: readonly {
    id: string;
    workflow: string;
    version: number;
    status: string;
    created: string;
    started?: string | null | undefined;
    finished?: string | null | undefined;
  }[],
): string {
  const rows = runs.map((r) => [
    r.id,
    `${r.workflow}@${r.version}`,
    r.status,
    r.created,
    r.finished !== undefined && r.finished !== null
      ? formatMs(Date.parse(r.finished) - Date.parse(r.started ?? r.created))
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

export function showText(v: RunView, tty: boolean): string {
  const lines = [
    `run       ${v.id}`,
    `workflow  ${v.workflow} (version ${v.version})`,
    `status    ${v.status}`,
    `created   ${v.created_at}`,
  ];
  if (v.finished_at !== null) lines.push(`finished  ${v.finished_at}`);
  if (v.error !== null) lines.push(`error     ${formatError(v.error)}`);
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
  return `${lines.join('\n')}\n${table([['NODE', 'STATUS', 'ATTEMPTS', 'TOOK', 'OUTPUT / ERROR'], ...rows])}`;
}
