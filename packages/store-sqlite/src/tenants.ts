/**
 * @module tenants
 * Moving everything a tenant holds to another tenant (`weft tenants move`), in one transaction.
 * Rows keyed by run id (nodes, events, timers, inputs) follow their run without being touched; so
 * do the keyword index's rows, keyed by chunk id.
 */
import type { Database, Transaction } from 'better-sqlite3';
import type { ResealedCredential, TenantMove } from '@weft/core';
import {
  checkNoTenantClash,
  checkResealedNames,
  credentialsChangedDuringMove,
} from '@weft/core/store-kit';

type Move = (from: string, to: string, credentials: readonly ResealedCredential[]) => TenantMove;

/** A transaction that moves tenant `from` to `to`; see `Store.moveTenant`. */
export function tenantMover(db: Database): Transaction<Move> {
  const clashingWorkflows = db
    .prepare<[string, string], string>(
      `SELECT DISTINCT id FROM workflows WHERE tenant = ?
         AND id IN (SELECT id FROM workflows WHERE tenant = ?) ORDER BY id`,
    )
    .pluck();
  const clashingCredentials = db
    .prepare<[string, string], string>(
      `SELECT name FROM credentials WHERE tenant = ?
         AND name IN (SELECT name FROM credentials WHERE tenant = ?) ORDER BY name`,
    )
    .pluck();
  const clashingSessions = db
    .prepare<[string, string], string>(
      `SELECT DISTINCT session FROM memory_messages WHERE tenant = ? AND session IN
         (SELECT session FROM memory_messages WHERE tenant = ?) ORDER BY session`,
    )
    .pluck();
  const clashingCollections = db
    .prepare<[string, string], string>(
      `SELECT name FROM knowledge_collections WHERE tenant = ?
         AND name IN (SELECT name FROM knowledge_collections WHERE tenant = ?) ORDER BY name`,
    )
    .pluck();
  const credentialNames = db
    .prepare<[string], string>('SELECT name FROM credentials WHERE tenant = ? ORDER BY name')
    .pluck();
  const workflowIds = db
    .prepare<[string], number>('SELECT COUNT(DISTINCT id) FROM workflows WHERE tenant = ?')
    .pluck();
  const moveWorkflows = db.prepare('UPDATE workflows SET tenant = ? WHERE tenant = ?');
  const moveRuns = db.prepare('UPDATE runs SET tenant = ? WHERE tenant = ?');
  const moveSchedules = db.prepare('UPDATE schedules SET tenant = ? WHERE tenant = ?');
  const moveOthers = [
    'UPDATE memory_messages SET tenant = ? WHERE tenant = ?',
    'UPDATE knowledge_collections SET tenant = ? WHERE tenant = ?',
    'UPDATE knowledge_chunks SET tenant = ? WHERE tenant = ?',
    'UPDATE debounces SET tenant = ? WHERE tenant = ?',
  ].map((sql) => db.prepare(sql));
  // A delivery id the new tenant has already seen on the same path stays seen: the old row goes.
  const moveDeliveries = db.prepare(
    'UPDATE OR IGNORE webhook_deliveries SET tenant = ? WHERE tenant = ?',
  );
  const dropDeliveries = db.prepare('DELETE FROM webhook_deliveries WHERE tenant = ?');
  const reseal = db.prepare(
    'UPDATE credentials SET tenant = ?, ciphertext = ? WHERE tenant = ? AND name = ? AND type = ?',
  );

  return db.transaction<Move>((from, to, credentials) => {
    checkNoTenantClash(from, to, {
      workflows: clashingWorkflows.all(from, to),
      credentials: clashingCredentials.all(from, to),
      'memory sessions': clashingSessions.all(from, to),
      'knowledge collections': clashingCollections.all(from, to),
    });
    checkResealedNames(from, credentialNames.all(from), credentials);
    const moved: TenantMove = {
      workflows: workflowIds.get(from) ?? 0,
      runs: moveRuns.run(to, from).changes,
      schedules: moveSchedules.run(to, from).changes,
      credentials: 0,
    };
    moveWorkflows.run(to, from);
    for (const move of moveOthers) move.run(to, from);
    moveDeliveries.run(to, from);
    dropDeliveries.run(from);
    for (const c of credentials)
      moved.credentials += reseal.run(to, c.ciphertext, from, c.name, c.type).changes;
    if (moved.credentials !== credentials.length) throw credentialsChangedDuringMove(from);
    return moved;
  });
}
