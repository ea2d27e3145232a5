/**
 * @module schedules
 * Cron schedules, webhook deliveries and the meta key/value table: the durable state of triggers.
 *
 * A fire is a compare-and-set on `next_due` ({@link ScheduleTable.claim}): whoever moves it from
 * the due time it read fires that due time, and nobody else does, however many schedulers look.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { ScheduleRecord, ScheduleSpec, WebhookDelivery } from '@weft/core';
import {
  SCHEDULE_COLUMNS,
  scheduleFromRow,
  scheduleRowValues,
  type ScheduleRow,
} from '@weft/core/store-kit';

/** The schedules table. */
export class ScheduleTable {
  readonly #ofWorkflow: Statement<[string, string], ScheduleRow>;
  readonly #ofTenant: Statement<[string], ScheduleRow>;
  readonly #upsert: Statement<unknown[]>;
  readonly #deleteOne: Statement<[string]>;
  readonly #deleteAll: Statement<[string, string]>;
  readonly #due: Statement<[number, number], ScheduleRow>;
  readonly #next: Statement<[], number | null>;
  readonly #claim: Statement<[number, string, number]>;
  readonly #replace: (tenant: string, workflowId: string, specs: readonly ScheduleSpec[]) => void;

  constructor(db: Database) {
    this.#ofWorkflow = db.prepare(
      `SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE tenant = ? AND workflow_id = ? ORDER BY trigger_index`,
    );
    this.#ofTenant = db.prepare(
      `SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE tenant = ? ORDER BY workflow_id, trigger_index`,
    );
    this.#upsert = db.prepare(
      `INSERT INTO schedules (${SCHEDULE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET schedule = excluded.schedule, timezone = excluded.timezone,
         input = excluded.input, next_due = excluded.next_due, enabled = excluded.enabled`,
    );
    this.#deleteOne = db.prepare('DELETE FROM schedules WHERE id = ?');
    this.#deleteAll = db.prepare('DELETE FROM schedules WHERE tenant = ? AND workflow_id = ?');
    this.#due = db.prepare(
      `SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE enabled = 1 AND next_due <= ?
       ORDER BY next_due, id LIMIT ?`,
    );
    this.#next = db
      .prepare<[], number | null>('SELECT MIN(next_due) FROM schedules WHERE enabled = 1')
      .pluck();
    this.#claim = db.prepare(
      'UPDATE schedules SET next_due = ? WHERE id = ? AND next_due = ? AND enabled = 1',
    );
    const replace = db.transaction(
      (tenant: string, workflowId: string, specs: readonly ScheduleSpec[]) => {
        const old = new Map(
          this.#ofWorkflow.all(tenant, workflowId).map((r) => [r.trigger_index, r]),
        );
        for (const spec of specs) {
          const before = old.get(spec.triggerIndex);
          old.delete(spec.triggerIndex);
          this.#upsert.run(
            ...scheduleRowValues(tenant, workflowId, spec, before),
            spec.enabled === false ? 0 : 1,
          );
        }
        for (const gone of old.values()) this.#deleteOne.run(gone.id);
      },
    );
    this.#replace = (tenant, workflowId, specs) => replace.immediate(tenant, workflowId, specs);
  }

  replace(tenant: string, workflowId: string, specs: readonly ScheduleSpec[]): void {
    this.#replace(tenant, workflowId, specs);
  }

  /** Deletes every schedule of a workflow; run it inside the workflow's delete transaction. */
  deleteOfWorkflow(tenant: string, workflowId: string): void {
    this.#deleteAll.run(tenant, workflowId);
  }

  list(tenant: string, workflowId?: string): ScheduleRecord[] {
    const rows =
      workflowId === undefined
        ? this.#ofTenant.all(tenant)
        : this.#ofWorkflow.all(tenant, workflowId);
    return rows.map(scheduleFromRow);
  }

  due(now: number, limit: number): ScheduleRecord[] {
    return this.#due.all(now, Math.max(0, limit)).map(scheduleFromRow);
  }

  next(): number | undefined {
    return this.#next.get() ?? undefined;
  }

  claim(id: string, expectedDue: number, nextDue: number): boolean {
    return this.#claim.run(nextDue, id, expectedDue).changes === 1;
  }
}

/** The webhook_deliveries table. */
export class DeliveryTable {
  readonly #insert: Statement<unknown[]>;
  readonly #find: Statement<[string, string, string], string>;

  constructor(db: Database) {
    this.#insert = db.prepare(
      `INSERT INTO webhook_deliveries (tenant, path, delivery_id, run_id, created_at)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.#find = db
      .prepare<[string, string, string], string>(
        'SELECT run_id FROM webhook_deliveries WHERE tenant = ? AND path = ? AND delivery_id = ?',
      )
      .pluck();
  }

  record(d: WebhookDelivery): { runId: string; created: boolean } {
    // The insert decides who was first; a row, once there, never changes.
    if (this.#insert.run(d.tenant, d.path, d.deliveryId, d.runId, d.createdAt).changes === 1) {
      return { runId: d.runId, created: true };
    }
    return { runId: this.find(d.tenant, d.path, d.deliveryId) ?? d.runId, created: false };
  }

  find(tenant: string, path: string, deliveryId: string): string | undefined {
    return this.#find.get(tenant, path, deliveryId);
  }
}

/** The meta key/value table. */
export class MetaTable {
  readonly #get: Statement<[string], string>;
  readonly #set: Statement<[string, string]>;
  readonly #setIfAbsent: Statement<[string, string]>;

  constructor(db: Database) {
    this.#get = db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck();
    this.#set = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.#setIfAbsent = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
    );
  }

  get(key: string): string | undefined {
    return this.#get.get(key);
  }

  set(key: string, value: string, ifAbsent: boolean): boolean {
    return (ifAbsent ? this.#setIfAbsent : this.#set).run(key, value).changes === 1;
  }
}
