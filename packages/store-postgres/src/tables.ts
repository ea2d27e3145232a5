/**
 * @module tables
 * Credentials, API keys, cron schedules, webhook deliveries and meta values: small tables, one
 * statement per call except where a call reads and writes together.
 *
 * A schedule's fire is a compare-and-set on `next_due` ({@link ScheduleTable.claim}): whoever
 * moves it from the due time it read fires that due time, however many schedulers look.
 */
import type pg from 'pg';
import type {
  ApiKeyRecord,
  CredentialRecord,
  CredentialSummary,
  CredentialWrite,
  ScheduleRecord,
  ScheduleSpec,
  WebhookDelivery,
} from '@weft/core';
import { inTransaction } from './connect.js';
import { conflictOrSelf } from './errors.js';
import {
  SCHEDULE_COLUMNS,
  scheduleFromRow,
  scheduleRowValues,
  type ScheduleRow,
} from '@weft/core/store-kit';

const changed = (r: pg.QueryResult) => (r.rowCount ?? 0) > 0;

export class CredentialTable {
  readonly #pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async put(c: CredentialWrite): Promise<{ created: boolean }> {
    // xmax is 0 on a row this statement inserted, set on one it updated: one statement tells both.
    const { rows } = await this.#pool.query<{ created: boolean }>(
      `INSERT INTO credentials (tenant, name, type, ciphertext, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (tenant, name) DO UPDATE SET type = excluded.type,
         ciphertext = excluded.ciphertext, updated_at = excluded.updated_at
       RETURNING (xmax = 0) AS created`,
      [c.tenant, c.name, c.type, Buffer.from(c.ciphertext, 'utf8'), c.at],
    );
    return { created: rows[0]?.created === true };
  }

  async get(tenant: string, name: string): Promise<CredentialRecord | undefined> {
    const { rows } = await this.#pool.query<Omit<CredentialRecord, 'ciphertext'> & { c: Buffer }>(
      `SELECT tenant, name, type, ciphertext AS c, created_at AS "createdAt",
         updated_at AS "updatedAt" FROM credentials WHERE tenant = $1 AND name = $2`,
      [tenant, name],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const { c, ...rest } = row;
    return {
      tenant: rest.tenant,
      name: rest.name,
      type: rest.type,
      ciphertext: c.toString('utf8'),
      createdAt: rest.createdAt,
      updatedAt: rest.updatedAt,
    };
  }

  async list(tenant: string): Promise<CredentialSummary[]> {
    const { rows } = await this.#pool.query<CredentialSummary>(
      `SELECT name, type, created_at AS "createdAt", updated_at AS "updatedAt"
       FROM credentials WHERE tenant = $1 ORDER BY name`,
      [tenant],
    );
    return rows;
  }

  async delete(tenant: string, name: string): Promise<boolean> {
    return changed(
      await this.#pool.query('DELETE FROM credentials WHERE tenant = $1 AND name = $2', [
        tenant,
        name,
      ]),
    );
  }
}

const KEY_SELECT = `SELECT id, tenant, hash, prefix, created_at AS "createdAt" FROM api_keys`;

export class ApiKeyTable {
  readonly #pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async create(k: ApiKeyRecord): Promise<void> {
    try {
      await this.#pool.query(
        'INSERT INTO api_keys (id, tenant, hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5)',
        [k.id, k.tenant, k.hash, k.prefix, k.createdAt],
      );
    } catch (error) {
      throw conflictOrSelf(error);
    }
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.#pool.query<ApiKeyRecord>({
      name: 'weft_key_by_hash',
      text: `${KEY_SELECT} WHERE hash = $1`,
      values: [hash],
    });
    return rows[0];
  }

  async list(tenant: string): Promise<ApiKeyRecord[]> {
    const { rows } = await this.#pool.query<ApiKeyRecord>(
      `${KEY_SELECT} WHERE tenant = $1 ORDER BY created_at, id`,
      [tenant],
    );
    return rows;
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    return changed(
      await this.#pool.query('DELETE FROM api_keys WHERE tenant = $1 AND id = $2', [tenant, id]),
    );
  }

  async any(): Promise<boolean> {
    const { rows } = await this.#pool.query<{ any: boolean }>({
      name: 'weft_any_key',
      text: 'SELECT EXISTS (SELECT 1 FROM api_keys) AS any',
    });
    return rows[0]?.any === true;
  }
}

export class ScheduleTable {
  readonly #pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  replace(tenant: string, workflowId: string, specs: readonly ScheduleSpec[]): Promise<void> {
    return inTransaction(this.#pool, async (c) => {
      const old = new Map(
        (
          await c.query<ScheduleRow>(
            `SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE tenant = $1 AND workflow_id = $2
             FOR UPDATE`,
            [tenant, workflowId],
          )
        ).rows.map((r) => [r.trigger_index, r]),
      );
      for (const spec of specs) {
        const before = old.get(spec.triggerIndex);
        old.delete(spec.triggerIndex);
        await c.query(
          `INSERT INTO schedules (${SCHEDULE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (id) DO UPDATE SET schedule = excluded.schedule,
             timezone = excluded.timezone, input = excluded.input, next_due = excluded.next_due,
             enabled = excluded.enabled`,
          [...scheduleRowValues(tenant, workflowId, spec, before), spec.enabled !== false],
        );
      }
      const gone = [...old.values()].map((r) => r.id);
      if (gone.length > 0) await c.query('DELETE FROM schedules WHERE id = ANY($1)', [gone]);
    });
  }

  async list(tenant: string, workflowId?: string): Promise<ScheduleRecord[]> {
    const { rows } =
      workflowId === undefined
        ? await this.#pool.query<ScheduleRow>(
            `SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE tenant = $1
             ORDER BY workflow_id, trigger_index`,
            [tenant],
          )
        : await this.#pool.query<ScheduleRow>(
            `SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE tenant = $1 AND workflow_id = $2
             ORDER BY trigger_index`,
            [tenant, workflowId],
          );
    return rows.map(scheduleFromRow);
  }

  async due(now: number, limit: number): Promise<ScheduleRecord[]> {
    const { rows } = await this.#pool.query<ScheduleRow>({
      name: 'weft_due_schedules',
      text: `SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE enabled AND next_due <= $1
        ORDER BY next_due, id LIMIT $2`,
      values: [now, Math.max(0, limit)],
    });
    return rows.map(scheduleFromRow);
  }

  async next(): Promise<number | undefined> {
    const { rows } = await this.#pool.query<{ due: string | null }>({
      name: 'weft_next_schedule',
      text: 'SELECT MIN(next_due) AS due FROM schedules WHERE enabled',
    });
    const due = rows[0]?.due ?? null;
    return due === null ? undefined : Number(due);
  }

  async claim(id: string, expectedDue: number, nextDue: number): Promise<boolean> {
    return changed(
      await this.#pool.query(
        'UPDATE schedules SET next_due = $1 WHERE id = $2 AND next_due = $3 AND enabled',
        [nextDue, id, expectedDue],
      ),
    );
  }
}

export class DeliveryTable {
  readonly #pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async record(d: WebhookDelivery): Promise<{ runId: string; created: boolean }> {
    // The insert decides who was first; a row, once there, never changes.
    const inserted = await this.#pool.query(
      `INSERT INTO webhook_deliveries (tenant, path, delivery_id, run_id, created_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [d.tenant, d.path, d.deliveryId, d.runId, d.createdAt],
    );
    if (changed(inserted)) return { runId: d.runId, created: true };
    return { runId: (await this.find(d.tenant, d.path, d.deliveryId)) ?? d.runId, created: false };
  }

  async find(tenant: string, path: string, deliveryId: string): Promise<string | undefined> {
    const { rows } = await this.#pool.query<{ run_id: string }>(
      'SELECT run_id FROM webhook_deliveries WHERE tenant = $1 AND path = $2 AND delivery_id = $3',
      [tenant, path, deliveryId],
    );
    return rows[0]?.run_id;
  }
}

export class MetaTable {
  readonly #pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async get(key: string): Promise<string | undefined> {
    const { rows } = await this.#pool.query<{ value: string }>(
      'SELECT value FROM weft_meta WHERE key = $1',
      [key],
    );
    return rows[0]?.value;
  }

  async set(key: string, value: string, ifAbsent: boolean): Promise<boolean> {
    const onConflict = ifAbsent ? 'DO NOTHING' : 'DO UPDATE SET value = excluded.value';
    return changed(
      await this.#pool.query(
        `INSERT INTO weft_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) ${onConflict}`,
        [key, value],
      ),
    );
  }
}
