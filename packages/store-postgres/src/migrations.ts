/**
 * @module migrations
 * The PostgreSQL schema as ordered data. A migration's `name` is its identity: once released it is
 * never edited or reordered, only followed by new ones. `weft_migrations` records the names
 * applied; a name this build does not know means a newer Weft wrote the database.
 *
 * The layout follows the SQLite store's lean one in a form natural to PostgreSQL:
 * - JSON is `text`, not `jsonb`: jsonb refuses `\u0000` and reorders keys, and values must read
 *   back byte for byte. NULL = the field is absent, `'null'` = JSON null.
 * - Times are ISO 8601 text as the engine wrote them (compared as text), except due times (epoch
 *   ms, `bigint`). Text that is sorted or compared is `COLLATE "C"`: byte order, as in SQLite.
 * - A commit's events of one run are one row of `run_event_batches`.
 * - An output a `node.succeeded` or `run.succeeded` event carries is stored once, in
 *   `run_outputs` under the event's seq, when the node (run) row written with it holds the same
 *   value: the event and the row name it by seq (`output_seq`). Those rows are never updated, so
 *   nothing has to move when a retry resets the node.
 * - Runs are rows a later step can give an owner and a fencing token (workers claiming runs):
 *   0003_cluster does, in `cluster-migration.ts`.
 * - Concurrency keys (0004_concurrency_keys, in `keys-migration.ts`) and the rates shared by the
 *   workers (0005_rate_buckets, in `rate-migration.ts`) keep rows of their own, as do the token
 *   budgets (0006_token_budgets, in `token-budget-migration.ts`).
 */

import type { Migration } from '@weft/core/store-kit';
import { BUS_MIGRATION } from './bus-migration.js';
import { CLUSTER_MIGRATION } from './cluster-migration.js';
import { KEYS_MIGRATION } from './keys-migration.js';
import { RATE_MIGRATION } from './rate-migration.js';
import { TOKEN_BUDGET_MIGRATION } from './token-budget-migration.js';
import { START_KEYS_MIGRATION } from './start-keys-migration.js';
import { LEAN_WRITES_MIGRATION } from './lean-writes-migration.js';

export type { Migration };

export const MIGRATIONS: readonly Migration[] = [
  {
    name: '0001_initial',
    up: [
      // Deleted versions are kept as tombstones (deleted_at set) so that version numbers are never
      // reused: a kept run's (workflow_id, version) can never come to name another definition.
      `CREATE TABLE workflows (
        tenant text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        version integer NOT NULL,
        name text,
        definition text NOT NULL,
        source text NOT NULL,
        hash text NOT NULL,
        created_at text COLLATE "C" NOT NULL,
        deleted_at text,
        PRIMARY KEY (tenant, id, version)
      )`,

      // The idempotency key is the caller's text as UTF-8 bytes: a text column refuses U+0000.
      // The input lives in the row: PostgreSQL keeps a large value out of line (TOAST) and an
      // update that does not assign it copies only the pointer.
      `CREATE TABLE runs (
        id text COLLATE "C" PRIMARY KEY,
        tenant text COLLATE "C" NOT NULL,
        workflow_id text COLLATE "C" NOT NULL,
        version integer NOT NULL,
        status text COLLATE "C" NOT NULL,
        input text,
        output text,
        output_seq integer,
        error text,
        created_at text COLLATE "C" NOT NULL,
        started_at text,
        finished_at text COLLATE "C",
        parent_run_id text COLLATE "C",
        parent_path text,
        priority integer NOT NULL,
        idempotency_key bytea,
        seq integer NOT NULL,
        state text
      )`,
      // Each index ends in (created_at, id) so that listing pages and status scans need no sort.
      `CREATE INDEX runs_created ON runs (created_at, id)`,
      `CREATE INDEX runs_status ON runs (status, created_at, id)`,
      `CREATE INDEX runs_workflow ON runs (workflow_id, created_at, id)`,
      `CREATE INDEX runs_tenant_created ON runs (tenant, created_at, id)`,
      // The guard against two concurrent starts with the same key: the second commit fails.
      `CREATE UNIQUE INDEX runs_idempotency ON runs (tenant, workflow_id, idempotency_key)
        WHERE idempotency_key IS NOT NULL`,
      // Deleting a run deletes its child runs: found by parent without scanning every run.
      `CREATE INDEX runs_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL`,

      // Written once per event that carries it, deleted only with the run.
      `CREATE TABLE run_outputs (
        run_id text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        output text,
        PRIMARY KEY (run_id, seq)
      )`,

      `CREATE TABLE run_nodes (
        run_id text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        path text COLLATE "C" NOT NULL,
        node_id text NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL,
        output text,
        output_seq integer,
        error text,
        started_at text,
        finished_at text,
        state text,
        PRIMARY KEY (run_id, path)
      )`,

      // events: a JSON array of entries [type, at, node, data, ref], the first at first_seq and
      // each next one at the next seq. node is null when absent; data and ref are left out when
      // absent; at is 0 when it is the first entry's. ref n: data.output is run_outputs' seq n.
      `CREATE TABLE run_event_batches (
        run_id text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        first_seq integer NOT NULL,
        last_seq integer NOT NULL,
        events text NOT NULL,
        PRIMARY KEY (run_id, first_seq)
      )`,

      `CREATE TABLE timers (
        id text COLLATE "C" PRIMARY KEY,
        run_id text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        due_at bigint NOT NULL,
        kind text NOT NULL,
        path text,
        data text
      )`,
      `CREATE INDEX timers_due ON timers (due_at, id)`,
      // Without it, deleting a run would scan every timer to cascade.
      `CREATE INDEX timers_run ON timers (run_id)`,

      // The value is the caller's ciphertext, as UTF-8 bytes: text columns refuse U+0000, and the
      // store keeps whatever text it is given. The type is in clear so that lists can show it.
      `CREATE TABLE credentials (
        tenant text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        type text NOT NULL,
        ciphertext bytea NOT NULL,
        created_at text NOT NULL,
        updated_at text NOT NULL,
        PRIMARY KEY (tenant, name)
      )`,

      // Only the SHA-256 of a key is kept; requests look keys up by that digest.
      `CREATE TABLE api_keys (
        id text COLLATE "C" PRIMARY KEY,
        tenant text COLLATE "C" NOT NULL,
        hash text NOT NULL UNIQUE,
        prefix text NOT NULL,
        created_at text COLLATE "C" NOT NULL
      )`,
      `CREATE INDEX api_keys_tenant ON api_keys (tenant, created_at, id)`,

      // One row per cron trigger of a live workflow; a fire is a compare-and-set on next_due.
      `CREATE TABLE schedules (
        id text COLLATE "C" PRIMARY KEY,
        tenant text COLLATE "C" NOT NULL,
        workflow_id text COLLATE "C" NOT NULL,
        trigger_index integer NOT NULL,
        schedule text NOT NULL,
        timezone text,
        input text,
        next_due bigint NOT NULL,
        enabled boolean NOT NULL,
        UNIQUE (tenant, workflow_id, trigger_index)
      )`,
      `CREATE INDEX schedules_due ON schedules (next_due, id) WHERE enabled`,

      `CREATE TABLE webhook_deliveries (
        tenant text COLLATE "C" NOT NULL,
        path text COLLATE "C" NOT NULL,
        delivery_id text COLLATE "C" NOT NULL,
        run_id text COLLATE "C" NOT NULL,
        created_at text NOT NULL,
        PRIMARY KEY (tenant, path, delivery_id)
      )`,
      `CREATE INDEX webhook_deliveries_run ON webhook_deliveries (run_id)`,

      `CREATE TABLE weft_meta (
        key text COLLATE "C" PRIMARY KEY,
        value text NOT NULL
      )`,

      // A commit is one call: one round trip, one implicit transaction, whatever it writes (see
      // write.ts for the arguments). Rows are removed before they are written, so a commit can
      // reset a node and write it afresh, or move a timer under the same id.
      // Raises WF001 (detail: JSON array of run ids) when a run row is not at the seq its writer
      // read (the caller writes those rows whole), and unique_violation when an event seq is
      // already stored: nothing is written in either case.
      `CREATE FUNCTION weft_commit(
        d_id text[], d_prev int[], d_m int[], d_status text[], d_output text[],
        d_output_seq int[], d_error text[], d_started text[], d_finished text[], d_priority int[],
        d_seq int[], d_state text[], d_input text[],
        w_id text[], w_tenant text[], w_workflow text[], w_version int[], w_status text[],
        w_input text[], w_output text[], w_output_seq int[], w_error text[], w_created text[],
        w_started text[], w_finished text[], w_parent text[], w_parent_path text[],
        w_priority int[], w_key bytea[], w_seq int[], w_state text[], w_keep_input bool[],
        o_run text[], o_seq int[], o_output text[],
        rn_run text[], rn_path text[],
        n_run text[], n_path text[], n_node text[], n_status text[], n_attempts int[],
        n_output text[], n_output_seq int[], n_error text[], n_started text[], n_finished text[],
        n_state text[],
        b_run text[], b_first int[], b_last int[], b_events text[],
        rt_id text[],
        t_id text[], t_run text[], t_due bigint[], t_kind text[], t_path text[], t_data text[]
      ) RETURNS void LANGUAGE plpgsql AS $body$
      DECLARE
        stale text[];
        clash text;
      BEGIN
        -- Run rows written from previous: only the columns whose bit is set in m.
        IF cardinality(d_id) > 0 THEN
          WITH u AS (
            UPDATE runs AS r SET
              status = CASE WHEN w.m & 1 = 0 THEN r.status ELSE w.status END,
              output = CASE WHEN w.m & 2 = 0 THEN r.output ELSE w.output END,
              output_seq = CASE WHEN w.m & 2 = 0 THEN r.output_seq ELSE w.output_seq END,
              error = CASE WHEN w.m & 4 = 0 THEN r.error ELSE w.error END,
              started_at = CASE WHEN w.m & 8 = 0 THEN r.started_at ELSE w.started_at END,
              finished_at = CASE WHEN w.m & 16 = 0 THEN r.finished_at ELSE w.finished_at END,
              priority = CASE WHEN w.m & 32 = 0 THEN r.priority ELSE w.priority END,
              seq = CASE WHEN w.m & 64 = 0 THEN r.seq ELSE w.seq END,
              state = CASE WHEN w.m & 128 = 0 THEN r.state ELSE w.state END,
              input = CASE WHEN w.m & 256 = 0 THEN r.input ELSE w.input END
            FROM unnest(d_id, d_prev, d_m, d_status, d_output, d_output_seq, d_error, d_started,
                d_finished, d_priority, d_seq, d_state, d_input)
              AS w(id, prev_seq, m, status, output, output_seq, error, started_at, finished_at,
                priority, seq, state, input)
            WHERE r.id = w.id AND r.seq = w.prev_seq
            RETURNING r.id)
          SELECT array_agg(x) INTO stale FROM unnest(d_id) AS x
          WHERE x NOT IN (SELECT id FROM u);
          IF stale IS NOT NULL THEN
            RAISE EXCEPTION 'run rows not at the seq their writer read'
              USING ERRCODE = 'WF001', DETAIL = to_json(stale)::text;
          END IF;
        END IF;
        -- Run rows written whole: new runs, or a field fixed at creation changed.
        IF cardinality(w_id) > 0 THEN
          INSERT INTO runs (id, tenant, workflow_id, version, status, input, output, output_seq,
              error, created_at, started_at, finished_at, parent_run_id, parent_path, priority,
              idempotency_key, seq, state)
            SELECT w.id, w.tenant, w.workflow, w.version, w.status, w.input, w.output,
              w.output_seq, w.error, w.created, w.started, w.finished, w.parent, w.parent_path,
              w.priority, w.key, w.seq, w.state
            FROM unnest(w_id, w_tenant, w_workflow, w_version, w_status, w_input, w_output,
                w_output_seq, w_error, w_created, w_started, w_finished, w_parent, w_parent_path,
                w_priority, w_key, w_seq, w_state, w_keep_input)
              AS w(id, tenant, workflow, version, status, input, output, output_seq, error,
                created, started, finished, parent, parent_path, priority, key, seq, state,
                keep_input)
            WHERE NOT w.keep_input
            ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant,
              workflow_id = excluded.workflow_id, version = excluded.version,
              status = excluded.status, input = excluded.input, output = excluded.output,
              output_seq = excluded.output_seq, error = excluded.error,
              created_at = excluded.created_at, started_at = excluded.started_at,
              finished_at = excluded.finished_at, parent_run_id = excluded.parent_run_id,
              parent_path = excluded.parent_path, priority = excluded.priority,
              idempotency_key = excluded.idempotency_key, seq = excluded.seq,
              state = excluded.state;
          -- "inputUnchanged": the stored input stays, unread and unwritten.
          INSERT INTO runs (id, tenant, workflow_id, version, status, output, output_seq, error,
              created_at, started_at, finished_at, parent_run_id, parent_path, priority,
              idempotency_key, seq, state)
            SELECT w.id, w.tenant, w.workflow, w.version, w.status, w.output, w.output_seq,
              w.error, w.created, w.started, w.finished, w.parent, w.parent_path, w.priority,
              w.key, w.seq, w.state
            FROM unnest(w_id, w_tenant, w_workflow, w_version, w_status, w_output, w_output_seq,
                w_error, w_created, w_started, w_finished, w_parent, w_parent_path, w_priority,
                w_key, w_seq, w_state, w_keep_input)
              AS w(id, tenant, workflow, version, status, output, output_seq, error, created,
                started, finished, parent, parent_path, priority, key, seq, state, keep_input)
            WHERE w.keep_input
            ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant,
              workflow_id = excluded.workflow_id, version = excluded.version,
              status = excluded.status, output = excluded.output,
              output_seq = excluded.output_seq, error = excluded.error,
              created_at = excluded.created_at, started_at = excluded.started_at,
              finished_at = excluded.finished_at, parent_run_id = excluded.parent_run_id,
              parent_path = excluded.parent_path, priority = excluded.priority,
              idempotency_key = excluded.idempotency_key, seq = excluded.seq,
              state = excluded.state;
        END IF;
        IF cardinality(o_run) > 0 THEN
          INSERT INTO run_outputs (run_id, seq, output) SELECT * FROM unnest(o_run, o_seq, o_output);
        END IF;
        IF cardinality(rn_run) > 0 THEN
          DELETE FROM run_nodes n USING unnest(rn_run, rn_path) AS d(run_id, path)
          WHERE n.run_id = d.run_id AND n.path = d.path;
        END IF;
        IF cardinality(n_run) > 0 THEN
          INSERT INTO run_nodes (run_id, path, node_id, status, attempts, output, output_seq, error,
              started_at, finished_at, state)
            SELECT * FROM unnest(n_run, n_path, n_node, n_status, n_attempts, n_output,
              n_output_seq, n_error, n_started, n_finished, n_state)
            ON CONFLICT (run_id, path) DO UPDATE SET node_id = excluded.node_id,
              status = excluded.status, attempts = excluded.attempts, output = excluded.output,
              output_seq = excluded.output_seq, error = excluded.error,
              started_at = excluded.started_at, finished_at = excluded.finished_at,
              state = excluded.state;
        END IF;
        -- Only the row starting last at or before a new row's last seq can overlap it: one index
        -- seek per new row, however long the log.
        IF cardinality(b_run) > 0 THEN
          SELECT c.run_id INTO clash FROM unnest(b_run, b_first, b_last) AS c(run_id, first_seq, last_seq)
          WHERE (SELECT e.last_seq FROM run_event_batches e
                 WHERE e.run_id = c.run_id AND e.first_seq <= c.last_seq
                 ORDER BY e.first_seq DESC LIMIT 1) >= c.first_seq
          LIMIT 1;
          IF clash IS NOT NULL THEN
            RAISE EXCEPTION 'run % already has an event with a seq this commit writes', clash
              USING ERRCODE = 'unique_violation';
          END IF;
          INSERT INTO run_event_batches (run_id, first_seq, last_seq, events)
            SELECT * FROM unnest(b_run, b_first, b_last, b_events);
        END IF;
        IF cardinality(rt_id) > 0 THEN
          DELETE FROM timers WHERE id = ANY(rt_id);
        END IF;
        IF cardinality(t_id) > 0 THEN
          INSERT INTO timers (id, run_id, due_at, kind, path, data)
            SELECT * FROM unnest(t_id, t_run, t_due, t_kind, t_path, t_data);
        END IF;
      END
      $body$`,
    ],
  },
  {
    name: '0002_memory_knowledge',
    up: [
      // A conversation's messages as JSON text, in append order (seq from 1 per session), with
      // their estimated tokens so that a read can stop at a token budget in SQL.
      `CREATE TABLE memory_messages (
        tenant text COLLATE "C" NOT NULL,
        session text COLLATE "C" NOT NULL,
        seq integer NOT NULL,
        message text NOT NULL,
        tokens integer NOT NULL,
        created_at text NOT NULL,
        PRIMARY KEY (tenant, session, seq)
      )`,

      // A collection is made by its first add and fixes the dimensions of its embeddings.
      `CREATE TABLE knowledge_collections (
        tenant text COLLATE "C" NOT NULL,
        name text COLLATE "C" NOT NULL,
        dimensions integer NOT NULL,
        chunks integer NOT NULL,
        created_at text NOT NULL,
        PRIMARY KEY (tenant, name)
      )`,
      // The embedding is its float32 numbers, little-endian (bytea): compared in JavaScript, so no
      // extension such as pgvector is needed. Keywords use the 'simple' configuration (no
      // stemming), as SQLite's FTS5 default tokenizer does.
      `CREATE TABLE knowledge_chunks (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tenant text COLLATE "C" NOT NULL,
        collection text COLLATE "C" NOT NULL,
        text text NOT NULL,
        metadata text NOT NULL,
        embedding bytea NOT NULL,
        created_at text NOT NULL,
        keywords tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED
      )`,
      `CREATE INDEX knowledge_chunks_collection ON knowledge_chunks (tenant, collection, id)`,
      `CREATE INDEX knowledge_chunks_keywords ON knowledge_chunks USING gin (keywords)`,
    ],
  },
  CLUSTER_MIGRATION,
  KEYS_MIGRATION,
  RATE_MIGRATION,
  TOKEN_BUDGET_MIGRATION,
  BUS_MIGRATION,
  START_KEYS_MIGRATION,
  LEAN_WRITES_MIGRATION,
];
