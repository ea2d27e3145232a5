/**
 * @module cli/runs-command
 * `weft runs list|show|events|cancel|pause|resume|retry|input|send|delete|prune`, written once against
 * the client:
 * on a local database (`--db`), through the server that holds it, on `--server URL`, or on a
 * PostgreSQL database beside its workers (`--postgres URL`; ./target.ts). `resume`, `retry`,
 * `input` and `send` follow the run until it ends or waits again, with the exit codes of `weft run`
 * (./follow.ts).
 */
import type { RunEvent, RunView, WeftClient } from '@weft/core/client';
import { CliError, EXIT } from './exit-codes.js';
import { follow } from './follow.js';
import { parseLooseJson } from './io.js';
import { resolveRunRefWith } from './run-ref.js';
import { deleteRun, prune, pruneRequest, type PruneArgs } from './runs-prune.js';
import { formatEventLine, runsTable, showText } from './runs-view.js';
import { withTarget, type Mode, type Target, type TargetArgs } from './target.js';

export interface RunsArgs extends TargetArgs {
  sub: string;
  positionals: string[];
  json: boolean;
  workflow?: string;
  status?: string;
  limit?: string;
  node?: string;
  value?: string;
  /** `runs send`: the event's data, JSON. */
  data?: string;
  from?: string;
  after?: string;
  follow?: boolean;
  olderThan?: string;
}

const READ_ONLY = new Set(['list', 'show', 'events']);
const DELETING = new Set(['delete', 'prune']);

/** Run objects fetched at once for `runs list --json`. */
const PARALLEL_READS = 16;

export async function runsCommand(a: RunsArgs): Promise<number> {
  if (a.sub === 'input' && (a.node === undefined || a.value === undefined)) {
    throw new CliError('weft runs input RUN --node NODE --value JSON', EXIT.invalid);
  }
  if (a.sub === 'send' && (a.positionals[1] === undefined || a.positionals.length > 2)) {
    throw new CliError('weft runs send RUN TYPE [--data JSON]', EXIT.invalid);
  }
  const pruning: PruneArgs | undefined =
    a.sub === 'prune'
      ? { olderThan: a.olderThan, status: a.status, workflow: a.workflow, json: a.json, db: a.db }
      : undefined;
  if (pruning !== undefined) {
    // Checked before anything is opened or sent.
    pruneRequest(pruning);
    if (a.positionals[0] !== undefined) {
      throw new CliError(
        `weft runs prune: unexpected argument "${a.positionals[0]}"`,
        EXIT.invalid,
      );
    }
  } else if (a.sub !== 'list' && a.positionals[0] === undefined) {
    throw new CliError(`weft runs ${a.sub} needs a run id (or a prefix, or last)`, EXIT.invalid);
  }
  const outcome = await withTarget(a, { mode: modeOf(a), mustExist: true }, async (t) => {
    if (a.sub === 'list') return list(t.client, a);
    if (pruning !== undefined) return prune(t, pruning);
    const id = await resolveRunRefWith(t.client, a.positionals[0] as string);
    return dispatch(t, id, a);
  });
  if (typeof outcome === 'number') return outcome;
  // The run this process moved on PostgreSQL is its own until it closes, and is carried on by the
  // workers from then on: a new target follows them.
  return withTarget(a, { mode: 'run' }, (t) =>
    follow(t, outcome.runId, { json: a.json, after: outcome.after }),
  );
}

/**
 * A run that is moved is carried on in this process when the database is local (on PostgreSQL it
 * is handed to the workers); deleting needs the database but carries nothing on. Following events
 * takes a member of the shared database (on a local file, one that claims nothing): the commits
 * of the processes that carry the run reach it on the bus.
 */
function modeOf(a: RunsArgs): Mode {
  if (a.sub === 'events' && a.follow === true) return 'run';
  return READ_ONLY.has(a.sub) ? 'read' : DELETING.has(a.sub) ? 'write' : 'run';
}

/** A run moved on PostgreSQL, to follow once this process let go of it (see `runsCommand`). */
interface HandedOver {
  runId: string;
  after: number;
}

/** Follows a run this process moved, or on PostgreSQL hands it over first. */
function carryOn(
  t: Target,
  runId: string,
  a: RunsArgs,
  after: number,
): Promise<number> | HandedOver {
  if (t.onWorkers === true) return { runId, after };
  return follow(t, runId, { json: a.json, after });
}

async function dispatch(t: Target, id: string, a: RunsArgs): Promise<number | HandedOver> {
  const { runs } = t.client;
  switch (a.sub) {
    case 'show': {
      const view = await runs.get(id);
      if (a.json) {
        process.stdout.write(json(view));
        return EXIT.ok;
      }
      // Human nodes that wait, by full path (`each[2].ask` in a foreach), and how to answer each.
      const waits = Object.values(view.nodes).some((n) => n.status === 'waiting');
      const paths = waits ? await runs.waitingForAnswer(id) : [];
      process.stdout.write(
        showText(view, process.stdout.isTTY === true, { paths, where: t.where }),
      );
      return EXIT.ok;
    }
    case 'events':
      return events(t, id, a);
    case 'delete':
      return deleteRun(t, id, a.json);
    case 'cancel':
    case 'pause': {
      const view = await (a.sub === 'cancel' ? runs.cancel(id) : runs.pause(id));
      process.stdout.write(a.json ? json(view) : `run ${view.id} ${view.status}\n`);
      return EXIT.ok;
    }
    case 'resume': {
      const { run, seq } = await runs.head(id);
      // A run whose process died is carried on by whoever opened the database (this process, or
      // the server; on PostgreSQL the workers take it by themselves); a paused one is resumed,
      // and resume refuses any other status itself.
      if (!['running', 'waiting', 'queued'].includes(run.status)) await runs.resume(id);
      // This process claims nothing on a shared file: a running run no one carries is taken here,
      // and a waiting one becomes its own, so that it fires the run's timers that fell due.
      else if (run.status !== 'queued' && t.engine !== undefined && t.onWorkers !== true) {
        await t.engine.carryOn(id);
      }
      return carryOn(t, id, a, seq);
    }
    case 'retry': {
      // The seq before the move, so that the progress shows the nodes the retry runs again.
      const { seq } = await runs.head(id);
      await runs.retry(id, a.from === undefined ? {} : { from: a.from });
      return carryOn(t, id, a, seq);
    }
    case 'input': {
      const { seq } = await runs.head(id);
      await runs.input(id, a.node as string, parseLooseJson(a.value as string));
      return carryOn(t, id, a, seq);
    }
    case 'send': {
      const { seq } = await runs.head(id);
      const type = a.positionals[1] as string;
      const event = a.data === undefined ? { type } : { type, data: parseLooseJson(a.data) };
      await runs.send(id, event);
      return carryOn(t, id, a, seq);
    }
    default:
      throw new CliError(`unknown command "runs ${a.sub}"; see weft help runs`, EXIT.invalid);
  }
}

async function list(client: WeftClient, a: RunsArgs): Promise<number> {
  const { runs } = await client.runs.list({
    limit: a.limit === undefined ? 50 : Number(a.limit),
    ...(a.workflow === undefined ? {} : { workflow: a.workflow }),
    ...(a.status === undefined ? {} : { status: a.status as RunView['status'] }),
  });
  if (!a.json) {
    process.stdout.write(runsTable(runs));
    return EXIT.ok;
  }
  // The whole run objects, nodes included, as `runs show --json` prints them.
  const views: RunView[] = [];
  for (let i = 0; i < runs.length; i += PARALLEL_READS) {
    const batch = runs.slice(i, i + PARALLEL_READS);
    views.push(...(await Promise.all(batch.map((r) => client.runs.get(r.id)))));
  }
  process.stdout.write(json({ runs: views }));
  return EXIT.ok;
}

async function events(t: Target, id: string, a: RunsArgs): Promise<number> {
  const live = a.follow === true;
  const after = a.after === undefined ? 0 : Number(a.after);
  const print = (e: RunEvent) =>
    process.stdout.write(a.json ? `${JSON.stringify(e)}\n` : formatEventLine(e));
  for await (const e of t.client.runs.events(id, { after, follow: live })) print(e);
  return EXIT.ok;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
