/**
 * @module migrations
 * The schema as ordered data. A migration's `name` is its identity: once released it is never
 * edited or reordered, only followed by new ones. The PostgreSQL store keeps its own list (its
 * layout is PostgreSQL's, not a copy of this one), recorded in its `weft_migrations`.
 *
 * Conventions: JSON is stored as text (`NULL` = the field is absent, `'null'` = JSON null); times
 * are ISO 8601 text as the engine wrote them, except timer due times (epoch ms, compared as numbers).
 */

import type { Migration } from '@weft/core/store-kit';

export type { Migration };

export const MIGRATIONS: readonly Migration[] = [
  {
    name: '0001_initial',
    up: [
      // Deleted versions are kept as tombstones (deleted_at set) so that version numbers are never
      // reused: a kept run's (workflow_id, version) can never come to name another definition.
      `CREATE TABLE workflows (
        tenant TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        name TEXT,
        definition TEXT NOT NULL,
        source TEXT NOT NULL,
        hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        deleted_at TEXT,
        PRIMARY KEY (tenant, id, version)
      ) WITHOUT ROWID`,

      `CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        workflow_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        status TEXT NOT NULL,
        output TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        parent_run_id TEXT,
        parent_path TEXT,
        priority INTEGER NOT NULL,
        idempotency_key TEXT,
        seq INTEGER NOT NULL,
        state TEXT
      )`,
      // Each index ends in (created_at, id) so that listing pages and status scans need no sort.
      `CREATE INDEX runs_created ON runs (created_at, id)`,
      `CREATE INDEX runs_status ON runs (status, created_at, id)`,
      `CREATE INDEX runs_workflow ON runs (workflow_id, created_at, id)`,
      `CREATE INDEX runs_tenant_created ON runs (tenant, created_at, id)`,
      // The guard against two concurrent starts with the same key: the second commit fails.
      `CREATE UNIQUE INDEX runs_idempotency ON runs (tenant, workflow_id, idempotency_key)
        WHERE idempotency_key IS NOT NULL`,

      // Apart from the run row, which is rewritten on every commit: SQLite rewrites a whole row on
      // update, and an input of megabytes would be rewritten (and synced) with each one.
      `CREATE TABLE run_inputs (
        run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        input TEXT
      )`,

      `CREATE TABLE run_nodes (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        node_id TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        output TEXT,
        error TEXT,
        started_at TEXT,
        finished_at TEXT,
        state TEXT,
        PRIMARY KEY (run_id, path)
      ) WITHOUT ROWID`,

      `CREATE TABLE run_events (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        at TEXT NOT NULL,
        node TEXT,
        data TEXT,
        PRIMARY KEY (run_id, seq)
      ) WITHOUT ROWID`,

      `CREATE TABLE timers (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        due_at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        path TEXT,
        data TEXT
      )`,
      `CREATE INDEX timers_due ON timers (due_at, id)`,
      // Without it, deleting a run would scan every timer to cascade.
      `CREATE INDEX timers_run ON timers (run_id)`,
    ],
  },
  {
    name: '0002_credentials_keys_triggers',
    up: [
      // The value is the caller's ciphertext; the type is kept in clear so that lists can show it.
      `CREATE TABLE credentials (
        tenant TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        ciphertext TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant, name)
      ) WITHOUT ROWID`,

      // Only the SHA-256 of a key is kept; requests look keys up by that digest.
      `CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        created_at TEXT NOT NULL
      )`,
      `CREATE INDEX api_keys_tenant ON api_keys (tenant, created_at, id)`,

      // One row per cron trigger of a live workflow. next_due is epoch ms; a fire is a
      // compare-and-set on it, so each due time fires once however many schedulers look.
      `CREATE TABLE schedules (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        workflow_id TEXT NOT NULL,
        trigger_index INTEGER NOT NULL,
        schedule TEXT NOT NULL,
        timezone TEXT,
        input TEXT,
        next_due INTEGER NOT NULL,
        enabled INTEGER NOT NULL,
        UNIQUE (tenant, workflow_id, trigger_index)
      )`,
      `CREATE INDEX schedules_due ON schedules (next_due, id) WHERE enabled = 1`,

      `CREATE TABLE webhook_deliveries (
        tenant TEXT NOT NULL,
        path TEXT NOT NULL,
        delivery_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (tenant, path, delivery_id)
      ) WITHOUT ROWID`,

      `CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID`,
    ],
  },
  {
    name: '0003_retention',
    up: [
      // Deleting a run deletes its child runs: found by parent without scanning every run.
      `CREATE INDEX runs_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL`,
      // ... and the deliveries that started it.
      `CREATE INDEX webhook_deliveries_run ON webhook_deliveries (run_id)`,
    ],
  },
  {
    name: '0004_lean_rows',
    up: [
      // A commit's events of one run are one row: a JSON array of entries
      // [type, at, node, data, ref], the first at first_seq and each next one at the next seq.
      // node is null when absent; data and ref are left out when absent. at is 0 when it is the
      // row's first entry's. ref 1: data.output is the output of the row named below (out_seq).
      `CREATE TABLE run_event_batches (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        first_seq INTEGER NOT NULL,
        last_seq INTEGER NOT NULL,
        events TEXT NOT NULL,
        PRIMARY KEY (run_id, first_seq)
      ) WITHOUT ROWID`,
      // Each event of the old layout becomes a batch of one. The stored data text is spliced in as
      // it is, so that every value reads back byte for byte.
      `INSERT INTO run_event_batches (run_id, first_seq, last_seq, events)
       SELECT run_id, seq, seq,
         '[[' || json_quote(type) || ',' || json_quote(at) || ',' || json_quote(node)
           || COALESCE(',' || data, '') || ']]'
       FROM run_events`,
      `DROP TABLE run_events`,
      // An output is stored once. The node.succeeded (run.succeeded) event whose output is the
      // output of a node (run) row written in the same commit leaves it out, and the row keeps the
      // event's seq in out_seq. A run whose output is the output of such a node.succeeded event
      // keeps no output of its own but that event's node and seq (output_of_path, output_of_seq).
      `ALTER TABLE run_nodes ADD COLUMN out_seq INTEGER`,
      `ALTER TABLE runs ADD COLUMN out_seq INTEGER`,
      `ALTER TABLE runs ADD COLUMN output_of_path TEXT`,
      `ALTER TABLE runs ADD COLUMN output_of_seq INTEGER`,
      // When such a row's output is replaced or the row deleted (a retry resets nodes), the output
      // the event left out moves here first.
      `CREATE TABLE event_outputs (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        output TEXT,
        PRIMARY KEY (run_id, seq)
      ) WITHOUT ROWID`,
      `CREATE TRIGGER run_nodes_output_replaced BEFORE UPDATE OF output, out_seq ON run_nodes
       WHEN OLD.out_seq IS NOT NULL
         AND (NEW.out_seq IS NOT OLD.out_seq OR NEW.output IS NOT OLD.output)
       BEGIN
         INSERT OR IGNORE INTO event_outputs (run_id, seq, output)
         VALUES (OLD.run_id, OLD.out_seq, OLD.output);
       END`,
      // Not when the run itself is deleted (its rows cascade, and it is gone by then).
      `CREATE TRIGGER run_nodes_output_deleted BEFORE DELETE ON run_nodes
       WHEN OLD.out_seq IS NOT NULL AND EXISTS (SELECT 1 FROM runs WHERE id = OLD.run_id)
       BEGIN
         INSERT OR IGNORE INTO event_outputs (run_id, seq, output)
         VALUES (OLD.run_id, OLD.out_seq, OLD.output);
       END`,
      // A run's output, wherever it is kept.
      `CREATE VIEW run_outputs (run_id, output) AS
       SELECT r.id, CASE WHEN r.output_of_seq IS NULL THEN r.output ELSE COALESCE(
         (SELECT n.output FROM run_nodes n WHERE n.run_id = r.id
          AND n.path = r.output_of_path AND n.out_seq = r.output_of_seq),
         (SELECT o.output FROM event_outputs o
          WHERE o.run_id = r.id AND o.seq = r.output_of_seq)) END
       FROM runs r`,
      // Before the row changes: the view still reads the old row.
      `CREATE TRIGGER runs_output_replaced BEFORE UPDATE OF output, out_seq, output_of_seq ON runs
       WHEN OLD.out_seq IS NOT NULL
         AND (NEW.out_seq IS NOT OLD.out_seq OR NEW.output IS NOT OLD.output
           OR NEW.output_of_seq IS NOT OLD.output_of_seq)
       BEGIN
         INSERT OR IGNORE INTO event_outputs (run_id, seq, output)
         VALUES (OLD.id, OLD.out_seq, (SELECT output FROM run_outputs WHERE run_id = OLD.id));
       END`,
      // The old table's rows, one per event, for SQL readers (operators, tests): data as JSON
      // text (NULL when the event has none), with a left-out output put back (as its last key).
      `CREATE VIEW run_events (run_id, seq, type, at, node, data) AS
       SELECT b.run_id, b.first_seq + e.key, e.value ->> 0,
         CASE WHEN e.value ->> 1 = 0 THEN b.events ->> '$[0][1]' ELSE e.value ->> 1 END,
         e.value ->> 2,
         CASE WHEN e.value ->> 4 = 1 THEN json_set(e.value -> 3, '$.output', json(COALESCE(
           (SELECT o.output FROM event_outputs o
            WHERE o.run_id = b.run_id AND o.seq = b.first_seq + e.key),
           (SELECT n.output FROM run_nodes n WHERE n.run_id = b.run_id
            AND n.path = e.value ->> 2 AND n.out_seq = b.first_seq + e.key),
           (SELECT o.output FROM runs r JOIN run_outputs o ON o.run_id = r.id
            WHERE r.id = b.run_id AND r.out_seq = b.first_seq + e.key))))
         ELSE e.value -> 3 END
       FROM run_event_batches b, json_each(b.events) e`,
    ],
  },
  {
    name: '0005_memory_knowledge',
    up: [
      // A conversation's messages as JSON text, in append order (seq from 1 per session), with
      // their estimated tokens so that a read can stop at a token budget in SQL.
      `CREATE TABLE memory_messages (
        tenant TEXT NOT NULL,
        session TEXT NOT NULL,
        seq INTEGER NOT NULL,
        message TEXT NOT NULL,
        tokens INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (tenant, session, seq)
      ) WITHOUT ROWID`,

      // A collection is made by its first add and fixes the dimensions of its embeddings.
      `CREATE TABLE knowledge_collections (
        tenant TEXT NOT NULL,
        name TEXT NOT NULL,
        dimensions INTEGER NOT NULL,
        chunks INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (tenant, name)
      ) WITHOUT ROWID`,
      // The embedding is its float32 numbers, little-endian: compared in JavaScript, no extension.
      `CREATE TABLE knowledge_chunks (
        id INTEGER PRIMARY KEY,
        tenant TEXT NOT NULL,
        collection TEXT NOT NULL,
        text TEXT NOT NULL,
        metadata TEXT NOT NULL,
        embedding BLOB NOT NULL,
        created_at TEXT NOT NULL
      )`,
      `CREATE INDEX knowledge_chunks_collection ON knowledge_chunks (tenant, collection, id)`,
      // Keyword ranking (bm25) over the chunks' text, kept in step by the triggers below.
      `CREATE VIRTUAL TABLE knowledge_fts USING fts5(
        text, content = 'knowledge_chunks', content_rowid = 'id'
      )`,
      `CREATE TRIGGER knowledge_chunks_added AFTER INSERT ON knowledge_chunks BEGIN
         INSERT INTO knowledge_fts (rowid, text) VALUES (NEW.id, NEW.text);
       END`,
      `CREATE TRIGGER knowledge_chunks_deleted AFTER DELETE ON knowledge_chunks BEGIN
         INSERT INTO knowledge_fts (knowledge_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
       END`,
    ],
  },
  {
    name: '0006_concurrency_keys',
    up: [
      // Apart from the run row, which most runs do not need: a key is written once, at the start.
      `CREATE TABLE run_keys (
        run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        lim INTEGER NOT NULL
      ) WITHOUT ROWID`,
      `CREATE INDEX run_keys_key ON run_keys (key)`,
    ],
  },
  {
    name: '0007_rate_buckets',
    up: [
      // A bucket of a rate (`ports/rate-buckets`): the takes it remembers, in epoch ms as JSON
      // arrays, oldest first: when they ended, and the tokens of those going on.
      `CREATE TABLE rate_buckets (
        tenant TEXT NOT NULL,
        bucket TEXT NOT NULL,
        ended TEXT NOT NULL,
        running TEXT NOT NULL,
        PRIMARY KEY (tenant, bucket)
      ) WITHOUT ROWID`,
    ],
  },
  {
    name: '0008_token_budgets',
    up: [
      // Tokens spent in one window of a budget's bucket (`ports/token-budgets`); a bucket keeps
      // its latest two windows of each length.
      `CREATE TABLE token_budgets (
        tenant TEXT NOT NULL,
        bucket TEXT NOT NULL,
        per_ms INTEGER NOT NULL,
        window_start INTEGER NOT NULL,
        tokens INTEGER NOT NULL,
        PRIMARY KEY (tenant, bucket, per_ms, window_start)
      ) WITHOUT ROWID`,
    ],
  },
  {
    name: '0009_start_keys',
    up: [
      // `singleton:` — unique among the unfinished runs only: finishing frees the key by itself.
      `ALTER TABLE runs ADD COLUMN singleton_key TEXT`,
      `CREATE UNIQUE INDEX runs_singleton ON runs (tenant, workflow_id, singleton_key)
        WHERE singleton_key IS NOT NULL AND status NOT IN ('succeeded', 'failed', 'cancelled')`,
      // `debounce:` — a start waiting to fire; one pending (not fired) row per key value.
      `CREATE TABLE debounces (
        run_id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        workflow_id TEXT NOT NULL,
        key TEXT NOT NULL,
        version INTEGER NOT NULL,
        input TEXT NOT NULL,
        priority INTEGER NOT NULL,
        due_at INTEGER NOT NULL,
        deadline INTEGER NOT NULL,
        rev INTEGER NOT NULL DEFAULT 0,
        fired INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID`,
      `CREATE UNIQUE INDEX debounces_pending ON debounces (tenant, workflow_id, key) WHERE fired = 0`,
      `CREATE INDEX debounces_due ON debounces (due_at)`,
    ],
  },
  {
    name: '0010_cluster',
    up: [
      // Many processes on one file (see claims.ts, bus.ts). A run's holder and fencing token live
      // apart from the run row: a store used by one process alone never writes or reads them.
      // A row with no owner keeps the token for the next claim to raise.
      `CREATE TABLE run_claims (
        run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        owner TEXT,
        token INTEGER NOT NULL
      ) WITHOUT ROWID`,
      `CREATE INDEX run_claims_owner ON run_claims (owner) WHERE owner IS NOT NULL`,
      // One lease row per worker: a renewal rewrites it alone, never the rows of its runs.
      // Times are epoch ms of the machine's clock, which every process on the file shares.
      `CREATE TABLE workers (
        id TEXT PRIMARY KEY,
        version TEXT NOT NULL,
        where_ TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID`,
      // The bus: messages as rows, read by every subscriber after the last seq it saw. AUTOINCREMENT:
      // a seq is never given again once pruned, so a subscriber never takes a new row for a seen one.
      `CREATE TABLE bus (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        message TEXT NOT NULL,
        at INTEGER NOT NULL
      )`,
    ],
  },
];
