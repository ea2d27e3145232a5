/**
 * @module tenants
 * Moving everything a tenant holds to another tenant (`weft tenants move`), in one transaction.
 * Rows keyed by run id (nodes, events, outputs, timers) follow their run without being touched.
 */
import type pg from 'pg';
import type { ResealedCredential, TenantMove } from '@weft/core';
import {
  checkNoTenantClash,
  checkResealedNames,
  credentialsChangedDuringMove,
} from '@weft/core/store-kit';
import { inTransaction } from './connect.js';

/** See `Store.moveTenant`. */
export function moveTenant(
  pool: pg.Pool,
  from: string,
  to: string,
  credentials: readonly ResealedCredential[],
): Promise<TenantMove> {
  return inTransaction(pool, async (c) => {
    const column = async (sql: string, values: unknown[]) =>
      (await c.query<{ v: string }>(sql, values)).rows.map((r) => r.v);
    const workflows = await column(
      `SELECT DISTINCT id AS v FROM workflows WHERE tenant = $1
         AND id IN (SELECT id FROM workflows WHERE tenant = $2) ORDER BY v`,
      [from, to],
    );
    const names = await column(
      `SELECT name AS v FROM credentials WHERE tenant = $1
         AND name IN (SELECT name FROM credentials WHERE tenant = $2) ORDER BY v`,
      [from, to],
    );
    const sessions = await column(
      `SELECT DISTINCT session AS v FROM memory_messages WHERE tenant = $1
         AND session IN (SELECT session FROM memory_messages WHERE tenant = $2) ORDER BY v`,
      [from, to],
    );
    const collections = await column(
      `SELECT name AS v FROM knowledge_collections WHERE tenant = $1
         AND name IN (SELECT name FROM knowledge_collections WHERE tenant = $2) ORDER BY v`,
      [from, to],
    );
    checkNoTenantClash(from, to, {
      workflows,
      credentials: names,
      'memory sessions': sessions,
      'knowledge collections': collections,
    });
    const expected = await column(
      'SELECT name AS v FROM credentials WHERE tenant = $1 ORDER BY name FOR UPDATE',
      [from],
    );
    checkResealedNames(from, expected, credentials);
    const count = await c.query<{ n: number }>(
      'SELECT COUNT(DISTINCT id)::int AS n FROM workflows WHERE tenant = $1',
      [from],
    );
    const moved: TenantMove = {
      workflows: count.rows[0]?.n ?? 0,
      runs:
        (await c.query('UPDATE runs SET tenant = $1 WHERE tenant = $2', [to, from])).rowCount ?? 0,
      schedules:
        (await c.query('UPDATE schedules SET tenant = $1 WHERE tenant = $2', [to, from]))
          .rowCount ?? 0,
      credentials: 0,
    };
    for (const table of [
      'workflows',
      'memory_messages',
      'knowledge_collections',
      'knowledge_chunks',
      'debounces',
    ])
      await c.query(`UPDATE ${table} SET tenant = $1 WHERE tenant = $2`, [to, from]);
    // A delivery id the new tenant has already seen on the same path stays seen: the old row goes.
    await c.query(
      `UPDATE webhook_deliveries d SET tenant = $1 WHERE tenant = $2 AND NOT EXISTS (
         SELECT 1 FROM webhook_deliveries x
         WHERE x.tenant = $1 AND x.path = d.path AND x.delivery_id = d.delivery_id)`,
      [to, from],
    );
    await c.query('DELETE FROM webhook_deliveries WHERE tenant = $1', [from]);
    for (const cr of credentials) {
      const done = await c.query(
        `UPDATE credentials SET tenant = $1, ciphertext = $2
         WHERE tenant = $3 AND name = $4 AND type = $5`,
        [to, Buffer.from(cr.ciphertext, 'utf8'), from, cr.name, cr.type],
      );
      moved.credentials += done.rowCount ?? 0;
    }
    if (moved.credentials !== credentials.length) throw credentialsChangedDuringMove(from);
    return moved;
  });
}
