/**
 * @module cli/runs-prune
 * `weft runs prune --older-than DURATION [--status S] [--workflow W]` and `weft runs delete RUN`:
 * deleting finished runs of the tenant (`default` on a local database) and giving their disk back.
 * Runs not finished are never deleted.
 */
import { statSync } from 'node:fs';
import { TERMINAL_RUN_STATUSES, type TerminalRunStatus } from '@weft/core/client';
import { CliError, EXIT } from './exit-codes.js';
import type { Target } from './target.js';

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

/** `30d`, `12h`, `90m`, `45s` (or `1.5d`) in ms. */
export function parseAge(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([dhms])$/.exec(text.trim());
  if (m === null) {
    throw new CliError(
      `--older-than must be a duration such as 30d, 12h, 90m or 45s, not "${text}"`,
      EXIT.invalid,
    );
  }
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

/** A status runs may be pruned by: only the ways a run ends. */
export function pruneStatus(status: string | undefined): TerminalRunStatus | undefined {
  if (status === undefined) return undefined;
  if (!(TERMINAL_RUN_STATUSES as readonly string[]).includes(status)) {
    throw new CliError(
      `weft runs prune --status must be one of ${TERMINAL_RUN_STATUSES.join(', ')}, not "${status}": runs that are not finished are never pruned`,
      EXIT.invalid,
    );
  }
  return status as TerminalRunStatus;
}

export interface PruneArgs {
  olderThan: string | undefined;
  status: string | undefined;
  workflow: string | undefined;
  json: boolean;
  db: string;
}

/** Checks the arguments before anything is opened; returns what to send. */
export function pruneRequest(a: Pick<PruneArgs, 'olderThan' | 'status' | 'workflow'>) {
  if (a.olderThan === undefined) {
    throw new CliError(
      'weft runs prune needs --older-than DURATION (e.g. 30d, 12h, 90m, 45s)',
      EXIT.invalid,
    );
  }
  const status = pruneStatus(a.status);
  return {
    olderThanMs: parseAge(a.olderThan),
    ...(status === undefined ? {} : { status }),
    ...(a.workflow === undefined ? {} : { workflow: a.workflow }),
  };
}

/** Bytes of the database and its WAL: what the prune gave back, measured as `ls` would. */
function stored(db: string): number {
  let bytes = 0;
  for (const file of [db, `${db}-wal`]) {
    try {
      bytes += statSync(file).size;
    } catch {
      // No WAL: nothing there.
    }
  }
  return bytes;
}

export async function prune(t: Target, a: PruneArgs): Promise<number> {
  const request = pruneRequest(a);
  const local = t.engine !== undefined && !t.inMemory && t.onWorkers !== true;
  const before = local ? stored(a.db) : 0;
  const { deleted } = await t.client.runs.prune(request);
  const freed = local ? Math.max(0, before - stored(a.db)) : undefined;
  if (a.json) {
    process.stdout.write(
      `${JSON.stringify(freed === undefined ? { deleted } : { deleted, freed_bytes: freed })}\n`,
    );
    return EXIT.ok;
  }
  const runs = `${deleted} finished run${deleted === 1 ? '' : 's'} deleted`;
  process.stdout.write(
    freed === undefined
      ? `${runs}${t.server === undefined ? '' : ` on ${t.server} (it gives the disk back)`}\n`
      : `${runs}; ${a.db} is ${formatBytes(freed)} smaller\n`,
  );
  return EXIT.ok;
}

export async function deleteRun(t: Target, id: string, json: boolean): Promise<number> {
  await t.client.runs.delete(id);
  process.stdout.write(json ? `${JSON.stringify({ id, deleted: true })}\n` : `run ${id} deleted\n`);
  return EXIT.ok;
}

function formatBytes(b: number): string {
  if (b < 1024) return `${b} B`;
  if (b < 1024 ** 2) return `${(b / 1024).toFixed(1)} KiB`;
  if (b < 1024 ** 3) return `${(b / 1024 ** 2).toFixed(1)} MiB`;
  return `${(b / 1024 ** 3).toFixed(2)} GiB`;
}
