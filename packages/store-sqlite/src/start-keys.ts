/**
 * @module start-keys
 * Singleton keys and debounced starts in SQLite (see `ports/start-keys`): the statements of both,
 * prepared on first use, since most databases never need them.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { DebounceRecord, DebounceStart, RunRecord } from '@weft/core';
import {
  DEBOUNCE_COLUMNS,
  debounceFromRow,
  runFromRow,
  type DebounceRow,
  type RunRow,
} from '@weft/core/store-kit';
import { RUN_SELECT } from './statements.js';

export class StartKeyTable {
  readonly #singleton: Statement<[string, string, string], RunRow>;
  readonly #join: Statement<unknown[], { run_id: string; due_at: number }>;
  readonly #due: Statement<[number, number], DebounceRow>;
  readonly #next: Statement<[], number | null>;
  readonly #claim: Statement<[number, string, number]>;
  readonly #delete: Statement<[string]>;

  constructor(db: Database) {
    this.#singleton = db.prepare(
      `${RUN_SELECT} WHERE r.tenant = ? AND r.workflow_id = ? AND r.singleton_key = ?
         AND r.status NOT IN ('succeeded', 'failed', 'cancelled')`,
    );
    // The pending row of the key, if any, takes this start's input; else this start's row is new.
    this.#join = db.prepare(
      `INSERT INTO debounces (run_id, tenant, workflow_id, key, version, input, priority, due_at,
         deadline) VALUES (?, ?, ?, ?, ?, ?, ?, min(?, ?), ?)
       ON CONFLICT (tenant, workflow_id, key) WHERE fired = 0 DO UPDATE SET
         version = excluded.version, input = excluded.input, priority = excluded.priority,
         due_at = min(excluded.due_at, debounces.deadline), rev = debounces.rev + 1
       RETURNING run_id, due_at`,
    );
    this.#due = db.prepare(
      `SELECT ${DEBOUNCE_COLUMNS} FROM debounces WHERE due_at <= ? ORDER BY due_at LIMIT ?`,
    );
    this.#next = db.prepare<[], number | null>('SELECT min(due_at) FROM debounces').pluck();
    this.#claim = db.prepare(
      'UPDATE debounces SET fired = 1, due_at = ?, rev = rev + 1 WHERE run_id = ? AND rev = ?',
    );
    this.#delete = db.prepare('DELETE FROM debounces WHERE run_id = ?');
  }

  findSingletonRun(tenant: string, workflowId: string, key: string): RunRecord | undefined {
    const row = this.#singleton.get(tenant, workflowId, key);
    return row === undefined ? undefined : runFromRow(row);
  }

  debounceStart(d: DebounceStart): { runId: string; created: boolean; dueAt: number } {
    const row = this.#join.get(
      d.runId,
      d.tenant,
      d.workflowId,
      d.key,
      d.version,
      JSON.stringify(d.input ?? null),
      d.priority,
      d.dueAt,
      d.deadline,
      d.deadline,
    )!;
    return { runId: row.run_id, created: row.run_id === d.runId, dueAt: row.due_at };
  }

  dueDebounces(now: number, limit: number): DebounceRecord[] {
    return this.#due.all(now, Math.max(0, limit)).map(debounceFromRow);
  }

  nextDebounceDue(): number | undefined {
    return this.#next.get() ?? undefined;
  }

  claimDebounce(runId: string, rev: number, leaseUntil: number): boolean {
    return this.#claim.run(leaseUntil, runId, rev).changes === 1;
  }

  deleteDebounce(runId: string): void {
    this.#delete.run(runId);
  }
}
